// A seeded multiplicative hash of short byte strings for the dictionary indexes. The seed is
// chosen by the binding per instance so that a hostile block cannot be built to collide.
// Reads 8 bytes at a time; the final partial word is loaded whole and masked (the arena keeps
// SLACK readable bytes after every text).

const M1: u64 = 0x9e3779b97f4a7c15; // 2^64 / golden ratio
const M2: u64 = 0xbf58476d1ce4e5b9; // splitmix64 finalizer constants
const M3: u64 = 0x94d049bb133111eb;

/** Hash of `[p, p + n)`, mixed with `tag` (the key namespace) and the instance seed. */
export function hashBytes(p: usize, n: usize, tag: u32, seed: u32): u32 {
  let h: u64 = ((<u64>seed << 32) | <u64>tag) ^ (<u64>n * M1);
  let end = p + n;
  while (p + 8 <= end) {
    h = (h ^ load<u64>(p)) * M1;
    h ^= h >> 29;
    p += 8;
  }
  if (p < end) {
    let bits = <u64>(end - p) << 3;
    h = (h ^ (load<u64>(p) & ((<u64>1 << bits) - 1))) * M1;
  }
  // splitmix64 finalizer: every input bit reaches the low bits used as the slot.
  h = (h ^ (h >> 30)) * M2;
  h = (h ^ (h >> 27)) * M3;
  return <u32>(h ^ (h >> 31));
}
