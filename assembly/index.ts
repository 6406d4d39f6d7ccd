// The FlaM v1 decoder's exports (raw bindings, numbers only), used by src/flam/wasm.
// Addresses are byte offsets into the exported memory; every call that allocates may grow it.

import { arenaAlloc, arenaEnsure, arenaMark, arenaRelease, arenaReset } from "./arena";
import { errorAt, errorCode, errorNeeded } from "./errors";
import { hashBytes } from "./hash";
import {
  D_EVENTS,
  D_KEYS,
  D_KEY_ENTRIES,
  D_KEY_MASK,
  D_KEY_SLOTS,
  D_LENGTH,
  D_MAX_TIME,
  D_MIN_TIME,
  D_SEED,
  D_STRINGS,
  D_STRING_ENTRIES,
  D_STRING_MASK,
  D_STRING_SLOTS,
} from "./layout";
import { entryLenTag, entryText, indexFind } from "./text-index";
import { openBlock } from "./open-block";
import { completeColumn, project } from "./project";
import { aggregateOut } from "./aggregate";

export { aggregate } from "./aggregate";
export { selected, whereNum, wherePresent, whereStrIn } from "./kernels";
export { xxh32 } from "./xxh32";

let seed: u32 = 0;

/** Seeds the dictionary hash of blocks opened from now on (the binding picks it at random). */
export function setSeed(value: u32): void {
  seed = value;
}

/** Arena top, to `release` back to. */
export function mark(): usize {
  return arenaMark();
}

export function release(to: usize): void {
  arenaRelease(to);
}

/** Frees every block and scan. */
export function reset(): void {
  arenaReset();
}

/** Allocates `n` bytes (with readable slack after them); 0 when memory cannot grow. */
export function alloc(n: usize): usize {
  return arenaAlloc(n);
}

/** Scratch of `n` bytes above the arena top, valid until the next allocating call; 0 on failure. */
export function scratch(n: usize): usize {
  return arenaEnsure(n) ? arenaMark() : 0;
}

/**
 * Opens the block at `p` (`avail` bytes copied from an input of `total` bytes): its descriptor,
 * or 0 with `lastError`, `lastErrorAt` and `lastNeeded` set.
 */
export function open(p: usize, avail: u32, total: u32): usize {
  return openBlock(p, avail, total, seed);
}

export function lastError(): i32 {
  return errorCode;
}

export function lastErrorAt(): u32 {
  return errorAt;
}

export function lastNeeded(): u32 {
  return errorNeeded;
}

export function eventCount(d: usize): u32 {
  return load<u32>(d, D_EVENTS);
}

export function blockLength(d: usize): u32 {
  return load<u32>(d, D_LENGTH);
}

/** Times as doubles: exact, |t| <= 2^53 - 1 (docs/flam.md §2). */
export function minTime(d: usize): f64 {
  return <f64>load<i64>(d, D_MIN_TIME);
}

export function maxTime(d: usize): f64 {
  return <f64>load<i64>(d, D_MAX_TIME);
}

export function keyCount(d: usize): u32 {
  return load<u32>(d, D_KEYS);
}

export function stringCount(d: usize): u32 {
  return load<u32>(d, D_STRINGS);
}

/** String id of the UTF-8 text `[p, p + n)`, or -1. */
export function stringId(d: usize, p: usize, n: u32): i32 {
  if (n > 0xffff) return -1;
  let s = load<u32>(d, D_SEED);
  return indexFind(
    <usize>load<u32>(d, D_STRING_SLOTS),
    load<u32>(d, D_STRING_MASK),
    <usize>load<u32>(d, D_STRING_ENTRIES),
    p,
    n,
    hashBytes(p, n, 0, s),
  );
}

/** Key id of the UTF-8 text `[p, p + n)` in namespace `ns`, or -1. */
export function keyId(d: usize, p: usize, n: u32, ns: u32): i32 {
  if (n > 0xff || ns > 1) return -1;
  let s = load<u32>(d, D_SEED);
  return indexFind(
    <usize>load<u32>(d, D_KEY_SLOTS),
    load<u32>(d, D_KEY_MASK),
    <usize>load<u32>(d, D_KEY_ENTRIES),
    p,
    n | (ns << 16),
    hashBytes(p, n, ns, s),
  );
}

/** Address of the text of string `sid` (< stringCount). */
export function stringText(d: usize, sid: u32): usize {
  return entryText(<usize>load<u32>(d, D_STRING_ENTRIES), sid);
}

export function stringLength(d: usize, sid: u32): u32 {
  return entryLenTag(<usize>load<u32>(d, D_STRING_ENTRIES), sid);
}

/** Projects `n` i32 field ids at `fields` into a new scan (scan-layout.ts); 0 when out of memory. */
export function scan(d: usize, fields: usize, n: u32): usize {
  return project(d, fields, n);
}

/** Makes column `f` of a scan whole before the binding shows it (scan-layout.ts). */
export function columnReady(scan: usize, f: u32): void {
  completeColumn(scan, f);
}

/** Address of the rows written by the last `aggregate` (aggregate.ts layout). */
export function aggregateRows(): usize {
  return aggregateOut;
}
