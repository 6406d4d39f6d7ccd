/**
 * The raw exports of build/flam.wasm and build/flam-scalar.wasm (assembly/index.ts, built with
 * and without SIMD): numbers in, numbers out. Addresses are byte offsets into `memory`; a call
 * marked "may grow" can detach every view of it.
 */
export interface FlamExports {
  readonly memory: WebAssembly.Memory;
  setSeed(seed: number): void;
  mark(): number;
  release(mark: number): void;
  reset(): void;
  /** May grow. 0 when memory cannot grow. */
  alloc(n: number): number;
  /** May grow. Scratch above the arena top, overwritten by the next allocation. */
  scratch(n: number): number;
  /** May grow. Descriptor address, or 0 with `lastError`, `lastErrorAt`, `lastNeeded`. */
  open(p: number, avail: number, total: number): number;
  lastError(): number;
  lastErrorAt(): number;
  lastNeeded(): number;
  eventCount(d: number): number;
  blockLength(d: number): number;
  minTime(d: number): number;
  maxTime(d: number): number;
  keyCount(d: number): number;
  stringCount(d: number): number;
  stringId(d: number, p: number, n: number): number;
  keyId(d: number, p: number, n: number, ns: number): number;
  stringText(d: number, sid: number): number;
  stringLength(d: number, sid: number): number;
  /** May grow. Scan address, or 0 when memory cannot grow. */
  scan(d: number, fields: number, n: number): number;
  /** Zero-fills what the kernels never read of column `f`, before it is shown. */
  columnReady(scan: number, f: number): void;
  /** May grow (a large id set uses a bitset). 0 when memory cannot grow. */
  whereStrIn(scan: number, f: number, ids: number, n: number): number;
  whereNum(scan: number, f: number, op: number, v: number): void;
  wherePresent(scan: number, f: number, present: number): void;
  selected(scan: number): number;
  /** May grow. Group count, or -1 when memory cannot grow; rows at `aggregateRows()`. */
  aggregate(scan: number, group: number, value: number): number;
  aggregateRows(): number;
  xxh32(p: number, n: number, seed: number): number;
}

/** Scan header fields (assembly/scan-layout.ts), as u32 indexes from the scan address / 4. */
export const ScanHeader = { ROWS: 1, STRIDE: 3, MASK: 4, TAGS: 5, NUMS: 6, SIDS: 7 } as const;

/** One `aggregate` row (assembly/aggregate.ts). */
export const GroupLayout = {
  SIZE: 48,
  SID: 0,
  VALUE_COUNT: 4,
  COUNT: 8,
  SUM: 24,
  MIN: 32,
  MAX: 40,
} as const;

/** Not a block error: the arena could not grow (assembly/errors.ts). */
export const OUT_OF_MEMORY = 100;
