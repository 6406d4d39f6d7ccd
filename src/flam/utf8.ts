/** UTF-8 helpers shared by the encoder and the reference decoder. */

/**
 * Byte length of `s` in UTF-8 as `TextEncoder` writes it: a surrogate pair is 4 bytes, a lone
 * surrogate 3 (it becomes U+FFFD). Hostile input reaches this before validation (edge limits,
 * trigger actions), so it must be exact for any string, and it is on the encoder's hot path, so
 * it allocates nothing.
 */
export function utf8Length(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) n += 1;
    else if (c <= 0xdbff && c >= 0xd800 && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 2; // two units, four bytes
      i++;
    } else n += 2; // three bytes: the rest of the BMP, or a lone surrogate's U+FFFD
  }
  return n;
}

export const encoder = new TextEncoder();
/** Strict: invalid UTF-8 throws, and a leading U+FEFF is kept (it is data, not a marker). */
export const strictDecoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
