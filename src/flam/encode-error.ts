/**
 * Why the encoder refused an event. It validates an event completely before touching the open
 * block, so a refused event leaves the block exactly as it was: one bad event never costs the
 * good ones.
 *
 * @example
 * try { builder.append(e) } catch (err) { if (err instanceof FlamEncodeError) reject(e, err.message) }
 */
export class FlamEncodeError extends Error {
  /** Which rule was broken: `INVALID` (a field of the wrong type or form), `LIMIT` (too big). */
  readonly code: "INVALID" | "LIMIT" | "FULL";
  /** The field at fault, e.g. `properties.price`. */
  readonly field: string;
  constructor(code: "INVALID" | "LIMIT" | "FULL", field: string, message: string) {
    super(`${field}: ${message}`);
    this.name = "FlamEncodeError";
    this.code = code;
    this.field = field;
  }
}
