/**
 * The two ways a FlaM block can fail to decode, shared by the TypeScript reference decoder and
 * the WebAssembly decoder (which reports the numeric `FlamErrorCode`s below).
 *
 * Why two: a *truncated* block may become valid with more bytes (a stream reader waits, a store
 * reports a torn write); a *corrupt* one never will. See docs/flam.md section 9.
 */

/** Numeric codes, identical in `assembly/errors.ts`; 0 means success. */
export const FlamErrorCode = {
  TRUNCATED: 1,
  BAD_MAGIC: 2,
  UNSUPPORTED_VERSION: 3,
  BAD_HEADER: 4,
  BAD_LENGTH: 5,
  CHECKSUM: 6,
  BAD_VARINT: 7,
  BAD_KEY: 8,
  BAD_STRING: 9,
  BAD_SHAPE: 10,
  BAD_RECORD: 11,
  LIMIT: 12,
} as const;

export type FlamErrorName = keyof typeof FlamErrorCode;
export type FlamCorruptCode = Exclude<FlamErrorName, "TRUNCATED">;

const NAMES = Object.fromEntries(
  Object.entries(FlamErrorCode).map(([name, code]) => [code, name]),
) as Record<number, FlamErrorName>;

/**
 * The bytes end before the block does.
 *
 * @example
 * try { openBlock(bytes.subarray(0, 10)) } catch (e) { if (e instanceof FlamTruncatedError) waitForMore(e.needed) }
 */
export class FlamTruncatedError extends RangeError {
  readonly code = "TRUNCATED" as const;
  /** Total bytes the block needs, when the header says (0 when not yet known). */
  readonly needed: number;
  constructor(message: string, needed = 0) {
    super(message);
    this.name = "FlamTruncatedError";
    this.needed = needed;
  }
}

/**
 * The bytes can never form a valid block (or, for `UNSUPPORTED_VERSION`, a block this reader
 * does not implement: keep it, a newer reader can read it).
 *
 * @example
 * try { openBlock(bytes) } catch (e) { if (e instanceof FlamCorruptError && e.code === "CHECKSUM") quarantine() }
 */
export class FlamCorruptError extends Error {
  readonly code: FlamCorruptCode;
  constructor(code: FlamCorruptCode, message: string) {
    super(`${code}: ${message}`);
    this.name = "FlamCorruptError";
    this.code = code;
  }
}

/** Either decode error. */
export type FlamDecodeError = FlamTruncatedError | FlamCorruptError;

/** Builds the error for a numeric code (as returned by the WASM decoder). */
export function flamError(code: number, message?: string, needed = 0): FlamDecodeError {
  const name = NAMES[code];
  if (name === undefined) return new FlamCorruptError("BAD_HEADER", `unknown error code ${code}`);
  if (name === "TRUNCATED") return new FlamTruncatedError(message ?? "block is truncated", needed);
  return new FlamCorruptError(name, message ?? "block is corrupt");
}
