// Decode error codes, identical to `FlamErrorCode` in src/flam/errors.ts (docs/flam.md §9).
// The decoder reports one code per failed open; the binding turns it into FlamTruncatedError or
// FlamCorruptError with `flamError(code, message, needed)`.

export const OK: i32 = 0;
export const TRUNCATED: i32 = 1;
export const BAD_MAGIC: i32 = 2;
export const UNSUPPORTED_VERSION: i32 = 3;
export const BAD_HEADER: i32 = 4;
export const BAD_LENGTH: i32 = 5;
export const CHECKSUM: i32 = 6;
export const BAD_VARINT: i32 = 7;
export const BAD_KEY: i32 = 8;
export const BAD_STRING: i32 = 9;
export const BAD_SHAPE: i32 = 10;
export const BAD_RECORD: i32 = 11;
export const LIMIT: i32 = 12;
/** Not a block error: linear memory could not grow (the binding throws a plain RangeError). */
export const OUT_OF_MEMORY: i32 = 100;

/** The last failure: its code, the block offset it was found at, and the bytes a truncated block needs. */
export let errorCode: i32 = OK;
export let errorAt: u32 = 0;
export let errorNeeded: u32 = 0;

@inline export function resetError(): void {
  errorCode = OK;
  errorAt = 0;
  errorNeeded = 0;
}

/** Records a failure and returns 0, the "no descriptor" pointer, so callers can `return fail(...)`. */
export function fail(code: i32, at: u32): usize {
  errorCode = code;
  errorAt = at;
  return 0;
}

/** Records `c` at byte `at` and returns it: the one-line form of every section parser's error exit. */
@inline export function failWith(c: i32, at: u32): i32 {
  fail(c, at);
  return c;
}

/** Records and returns OUT_OF_MEMORY (the arena could not grow). */
export function failOutOfMemory(): i32 {
  fail(OUT_OF_MEMORY, 0);
  return OUT_OF_MEMORY;
}

export function failTruncated(needed: u32, at: u32): usize {
  errorNeeded = needed;
  return fail(TRUNCATED, at);
}
