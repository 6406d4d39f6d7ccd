// Strict UTF-8 validation (docs/flam.md §4, §5): the well-formed byte sequences of Unicode 15
// table 3-7, which is also what a fatal WHATWG TextDecoder accepts. No overlongs, no surrogates
// (ED A0..BF), nothing above U+10FFFF.

/** True when `[p, p + n)` is well-formed UTF-8. */
export function validUtf8(p: usize, n: usize): bool {
  let end = p + n;
  while (p < end) {
    // ASCII fast path: 16 bytes at a time (8 in the scalar build) while no high bit is set.
    if (ASC_FEATURE_SIMD) {
      while (p + 16 <= end && i8x16.bitmask(v128.load(p)) == 0) p += 16;
    } else {
      while (p + 8 <= end && (load<u64>(p) & 0x8080808080808080) == 0) p += 8;
    }
    if (p >= end) break;
    let b = <u32>load<u8>(p);
    if (b < 0x80) {
      p++;
      continue;
    }
    if (b < 0xc2) return false; // continuation byte or overlong 2-byte lead (C0, C1)
    if (b < 0xe0) {
      // C2..DF 80..BF
      if (p + 2 > end || !isCont(load<u8>(p, 1))) return false;
      p += 2;
      continue;
    }
    if (b < 0xf0) {
      // E0 A0..BF; E1..EC 80..BF; ED 80..9F (no surrogates); EE..EF 80..BF; then 80..BF
      if (p + 3 > end) return false;
      let b1 = <u32>load<u8>(p, 1);
      let lo: u32 = b == 0xe0 ? 0xa0 : 0x80;
      let hi: u32 = b == 0xed ? 0x9f : 0xbf;
      if (b1 < lo || b1 > hi || !isCont(load<u8>(p, 2))) return false;
      p += 3;
      continue;
    }
    // F0 90..BF; F1..F3 80..BF; F4 80..8F; then 80..BF 80..BF
    if (b > 0xf4 || p + 4 > end) return false;
    let b1 = <u32>load<u8>(p, 1);
    let lo: u32 = b == 0xf0 ? 0x90 : 0x80;
    let hi: u32 = b == 0xf4 ? 0x8f : 0xbf;
    if (b1 < lo || b1 > hi || !isCont(load<u8>(p, 2)) || !isCont(load<u8>(p, 3))) return false;
    p += 4;
  }
  return true;
}

@inline function isCont(b: u8): bool {
  return (b & 0xc0) == 0x80;
}
