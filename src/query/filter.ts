/**
 * Filters over one block: `canMatch` decides from the block's dictionaries alone whether any
 * row can match (dictionary pruning); `evalFilter` computes the row mask over copied columns.
 * The semantics are docs/query.md's table, row by row: types never convert, an absent field
 * matches only `ne`, `nin` and `exists: false`.
 */
import { Tag, type BlockReader } from "../flam/index.ts";
import type { ValueColumn } from "./columns.ts";
import { fieldKind, type Filter, type Leaf, type Scalar } from "./query.ts";

/**
 * False only when no row of the block can match: a top-level `eq`/`in` (under `all`, or every
 * branch of an `any`) names a property the block lacks, or string values none of which is in
 * the block's dictionary.
 */
export function canMatch(f: Filter, block: BlockReader): boolean {
  if ("all" in f) return f.all.every((c) => canMatch(c, block));
  if ("any" in f) return f.any.some((c) => canMatch(c, block));
  if ("not" in f) return true;
  return leafCanMatch(f, block);
}

function leafCanMatch(leaf: Leaf, block: BlockReader): boolean {
  const kind = fieldKind(leaf.field);
  if (kind.kind === "profile") return true;
  const positive = leaf.op !== "ne" && leaf.op !== "nin" && !(leaf.op === "exists" && !leaf.value);
  if (kind.kind === "property" && positive && block.keyId(kind.key) < 0) return false;
  if (kind.kind === "system" && (kind.name === "time" || kind.name === "receivedAt")) return true;
  if (leaf.op === "eq" || leaf.op === "in") {
    const values = (leaf.op === "in" ? leaf.value : [leaf.value]) as Scalar[];
    // Only strings can be ruled out by the dictionary; any other value keeps the block.
    return values.some((v) => typeof v !== "string" || block.stringId(v) >= 0);
  }
  return true;
}

/** The fields a filter reads. */
export function filterFields(f: Filter, out: Set<string>): Set<string> {
  if ("all" in f) f.all.forEach((c) => filterFields(c, out));
  else if ("any" in f) f.any.forEach((c) => filterFields(c, out));
  else if ("not" in f) filterFields(f.not, out);
  else out.add(f.field);
  return out;
}

/**
 * The mask of rows matching `f` (1 = match), given each field's column.
 *
 * @example
 * const mask = evalFilter(where, rows, (field) => columns.get(field)!);
 */
export function evalFilter(
  f: Filter,
  rows: number,
  column: (field: string) => ValueColumn,
): Uint8Array {
  if ("all" in f) {
    const mask = evalFilter(f.all[0]!, rows, column);
    for (let k = 1; k < f.all.length; k++) {
      const m = evalFilter(f.all[k]!, rows, column);
      for (let i = 0; i < rows; i++) mask[i] = mask[i]! & m[i]!;
    }
    return mask;
  }
  if ("any" in f) {
    const mask = evalFilter(f.any[0]!, rows, column);
    for (let k = 1; k < f.any.length; k++) {
      const m = evalFilter(f.any[k]!, rows, column);
      for (let i = 0; i < rows; i++) mask[i] = mask[i]! | m[i]!;
    }
    return mask;
  }
  if ("not" in f) {
    const mask = evalFilter(f.not, rows, column);
    for (let i = 0; i < rows; i++) mask[i] = mask[i]! ^ 1;
    return mask;
  }
  return evalLeaf(f, rows, column(f.field));
}

/** Whether each kind of value matches a leaf: per tag, and per string id (memoized). */
interface LeafTest {
  absent: boolean;
  null: boolean;
  bool(b: boolean): boolean;
  num(x: number): boolean;
  /** For STRING and ARRAY rows: the text and whether it is an array's JSON text. */
  text(s: string, isArray: boolean): boolean;
}

