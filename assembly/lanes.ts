// Byte lanes: what one v128 instruction does for 16 rows, done on a u64 of 8 rows (SWAR) for
// the scalar build (build/flam-scalar.wasm, compiled without `--enable simd`). ASC_FEATURE_SIMD
// is a compile-time constant: the branch it rules out is not compiled, so each binary holds
// one of the two paths, and the scalar one has no v128 instruction at all.
//
// A selection mask byte is 0x00 or 0xFF, so its top bit says everything; helpers that return
// "0x80 per byte" leave the other bits clear.

const HIGH_BITS: u64 = 0x8080808080808080;
const LOW_BITS: u64 = 0x7f7f7f7f7f7f7f7f;
const ONES: u64 = 0x0101010101010101;

/**
 * 0x80 in each byte of `x` that equals `b`, 0 elsewhere. Exact (no false positives across bytes):
 * `(y & 0x7F) + 0x7F` sets a byte's top bit iff its low 7 bits are not all 0 and never carries
 * into the next byte; or-ing `y` adds the top bit itself (Hacker's Delight, 2nd ed., 6-1).
 */
@inline export function equalBytes(x: u64, b: u8): u64 {
  let y = x ^ (<u64>b * ONES);
  return ~(((y & LOW_BITS) + LOW_BITS) | y | LOW_BITS);
}

/** 0x80 per byte -> 0xFF per byte. */
@inline export function widenBytes(x: u64): u64 {
  return (x >> 7) * 0xff;
}

/**
 * Bit i set when byte i of `x` has its top bit set (i8x16.bitmask on 8 lanes). After masking,
 * bit 8i + 7 times 2^(7(7 - i)) lands on bit 56 + i; no two of the 64 partial products share a
 * bit, so nothing carries into bits 56..63.
 */
@inline export function topBits(x: u64): i32 {
  return <i32>(((x & HIGH_BITS) * 0x0002040810204081) >> 56);
}

/** Bit i set when row i of the 16 at `mask` is selected. */
@inline export function selectedBits(mask: usize): i32 {
  if (ASC_FEATURE_SIMD) return i8x16.bitmask(v128.load(mask));
  return topBits(load<u64>(mask)) | (topBits(load<u64>(mask, 8)) << 8);
}

/** Bit i set when row i of the 16 at `mask` is selected and its tag (at `tags`) is `tag`. */
@inline export function selectedWithTag(mask: usize, tags: usize, tag: u8): i32 {
  if (ASC_FEATURE_SIMD) return i8x16.bitmask(v128.and(v128.load(mask), i8x16.eq(v128.load(tags), i8x16.splat(tag))));
  let lo = load<u64>(mask) & equalBytes(load<u64>(tags), tag);
  let hi = load<u64>(mask, 8) & equalBytes(load<u64>(tags, 8), tag);
  return topBits(lo) | (topBits(hi) << 8);
}
