// xxHash32 (https://github.com/Cyan4973/xxHash/blob/dev/doc/xxhash_spec.md), the block checksum
// of docs/flam.md §2. The four accumulators of the stripe loop are the four lanes of one i32x4:
// one 16-byte load, one multiply-add-rotate-multiply per stripe; four u32 locals in the scalar
// build (ASC_FEATURE_SIMD false).

const PRIME32_1: u32 = 0x9e3779b1;
const PRIME32_2: u32 = 0x85ebca77;
const PRIME32_3: u32 = 0xc2b2ae3d;
const PRIME32_4: u32 = 0x27d4eb2f;
const PRIME32_5: u32 = 0x165667b1;

/** xxHash32 of `[ptr, ptr + len)` with `seed`. */
export function xxh32(ptr: usize, len: usize, seed: u32): u32 {
  let end = ptr + len;
  let h: u32;
  if (len >= 16) {
    h = ASC_FEATURE_SIMD ? stripesLanes(ptr, end, seed) : stripesWords(ptr, end, seed);
    ptr += (len >> 4) << 4;
  } else {
    h = seed + PRIME32_5;
  }
  // Spec step 4: add the input length (mod 2^32).
  h += <u32>len;
  // Spec step 5: consume the remaining 4-byte words, then bytes.
  while (ptr + 4 <= end) {
    h = rotl<u32>(h + load<u32>(ptr) * PRIME32_3, 17) * PRIME32_4;
    ptr += 4;
  }
  while (ptr < end) {
    h = rotl<u32>(h + <u32>load<u8>(ptr) * PRIME32_5, 11) * PRIME32_1;
    ptr++;
  }
  // Spec step 6: avalanche.
  h ^= h >> 15;
  h *= PRIME32_2;
  h ^= h >> 13;
  h *= PRIME32_3;
  h ^= h >> 16;
  return h;
}

/** Spec steps 1-3 over the whole 16-byte stripes of `[ptr, end)`, in the lanes of one i32x4. */
@inline function stripesLanes(ptr: usize, end: usize, seed: u32): u32 {
  // Spec step 1: acc1..acc4 = seed + P1 + P2, seed + P2, seed, seed - P1.
  let acc = i32x4.splat(<i32>seed);
  acc = i32x4.replace_lane(acc, 0, <i32>(seed + PRIME32_1 + PRIME32_2));
  acc = i32x4.replace_lane(acc, 1, <i32>(seed + PRIME32_2));
  acc = i32x4.replace_lane(acc, 3, <i32>(seed - PRIME32_1));
  let p1 = i32x4.splat(<i32>PRIME32_1);
  let p2 = i32x4.splat(<i32>PRIME32_2);
  let limit = end - 16;
  do {
    // Spec step 2: acc = rotl(acc + lane * P2, 13) * P1.
    acc = i32x4.add(acc, i32x4.mul(v128.load(ptr), p2));
    acc = v128.or(i32x4.shl(acc, 13), i32x4.shr_u(acc, 19));
    acc = i32x4.mul(acc, p1);
    ptr += 16;
  } while (ptr <= limit);
  // Spec step 3: converge.
  return (
    rotl<u32>(<u32>i32x4.extract_lane(acc, 0), 1) +
    rotl<u32>(<u32>i32x4.extract_lane(acc, 1), 7) +
    rotl<u32>(<u32>i32x4.extract_lane(acc, 2), 12) +
    rotl<u32>(<u32>i32x4.extract_lane(acc, 3), 18)
  );
}

/** `stripesLanes` with four u32 accumulators. */
@inline function stripesWords(ptr: usize, end: usize, seed: u32): u32 {
  let acc1 = seed + PRIME32_1 + PRIME32_2;
  let acc2 = seed + PRIME32_2;
  let acc3 = seed;
  let acc4 = seed - PRIME32_1;
  let limit = end - 16;
  do {
    acc1 = rotl<u32>(acc1 + load<u32>(ptr) * PRIME32_2, 13) * PRIME32_1;
    acc2 = rotl<u32>(acc2 + load<u32>(ptr, 4) * PRIME32_2, 13) * PRIME32_1;
    acc3 = rotl<u32>(acc3 + load<u32>(ptr, 8) * PRIME32_2, 13) * PRIME32_1;
    acc4 = rotl<u32>(acc4 + load<u32>(ptr, 12) * PRIME32_2, 13) * PRIME32_1;
    ptr += 16;
  } while (ptr <= limit);
  return rotl<u32>(acc1, 1) + rotl<u32>(acc2, 7) + rotl<u32>(acc3, 12) + rotl<u32>(acc4, 18);
}
