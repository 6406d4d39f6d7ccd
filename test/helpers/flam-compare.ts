/**
 * Comparison of two FlaM readers (the WASM one against the TypeScript reference) that returns
 * the first difference as a sentence, or null. Plain functions, not assertions, so that the
 * vitest suites and the standalone fuzz runner share them.
 */
import {
  Tag,
  type BlockReader,
  type Column,
  type GroupRow,
  type NumOp,
  type Scan,
} from "../../src/flam/block-reader.ts";
import { FlamCorruptError, FlamTruncatedError } from "../../src/flam/errors.ts";
import { SystemField } from "../../src/flam/event.ts";
import { Rng } from "./random.ts";

export const SYSTEM_FIELDS = [
  SystemField.visitor,
  SystemField.name,
  SystemField.time,
  SystemField.receivedAt,
];

/** What opening some bytes gave: a reader, or the error's code (and bytes needed). */
export type Outcome =
  { code: null; reader: BlockReader } | { code: string; needed: number; message: string };

/** Opens `bytes`; decode errors become outcomes, anything else (a crash) is rethrown. */
export function outcomeOf(open: (bytes: Uint8Array) => BlockReader, bytes: Uint8Array): Outcome {
  try {
    return { code: null, reader: open(bytes) };
  } catch (e) {
    if (e instanceof FlamTruncatedError)
      return { code: "TRUNCATED", needed: e.needed, message: e.message };
    if (e instanceof FlamCorruptError) return { code: e.code, needed: 0, message: e.message };
    throw e;
  }
}

/** First difference between two outcomes; opened readers are compared field by field. */
export function diffOutcomes(wasm: Outcome, ref: Outcome): string | null {
  if (wasm.code === null && ref.code === null)
    return diffReaders(wasm.reader, ref.reader, keyCountOf(ref.reader));
  if (wasm.code !== ref.code) return `WASM ${describe(wasm)} but the reference ${describe(ref)}`;
  if (wasm.code !== null && ref.code !== null && wasm.needed !== ref.needed) {
    return `needed ${wasm.needed} bytes in WASM, ${ref.needed} in the reference`;
  }
  return null;
}

/**
 * Key count of a reference reader. `BlockReader` has no such member (keys are looked up by
 * text), so this reads the reference implementation's parsed key list.
 */
export function keyCountOf(reference: BlockReader): number {
  const keys = (reference as unknown as { keys?: unknown }).keys;
  if (!Array.isArray(keys)) throw new Error("not the reference decoder: it has no parsed key list");
  return keys.length;
}

function describe(o: Outcome): string {
  return o.code === null ? "opened the block" : `threw ${o.code} (${o.message})`;
}

/** Every field a block can project: the system fields and key ids 0..keyCount-1. */
export function allFields(keyCount: number): number[] {
  return [...SYSTEM_FIELDS, ...Array.from({ length: keyCount }, (_, i) => i)];
}

/** Header numbers, every string both ways, and every projected column, bit for bit. */
export function diffReaders(w: BlockReader, r: BlockReader, keyCount: number): string | null {
  for (const k of ["eventCount", "minTime", "maxTime", "byteLength"] as const) {
    if (!Object.is(w[k], r[k])) return `${k}: WASM ${w[k]}, reference ${r[k]}`;
  }
  for (let sid = 0; ; sid++) {
    let text: string;
    try {
      text = r.string(sid);
    } catch {
      if (!throwsRange(() => w.string(sid)))
        return `string(${sid}) is past the dictionary but WASM returned text`;
      break;
    }
    if (w.string(sid) !== text)
      return `string(${sid}): WASM ${JSON.stringify(w.string(sid))}, reference ${JSON.stringify(text)}`;
    if (w.stringId(text) !== r.stringId(text))
      return `stringId(${JSON.stringify(text)}): WASM ${w.stringId(text)}, reference ${r.stringId(text)}`;
  }
  const fields = allFields(keyCount);
  const ws = w.scan(fields);
  const rs = r.scan(fields);
  try {
    if (ws.rows !== rs.rows) return `rows: WASM ${ws.rows}, reference ${rs.rows}`;
    for (let i = 0; i < fields.length; i++) {
      const d = diffColumns(ws.column(i), rs.column(i));
      if (d !== null) return `field ${fields[i]}: ${d}`;
    }
  } finally {
    ws.release();
    rs.release();
  }
  return null;
}

