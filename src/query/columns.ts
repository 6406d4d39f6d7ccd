/**
 * Columns as the TypeScript side of a task reads them: a block's projected columns copied out of
 * WASM memory (so no later WASM call or `await` can detach them), or a column built from visitor
 * profiles. One shape for both: a tag per row, a number per row, and a string id per row whose
 * text `text(sid)` gives.
 */
import { Tag, type Column } from "../flam/index.ts";
import type { Scalar } from "./query.ts";

export interface ValueColumn {
  readonly tags: Uint8Array;
  readonly nums: Float64Array;
  readonly sids: Uint32Array;
  text(sid: number): string;
}

/** A copy of a projected block column. */
export function copyColumn(c: Column, text: (sid: number) => string): ValueColumn {
  return { tags: c.tags.slice(), nums: c.nums.slice(), sids: c.sids.slice(), text };
}

/** A projected block column as is: views into WASM memory, valid while the scan is held. */
export function viewColumn(c: Column, text: (sid: number) => string): ValueColumn {
  return { tags: c.tags, nums: c.nums, sids: c.sids, text };
}

/** A column of `rows` absent values (a field the block lacks). */
export function absentColumn(rows: number): ValueColumn {
  return {
    tags: new Uint8Array(rows),
    nums: new Float64Array(rows),
    sids: new Uint32Array(rows),
    text: () => "",
  };
}

/**
 * A column built row by row from JS values (visitor-profile properties). Strings and arrays get
 * ids into a local table, like a block dictionary.
 */
export function columnOf(values: readonly unknown[]): ValueColumn {
  const n = values.length;
  const tags = new Uint8Array(n);
  const nums = new Float64Array(n);
  const sids = new Uint32Array(n);
  const table: string[] = [];
  const ids = new Map<string, number>();
  const intern = (s: string) => {
    let id = ids.get(s);
    if (id === undefined) {
      id = table.length;
      table.push(s);
      ids.set(s, id);
    }
    return id;
  };
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v === undefined) tags[i] = Tag.ABSENT;
    else if (v === null) tags[i] = Tag.NULL;
    else if (typeof v === "boolean") {
      tags[i] = Tag.BOOL;
      nums[i] = v ? 1 : 0;
    } else if (typeof v === "number") {
      tags[i] = Tag.NUMBER;
      nums[i] = v;
    } else if (typeof v === "string") {
      tags[i] = Tag.STRING;
      sids[i] = intern(v);
    } else {
      tags[i] = Tag.ARRAY;
      sids[i] = intern(JSON.stringify(v));
    }
  }
  return { tags, nums, sids, text: (sid) => table[sid]! };
}

/** The value of row i as a group key or distinct value: arrays as their JSON text, absent as null. */
export function valueAt(c: ValueColumn, i: number): Scalar {
  switch (c.tags[i]) {
    case Tag.BOOL:
      return c.nums[i] === 1;
    case Tag.NUMBER:
      return c.nums[i]!;
    case Tag.STRING:
    case Tag.ARRAY:
      return c.text(c.sids[i]!);
    default:
      return null;
  }
}

/**
 * Small integer codes for the distinct values of a column, per row, so grouping and distinct
 * counting hash each distinct value once per block instead of once per row.
 */
export class ValueCoder {
  /** Code by string id, -1 when not seen yet. */
  private bySid = new Int32Array(256).fill(-1);
  private byNum = new Map<number, number>();
  private nullCode = -1;
  private boolCodes = [-1, -1];
  /** The value of each code. */
  readonly values: Scalar[] = [];
  private readonly col: ValueColumn;

  constructor(col: ValueColumn) {
    this.col = col;
  }

  code(i: number): number {
    const c = this.col;
    const tag = c.tags[i];
    if (tag === Tag.STRING || tag === Tag.ARRAY) {
      const sid = c.sids[i]!;
      if (sid >= this.bySid.length) {
        const grown = new Int32Array(Math.max(sid + 1, this.bySid.length * 2)).fill(-1);
        grown.set(this.bySid);
        this.bySid = grown;
      }
      let code = this.bySid[sid]!;
      if (code < 0) {
        code = this.values.push(c.text(sid)) - 1;
        this.bySid[sid] = code;
      }
      return code;
    }
    if (tag === Tag.NUMBER) {
      const v = c.nums[i]!;
      let code = this.byNum.get(v);
      if (code === undefined) {
        code = this.values.push(v) - 1;
        this.byNum.set(v, code);
      }
      return code;
    }
    if (tag === Tag.BOOL) {
      const b = c.nums[i] === 1 ? 1 : 0;
      if (this.boolCodes[b]! < 0) this.boolCodes[b] = this.values.push(b === 1) - 1;
      return this.boolCodes[b]!;
    }
    if (this.nullCode < 0) this.nullCode = this.values.push(null) - 1;
    return this.nullCode;
  }
}

/** The typed key of a non-null value for distinct counting: `"1"` and 1 differ. */
export function typedKey(v: Scalar): string {
  return typeof v === "string" ? `s${v}` : typeof v === "number" ? `n${v}` : `b${v}`;
}
