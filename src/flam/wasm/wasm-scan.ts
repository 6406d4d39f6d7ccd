/**
 * A scan in the WASM arena: projected columns (views into WASM memory), a selection mask the
 * `where*` kernels narrow, and the grouped aggregate. Column views are valid only until the next
 * call on the same FlamWasm (a call may grow memory and detach them).
 */
import type { Column, GroupRow, NumOp, Scan } from "../block-reader.ts";
import type { Hold } from "./arena-stack.ts";
import { GroupLayout, ScanHeader } from "./exports.ts";
import { outOfMemory, type FlamContext } from "./context.ts";

/** Operator codes of assembly/kernels.ts. */
const OPS: Record<NumOp, number> = { eq: 0, ne: 1, lt: 2, lte: 3, gt: 4, gte: 5 };

/** @internal Built by `WasmBlock.scan`. */
export class WasmScan implements Scan {
  readonly rows: number;
  private readonly flam: FlamContext;
  private readonly s: number;
  private readonly fields: number;
  private readonly stride: number;
  private readonly tags: number;
  private readonly nums: number;
  private readonly sids: number;
  private readonly epoch: number;
  private readonly hold: Hold;

  constructor(flam: FlamContext, scan: number, fields: number, hold: Hold) {
    const h = flam.views.u32;
    const at = scan >>> 2;
    this.flam = flam;
    this.s = scan;
    this.fields = fields;
    this.epoch = flam.epoch;
    this.hold = hold;
    this.rows = h[at + ScanHeader.ROWS]!;
    this.stride = h[at + ScanHeader.STRIDE]!;
    this.tags = h[at + ScanHeader.TAGS]!;
    this.nums = h[at + ScanHeader.NUMS]!;
    this.sids = h[at + ScanHeader.SIDS]!;
  }

  column(i: number): Column {
    this.check(i);
    this.flam.exports.columnReady(this.s, i);
    const buffer = this.flam.views.current;
    const at = i * this.stride;
    return {
      tags: new Uint8Array(buffer, this.tags + at, this.rows),
      nums: new Float64Array(buffer, this.nums + at * 8, this.rows),
      sids: new Uint32Array(buffer, this.sids + at * 4, this.rows),
    };
  }

  whereStrIn(i: number, sids: readonly number[]): void {
    this.check(i);
    const ex = this.flam.exports;
    const mark = ex.mark();
    // Allocated, not scratch: a large set allocates its bitset above the list.
    const list = ex.alloc(sids.length * 4);
    if (list === 0) throw outOfMemory();
    const u32 = this.flam.views.u32;
    let n = 0;
    for (const sid of sids) {
      // Only ids a column can hold can match (the reference compares with a Set).
      if (Number.isInteger(sid) && sid >= 0 && sid <= 0xffffffff) u32[(list >>> 2) + n++] = sid;
    }
    const ok = ex.whereStrIn(this.s, i, list, n);
    ex.release(mark);
    if (!ok) throw outOfMemory();
  }

  whereNum(i: number, op: NumOp, v: number): void {
    this.check(i);
    const code = OPS[op];
    if (code === undefined) throw new RangeError(`unknown comparison ${String(op)}`);
    this.flam.exports.whereNum(this.s, i, code, v);
  }

  wherePresent(i: number, present: boolean): void {
    this.check(i);
    this.flam.exports.wherePresent(this.s, i, present ? 1 : 0);
  }

  selected(): number {
    this.alive();
    return this.flam.exports.selected(this.s);
  }

  aggregate(group: number | null, value: number | null): GroupRow[] {
    this.alive();
    if (group !== null) this.check(group);
    if (value !== null) this.check(value);
    const ex = this.flam.exports;
    const n = ex.aggregate(this.s, group ?? -1, value ?? -1);
    if (n < 0) throw outOfMemory();
    const base = ex.aggregateRows();
    const { i32, u32, f64 } = this.flam.views;
    const out: GroupRow[] = new Array(n);
    for (let k = 0; k < n; k++) {
      const g = base + k * GroupLayout.SIZE;
      out[k] = {
        sid: i32[(g + GroupLayout.SID) >>> 2]!,
        count: u32[(g + GroupLayout.COUNT) >>> 2]!,
        valueCount: u32[(g + GroupLayout.VALUE_COUNT) >>> 2]!,
        sum: f64[(g + GroupLayout.SUM) >>> 3]!,
        min: f64[(g + GroupLayout.MIN) >>> 3]!,
        max: f64[(g + GroupLayout.MAX) >>> 3]!,
      };
    }
    return out;
  }

  release(): void {
    if (this.hold.live && this.epoch === this.flam.epoch) this.flam.arena.drop(this.hold);
    this.hold.live = false;
  }

  /** Throws unless the scan is usable and `i` is one of its columns. */
  private check(i: number): void {
    this.alive();
    if (!(Number.isInteger(i) && i >= 0 && i < this.fields))
      throw new RangeError(`column ${i} was not projected`);
  }

  private alive(): void {
    if (this.epoch !== this.flam.epoch || !this.hold.live) {
      throw new Error("FlamWasm: this scan was released or freed by clear()");
    }
  }
}
