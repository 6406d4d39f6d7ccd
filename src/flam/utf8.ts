/** UTF-8 helpers shared by the encoder and the reference decoder. */

/** Byte length of `s` in UTF-8; `s` must be well formed (no lone surrogates). */
export function utf8Length(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) n += c < 0x800 || (c >= 0xd800 && c < 0xe000) ? 1 : 2;
  }
  return n; // a surrogate pair counts 2 + 1 + 1 = 4 bytes
}

export const encoder = new TextEncoder();
/** Strict: invalid UTF-8 throws, and a leading U+FEFF is kept (it is data, not a marker). */
export const strictDecoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
