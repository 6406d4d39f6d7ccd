/**
 * Mutations of valid FlaM blocks for the fuzz suite: blind ones (bit flips, byte sets,
 * truncations, insertions, deletions, copied chunks) and ones aimed at a header field or inside
 * one section. Most mutated blocks then get their blockLength and checksum recomputed, so that
 * they reach the structural checks of docs/flam.md section 9 instead of stopping at CHECKSUM.
 */
import { withChecksum } from "../helpers/flam-hand-block.ts";
import type { Rng } from "../helpers/random.ts";

const INTERESTING = [0x00, 0x01, 0x02, 0x7f, 0x80, 0x81, 0xff, 0x40, 0x41, 0xc1, 0x0f, 0x10];
const INTERESTING_U32 = [
  0,
  1,
  2,
  63,
  64,
  65,
  255,
  256,
  257,
  1024,
  1025,
  65_535,
  65_536,
  65_537,
  2 ** 20,
  2 ** 20 + 1,
  2 ** 24,
  2 ** 31,
  0xffffffff,
];

/** What `mutate` did, for failure reports. */
export interface Mutation {
  bytes: Uint8Array;
  steps: string[];
  resealed: boolean;
}

const sectionBounds = (b: Uint8Array): [number, number][] => {
  if (b.length < 64) return [];
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const offsets = [48, 52, 56, 60].map((at) => v.getUint32(at, true));
  offsets.push(b.length);
  const out: [number, number][] = [];
  for (let i = 0; i < 4; i++)
    if (offsets[i]! < offsets[i + 1]! && offsets[i + 1]! <= b.length)
      out.push([offsets[i]!, offsets[i + 1]!]);
  return out;
};

/** One to three mutations of `seed`, then (mostly) a fresh blockLength and checksum. */
export function mutate(seed: Uint8Array, rng: Rng): Mutation {
  let b = seed.slice();
  const steps: string[] = [];
  const count = 1 + rng.int(3);
  for (let k = 0; k < count; k++) {
    const n = b.length;
    const at = rng.int(Math.max(n, 1));
    switch (rng.int(9)) {
      case 0: {
        const bit = rng.int(8);
        if (n > 0) b[at] = b[at]! ^ (1 << bit);
        steps.push(`flip bit ${bit} of byte ${at}`);
        break;
      }
      case 1: {
        const x = rng.chance(0.7) ? rng.pick(INTERESTING) : rng.int(256);
        if (n > 0) b[at] = x;
        steps.push(`set byte ${at} to ${x}`);
        break;
      }
      case 2: {
        const len = rng.chance(0.2) ? rng.int(Math.min(n, 80)) : rng.int(n);
        b = b.slice(0, len);
        steps.push(`truncate to ${len}`);
        break;
      }
      case 3: {
        const extra = Array.from({ length: 1 + rng.int(8) }, () =>
          rng.chance(0.5) ? rng.pick(INTERESTING) : rng.int(256),
        );
        b = Uint8Array.from([...b.subarray(0, at), ...extra, ...b.subarray(at)]);
        steps.push(`insert ${extra.join(",")} at ${at}`);
        break;
      }
      case 4: {
        const len = 1 + rng.int(8);
        b = Uint8Array.from([...b.subarray(0, at), ...b.subarray(at + len)]);
        steps.push(`delete ${len} at ${at}`);
        break;
      }
      case 5: {
        const len = 1 + rng.int(16);
        const to = rng.int(Math.max(n, 1));
        if (n > 0) b.copyWithin(to, at, Math.min(at + len, n));
        steps.push(`copy ${len} from ${at} to ${to}`);
        break;
      }
      case 6: {
        if (n < 64) break;
        const field = 16 + 4 * rng.int(12);
        const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
        const x = rng.chance(0.5)
          ? rng.pick(INTERESTING_U32)
          : (v.getUint32(field, true) + rng.int(5) - 2) >>> 0;
        v.setUint32(field, x, true);
        steps.push(`set header u32 at ${field} to ${x}`);
        break;
      }
      default: {
        // Inside one section: a flipped or set byte where the parser is deep in a structure.
        const sections = sectionBounds(b);
        if (sections.length === 0) break;
        const [from, to] = rng.pick(sections);
        const p = from + rng.int(to - from);
        const x = rng.chance(0.5) ? b[p]! ^ (1 << rng.int(8)) : rng.pick(INTERESTING);
        b[p] = x;
        steps.push(`set section byte ${p} to ${x}`);
      }
    }
  }
  const resealed = rng.chance(0.75) && b.length >= 16;
  if (resealed) {
    // blockLength = the bytes (most of the time), then a checksum that matches.
    if (rng.chance(0.9))
      new DataView(b.buffer, b.byteOffset, b.byteLength).setUint32(8, b.length, true);
    withChecksum(b);
  }
  return { bytes: b, steps, resealed };
}