/** Tags, numbers (as bits: -0 and 0 differ) and string ids of two columns. */
export function diffColumns(a: Column, b: Column): string | null {
  if (a.tags.length !== b.tags.length) return `lengths ${a.tags.length} and ${b.tags.length}`;
  const an = new Uint8Array(a.nums.buffer, a.nums.byteOffset, a.nums.byteLength);
  const bn = new Uint8Array(b.nums.buffer, b.nums.byteOffset, b.nums.byteLength);
  for (let i = 0; i < a.tags.length; i++) {
    if (a.tags[i] !== b.tags[i]) return `row ${i} tag ${a.tags[i]} vs ${b.tags[i]}`;
    if (a.sids[i] !== b.sids[i]) return `row ${i} sid ${a.sids[i]} vs ${b.sids[i]}`;
    for (let j = i * 8; j < i * 8 + 8; j++)
      if (an[j] !== bn[j]) return `row ${i} number ${a.nums[i]} vs ${b.nums[i]}`;
  }
  return null;
}

function throwsRange(f: () => unknown): boolean {
  try {
    f();
    return false;
  } catch (e) {
    return e instanceof RangeError;
  }
}

/** Group rows as comparable text: numbers by their bits, rows sorted by sid (order is unspecified). */
export function groupsKey(rows: GroupRow[]): string {
  const bits = (x: number) => (Object.is(x, -0) ? "-0" : String(x));
  return rows
    .map((g) => [g.sid, g.count, g.valueCount, bits(g.sum), bits(g.min), bits(g.max)].join(" "))
    .sort()
    .join("; ");
}

const OPS: NumOp[] = ["eq", "ne", "lt", "lte", "gt", "gte"];

/**
 * Runs the same random filters and aggregates on both readers over every field, comparing
 * `selected()` after each filter and every aggregate. `rounds` scans, a few filters each.
 */
export function diffKernels(
  w: BlockReader,
  r: BlockReader,
  keyCount: number,
  seed: number,
  rounds = 6,
): string | null {
  const rng = new Rng(seed);
  const fields = allFields(keyCount);
  for (let round = 0; round < rounds; round++) {
    const ws = w.scan(fields);
    const rs = r.scan(fields);
    try {
      const steps: string[] = [];
      const filters = round === 0 ? 0 : 1 + rng.int(3);
      for (let k = 0; k < filters; k++) {
        const i = rng.int(fields.length);
        const col = rs.column(i);
        const kind = rng.int(3);
        if (kind === 0) {
          const ids = pickIds(rng, col, r);
          steps.push(
            `whereStrIn(${i}, [${ids.slice(0, 12).join(",")}${ids.length > 12 ? ",..." : ""}])`,
          );
          ws.whereStrIn(i, ids);
          rs.whereStrIn(i, ids);
        } else if (kind === 1) {
          const op = rng.pick(OPS);
          const v = pickNumber(rng, col);
          steps.push(`whereNum(${i}, ${op}, ${Object.is(v, -0) ? "-0" : v})`);
          ws.whereNum(i, op, v);
          rs.whereNum(i, op, v);
        } else {
          const present = rng.chance(0.5);
          steps.push(`wherePresent(${i}, ${present})`);
          ws.wherePresent(i, present);
          rs.wherePresent(i, present);
        }
        if (ws.selected() !== rs.selected())
          return `after ${steps.join(", ")}: selected ${ws.selected()} vs ${rs.selected()}`;
      }
      const d = diffAggregates(ws, rs, fields.length, rng);
      if (d !== null) return `after ${steps.join(", ") || "no filter"}: ${d}`;
    } finally {
      ws.release();
      rs.release();
    }
  }
  return null;
}

