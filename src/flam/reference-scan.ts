/**
 * Projection and scan kernels of the reference decoder, in plain TypeScript: the oracle for the
 * WebAssembly kernels (same columns, same selections, same aggregates, bit for bit).
 */
import { SystemField } from "./event.ts";
import { Tag, type Column, type GroupRow, type NumOp, type Scan } from "./block-reader.ts";
import { Enc, POW10 } from "./encoding.ts";
import type { FieldLayout, ReferenceBlock } from "./decode-block.ts";

export class ReferenceScan implements Scan {
  readonly rows: number;
  private readonly cols: Column[];
  private readonly mask: Uint8Array;

  constructor(block: ReferenceBlock, fields: readonly number[]) {
    const n = block.eventCount;
    this.rows = n;
    this.mask = new Uint8Array(n).fill(1);
    this.cols = fields.map(() => ({
      tags: new Uint8Array(n),
      nums: new Float64Array(n),
      sids: new Uint32Array(n),
    }));
    for (let i = 0; i < n; i++) {
      const shape = block.shapes[block.recShape[i]!]!;
      const at = block.recOffset[i]!;
      fields.forEach((field, c) => {
        const col = this.cols[c]! as { tags: Uint8Array; nums: Float64Array; sids: Uint32Array };
        if (field === SystemField.name) {
          col.tags[i] = Tag.STRING;
          col.sids[i] = shape.nameId;
          return;
        }
        if (field === SystemField.visitor) {
          col.tags[i] = Tag.STRING;
          col.sids[i] = block.raw(shape.visitor, at);
          return;
        }
        const time = block.minTime + block.raw(shape.time, at);
        if (field === SystemField.time) {
          col.tags[i] = Tag.NUMBER;
          col.nums[i] = time;
          return;
        }
        if (field === SystemField.receivedAt) {
          col.tags[i] = Tag.NUMBER;
          col.nums[i] = time + block.raw(shape.received, at);
          return;
        }
        const f = shape.slots.get(field);
        if (f !== undefined && block.present(shape, f, at)) project(block, f, at, col, i);
      });
    }
  }

  column(i: number): Column {
    const c = this.cols[i];
    if (c === undefined) throw new RangeError(`column ${i} was not projected`);
    return c;
  }

  whereStrIn(i: number, sids: readonly number[]): void {
    const { tags, sids: ids } = this.column(i);
    const set = new Set(sids);
    for (let r = 0; r < this.rows; r++) {
      const t = tags[r];
      if (!((t === Tag.STRING || t === Tag.ARRAY) && set.has(ids[r]!))) this.mask[r] = 0;
    }
  }

  whereNum(i: number, op: NumOp, v: number): void {
    const { tags, nums } = this.column(i);
    const test = COMPARE[op];
    for (let r = 0; r < this.rows; r++)
      if (!(tags[r] === Tag.NUMBER && test(nums[r]!, v))) this.mask[r] = 0;
  }

  wherePresent(i: number, present: boolean): void {
    const { tags } = this.column(i);
    for (let r = 0; r < this.rows; r++) if ((tags[r] !== Tag.ABSENT) !== present) this.mask[r] = 0;
  }

  selected(): number {
    let n = 0;
    for (let r = 0; r < this.rows; r++) n += this.mask[r]!;
    return n;
  }

  aggregate(group: number | null, value: number | null): GroupRow[] {
    const g = group === null ? null : this.column(group);
    const v = value === null ? null : this.column(value);
    const out = new Map<number, GroupRow>();
    for (let r = 0; r < this.rows; r++) {
      if (this.mask[r] === 0) continue;
      const t = g?.tags[r];
      const sid = g !== null && (t === Tag.STRING || t === Tag.ARRAY) ? g.sids[r]! : -1;
      let row = out.get(sid);
      if (row === undefined) {
        row = { sid, count: 0, valueCount: 0, sum: 0, min: Infinity, max: -Infinity };
        out.set(sid, row);
      }
      row.count++;
      if (v !== null && v.tags[r] === Tag.NUMBER) {
        const x = v.nums[r]!;
        row.valueCount++;
        row.sum += x;
        if (x < row.min) row.min = x;
        if (x > row.max) row.max = x;
      }
    }
    return [...out.values()];
  }

  release(): void {
    // Plain arrays: the garbage collector frees them.
  }
}

const COMPARE: Record<NumOp, (a: number, b: number) => boolean> = {
  eq: (a, b) => a === b,
  ne: (a, b) => a !== b,
  lt: (a, b) => a < b,
  lte: (a, b) => a <= b,
  gt: (a, b) => a > b,
  gte: (a, b) => a >= b,
};

function project(
  block: ReferenceBlock,
  f: FieldLayout,
  at: number,
  col: { tags: Uint8Array; nums: Float64Array; sids: Uint32Array },
  i: number,
): void {
  const e = f.enc;
  const family = e & 0xf0;
  if (e === Enc.NULL) col.tags[i] = Tag.NULL;
  else if (e === Enc.FALSE || e === Enc.TRUE || e === Enc.BOOL) {
    col.tags[i] = Tag.BOOL;
    col.nums[i] = block.raw(f, at);
  } else if (e === Enc.STR_CONST || family === Enc.STR) {
    col.tags[i] = Tag.STRING;
    col.sids[i] = block.raw(f, at);
  } else if (family === Enc.JSON) {
    col.tags[i] = Tag.ARRAY;
    col.sids[i] = block.raw(f, at);
  } else if (family === Enc.DEC) {
    col.tags[i] = Tag.NUMBER;
    col.nums[i] = block.raw(f, at) / POW10[f.param]!;
  } else {
    col.tags[i] = Tag.NUMBER;
    col.nums[i] = block.raw(f, at);
  }
}
