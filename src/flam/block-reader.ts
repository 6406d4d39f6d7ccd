/**
 * What both FlaM decoders offer over one opened (fully validated) block: the TypeScript
 * reference (`openBlock`) and the WebAssembly one (`FlamWasm.open`). The conformance suite runs
 * the same assertions over both.
 */
import type { FlamEvent } from "./event.ts";

/** Value tags of a projected column, one byte per row. */
export const Tag = {
  ABSENT: 0,
  NULL: 1,
  BOOL: 2,
  NUMBER: 3,
  STRING: 4,
  ARRAY: 5,
} as const;

/**
 * One projected field: `tags[i]` says what row i holds; `nums[i]` is the value for NUMBER
 * (and 0/1 for BOOL, ms for time fields); `sids[i]` the string id for STRING and ARRAY.
 * Views into WASM memory are valid only until the next call on the same `FlamWasm`.
 */
export interface Column {
  readonly tags: Uint8Array;
  readonly nums: Float64Array;
  readonly sids: Uint32Array;
}

/** A field to project: a key id (>= 0) from `keyId`, or a `SystemField` (negative). */
export type FieldRef = number;

/** Comparison operators of numeric filters. */
export type NumOp = "eq" | "ne" | "lt" | "lte" | "gt" | "gte";

/** One group's aggregates. `sid` is the string id of a STRING or ARRAY group value, -1 for any other tag. */
export interface GroupRow {
  sid: number;
  /** Selected rows in the group. */
  count: number;
  /** Selected rows whose value field is a NUMBER; sum/min/max are over those. */
  valueCount: number;
  sum: number;
  min: number;
  max: number;
}

/**
 * Projected columns of one block plus a row selection (initially every row) that filters
 * narrow (each `where*` ANDs into it), and a grouped aggregate over the selection.
 */
export interface Scan {
  readonly rows: number;
  column(i: number): Column;
  /** Keeps rows whose field i is a STRING or ARRAY with one of these string ids. */
  whereStrIn(i: number, sids: readonly number[]): void;
  /** Keeps rows whose field i is a NUMBER satisfying `value op v`. */
  whereNum(i: number, op: NumOp, v: number): void;
  /** Keeps rows where field i is present (any tag but ABSENT), or absent when `present` is false. */
  wherePresent(i: number, present: boolean): void;
  /** Number of selected rows. */
  selected(): number;
  /**
   * Groups selected rows by the string id of field `group` (null: one group, sid -1) and
   * aggregates the NUMBER values of field `value` (null: counts only). Groups with no
   * selected rows are omitted; order is unspecified.
   */
  aggregate(group: number | null, value: number | null): GroupRow[];
  /** Frees the scan's memory (WASM scratch); the scan must not be used afterwards. */
  release(): void;
}

/** An opened block. */
export interface BlockReader {
  readonly eventCount: number;
  readonly minTime: number;
  readonly maxTime: number;
  readonly byteLength: number;
  /** Key id of a property (namespace 0) or visitor property (1), or -1 if the block lacks it. */
  keyId(text: string, namespace?: 0 | 1): number;
  /** String id of a value, or -1: a block lacking a filtered value cannot match. */
  stringId(text: string): number;
  /** The text of a string id. */
  string(sid: number): string;
  /** Projects fields into columns, in record order. */
  scan(fields: readonly FieldRef[]): Scan;
}

/** A reader that can also rebuild whole events (the TypeScript reference). */
export interface FullBlockReader extends BlockReader {
  events(): FlamEvent[];
  /** The event of record i (0-based, record order: the order of `events()` and scan rows). */
  event(i: number): FlamEvent;
}