function diffAggregates(ws: Scan, rs: Scan, n: number, rng: Rng): string | null {
  const groups: (number | null)[] = [null, ...Array.from({ length: n }, (_, i) => i)];
  const pairs: [number | null, number | null][] = [[null, null]];
  for (let k = 0; k < 4; k++) pairs.push([rng.pick(groups), rng.pick(groups)]);
  pairs.push([1, 2], [0, 3]); // by name: time; by visitor: receivedAt
  for (const [g, v] of pairs) {
    const a = groupsKey(ws.aggregate(g, v));
    const b = groupsKey(rs.aggregate(g, v));
    if (a !== b) return `aggregate(${g}, ${v}): WASM [${a}], reference [${b}]`;
  }
  return null;
}

/** Ids to filter on: some from the column, sometimes absent or out-of-range ones, sometimes many. */
function pickIds(rng: Rng, col: Column, r: BlockReader): number[] {
  const present: number[] = [];
  for (let i = 0; i < col.tags.length; i++)
    if (col.tags[i] === Tag.STRING || col.tags[i] === Tag.ARRAY) present.push(col.sids[i]!);
  const ids: number[] = [];
  const count = rng.chance(0.2) ? 9 + rng.int(40) : 1 + rng.int(3); // > 8 takes the bitset path
  for (let k = 0; k < count; k++) {
    if (present.length > 0 && rng.chance(0.8)) ids.push(rng.pick(present));
    else ids.push(rng.pick([-1, 0, 1, 2 ** 32, 1.5, r.stringId("US"), 1_000_000, 0xffffffff]));
  }
  return ids;
}

function pickNumber(rng: Rng, col: Column): number {
  if (rng.chance(0.15)) return rng.pick([0, -0, NaN, Infinity, -Infinity, 1, -1, 2 ** 53]);
  const nums: number[] = [];
  for (let i = 0; i < col.tags.length; i++)
    if (col.tags[i] === Tag.NUMBER || col.tags[i] === Tag.BOOL) nums.push(col.nums[i]!);
  return nums.length > 0 ? rng.pick(nums) : rng.next() * 100;
}

/**
 * Invariants of the WASM reader on its own (for blocks only it has seen): tags in range, string
 * ids resolvable, numbers finite, times inside the header range, unused slots zero, and a full
 * selection before any filter.
 */
export function checkSelfConsistent(w: BlockReader, keyCount: number): string | null {
  const fields = allFields(keyCount);
  const s = w.scan(fields);
  try {
    const rows = s.rows;
    if (rows !== w.eventCount) return `rows ${rows} but eventCount ${w.eventCount}`;
    if (s.selected() !== rows) return `a new scan selects ${s.selected()} of ${rows} rows`;
    const all = s.aggregate(null, null);
    if (rows > 0 && (all.length !== 1 || all[0]!.sid !== -1 || all[0]!.count !== rows))
      return "aggregate(null, null) does not count every row";
    for (let i = 0; i < fields.length; i++) {
      const { tags, nums, sids } = s.column(i);
      const texts: number[] = [];
      for (let r = 0; r < rows; r++) {
        const t = tags[r]!;
        const x = nums[r]!;
        if (t > Tag.ARRAY) return `field ${fields[i]} row ${r}: tag ${t}`;
        if (t === Tag.NUMBER && !Number.isFinite(x))
          return `field ${fields[i]} row ${r}: number ${x}`;
        if (t === Tag.BOOL && x !== 0 && x !== 1) return `field ${fields[i]} row ${r}: bool ${x}`;
        if (t !== Tag.NUMBER && t !== Tag.BOOL && !Object.is(x, 0))
          return `field ${fields[i]} row ${r}: number ${x} beside tag ${t}`;
        if (t === Tag.STRING || t === Tag.ARRAY) texts.push(sids[r]!);
        else if (sids[r] !== 0)
          return `field ${fields[i]} row ${r}: sid ${sids[r]} beside tag ${t}`;
        if (fields[i] === SystemField.time && (t !== Tag.NUMBER || x < w.minTime || x > w.maxTime))
          return `row ${r}: time ${x} outside the header's range`;
        if (fields[i] === SystemField.name && t !== Tag.STRING)
          return `row ${r}: name is not a string`;
      }
      // Resolving texts may grow nothing, but a fresh view is taken per field anyway.
      for (const sid of texts)
        if (typeof w.string(sid) !== "string") return `sid ${sid} has no text`;
    }
  } catch (e) {
    return `threw ${String(e)}`;
  } finally {
    s.release();
  }
  return null;
}