function evalLeaf(leaf: Leaf, rows: number, c: ValueColumn): Uint8Array {
  const test = leafTest(leaf);
  const mask = new Uint8Array(rows);
  // 0 unknown, 1 match, 2 no match; per string id (a text is an array's or a string's, never both
  // within one column of one block unless equal, and then they compare the same but for contains).
  let memo = new Uint8Array(256);
  let memoArr = new Uint8Array(256);
  const { tags, nums, sids } = c;
  const absent = test.absent ? 1 : 0;
  const isNull = test.null ? 1 : 0;
  for (let i = 0; i < rows; i++) {
    switch (tags[i]) {
      case Tag.ABSENT:
        mask[i] = absent;
        break;
      case Tag.NULL:
        mask[i] = isNull;
        break;
      case Tag.BOOL:
        mask[i] = test.bool(nums[i] === 1) ? 1 : 0;
        break;
      case Tag.NUMBER:
        mask[i] = test.num(nums[i]!) ? 1 : 0;
        break;
      default: {
        const arr = tags[i] === Tag.ARRAY;
        const sid = sids[i]!;
        let m = arr ? memoArr : memo;
        if (sid >= m.length) {
          const grown = new Uint8Array(Math.max(sid + 1, m.length * 2));
          grown.set(m);
          if (arr) memoArr = grown;
          else memo = grown;
          m = grown;
        }
        if (m[sid] === 0) m[sid] = test.text(c.text(sid), arr) ? 1 : 2;
        mask[i] = m[sid] === 1 ? 1 : 0;
      }
    }
  }
  return mask;
}

const NO = () => false;

function leafTest(leaf: Leaf): LeafTest {
  const v = leaf.value;
  switch (leaf.op) {
    case "eq":
    case "in": {
      const values = (leaf.op === "in" ? v : [v]) as Scalar[];
      const strings = new Set(values.filter((x) => typeof x === "string"));
      const numbers = new Set(values.filter((x) => typeof x === "number"));
      return {
        absent: false,
        null: values.includes(null),
        bool: (b) => values.includes(b),
        num: (x) => numbers.has(x),
        text: (s) => strings.has(s),
      };
    }
    case "ne":
    case "nin": {
      const positive = leafTest({ ...leaf, op: leaf.op === "ne" ? "eq" : "in" });
      return {
        absent: true,
        null: !positive.null,
        bool: (b) => !positive.bool(b),
        num: (x) => !positive.num(x),
        text: (s, arr) => !positive.text(s, arr),
      };
    }
    case "lt":
    case "lte":
    case "gt":
    case "gte": {
      const cmp = COMPARE[leaf.op];
      return {
        absent: false,
        null: false,
        bool: NO,
        num: typeof v === "number" ? (x) => cmp(x, v) : NO,
        text: typeof v === "string" ? (s) => cmp(s, v) : NO,
      };
    }
    case "startsWith":
      return {
        absent: false,
        null: false,
        bool: NO,
        num: NO,
        text: (s) => s.startsWith(v as string),
      };
    case "contains":
      return {
        absent: false,
        null: false,
        bool: NO,
        num: NO,
        text: (s, arr) => (arr ? arrayHas(s, v as Scalar) : typeof v === "string" && s.includes(v)),
      };
    case "exists":
      return {
        absent: !v,
        null: !v,
        bool: () => v === true,
        num: () => v === true,
        text: () => v === true,
      };
  }
}

const COMPARE = {
  lt: <T>(a: T, b: T) => a < b,
  lte: <T>(a: T, b: T) => a <= b,
  gt: <T>(a: T, b: T) => a > b,
  gte: <T>(a: T, b: T) => a >= b,
};

/** Whether an array (as stored: its JSON text) has an element equal to v (same type). */
function arrayHas(json: string, v: Scalar): boolean {
  let items: unknown;
  try {
    items = JSON.parse(json);
  } catch {
    return false;
  }
  return Array.isArray(items) && items.some((x) => x === v);
}
