// Unsigned LEB128 holding a u32 (docs/flam.md §3): at most 5 bytes, a 5th byte above 0x0F is
// corrupt, and an overlong form (a final 0x00 after the first byte, e.g. `80 00`) is corrupt.

/** Value of the last successful `readVarint`. */
export let varintValue: u32 = 0;

/** `readVarint` result when the bytes are not a v1 varint (too long, too large, overlong). */
export const VARINT_MALFORMED: usize = 0;
/**
 * `readVarint` result when the section ends before the final byte: also BAD_VARINT, as in the
 * TypeScript reference, whatever the section; kept apart for error messages.
 */
export const VARINT_CUT: usize = 1;

/**
 * Reads a varint at `p`, never at or past `end` (the end of its section, §1). Returns the
 * position after it (and sets `varintValue`), or a result <= VARINT_CUT; positions in the
 * arena are always above 1.
 */
export function readVarint(p: usize, end: usize): usize {
  if (p >= end) return VARINT_CUT;
  let b = <u32>load<u8>(p);
  if (b < 0x80) {
    // One byte: the common case for lengths and ids below 128.
    varintValue = b;
    return p + 1;
  }
  let value = b & 0x7f;
  let shift: u32 = 7;
  let q = p + 1;
  while (true) {
    if (q >= end) return VARINT_CUT;
    b = <u32>load<u8>(q);
    q++;
    if (shift == 28) {
      // 5th byte: only 4 bits remain in a u32, and it must be the last byte.
      if (b > 0x0f) return VARINT_MALFORMED;
      if (b == 0) return VARINT_MALFORMED;
      varintValue = value | (b << 28);
      return q;
    }
    if (b < 0x80) {
      if (b == 0) return VARINT_MALFORMED; // overlong
      varintValue = value | (b << shift);
      return q;
    }
    value |= (b & 0x7f) << shift;
    shift += 7;
  }
  return VARINT_MALFORMED;
}
