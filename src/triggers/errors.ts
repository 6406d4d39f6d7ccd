/**
 * The one error of trigger and segment definitions. `path` is the JSON Pointer of the part of
 * the definition at fault (empty for the whole definition), so an editor can point at it; the
 * plumbing answers it as `400 invalid_definition`.
 */
export class DefinitionError extends Error {
  override readonly name = "DefinitionError";
  readonly code = "invalid_definition";
  readonly path: string;

  constructor(path: string, message: string) {
    super(message);
    this.path = path;
  }
}

/**
 * A {@link DefinitionError} at `path`; the message starts with the path so it reads alone.
 *
 * @example
 * invalid("/segment/all/0/inARow", "must be an integer in 1..1000, got 0")
 * // message: "/segment/all/0/inARow: must be an integer in 1..1000, got 0"
 */
export function invalid(path: string, reason: string): DefinitionError {
  return new DefinitionError(path, `${path || "definition"}: ${reason}`);
}
