/**
 * The 52-bit hash the dedup window stores instead of event ids: an integer key is a fraction of
 * the size of a 36-character id in SQLite's index, so each batch touches fewer pages. Two
 * independent 32-bit FNV-1a lanes over the UTF-16 units, each finished by murmur3's fmix32; 52
 * bits because a JavaScript number and a JSON parameter carry them exactly.
 *
 * A hash can collide, so a match is only a candidate: the dedup window confirms it against the
 * id stored in the log at that offset (dedup.ts).
 *
 * @example
 * idHash("0b5c2e7a-8d7f-4a0e-9a53-2f7e1c3d9b10") // an integer in [0, 2^52)
 */
export function idHash(id: string): number {
  let a = 0x811c9dc5 ^ id.length;
  let b = 0x9747b28c;
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
  }
  return (fmix32(b ^ a) >>> 12) * 0x1_0000_0000 + (fmix32(a) >>> 0);
}

/** murmur3's finalizer: every input bit affects every output bit. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}
