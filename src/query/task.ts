/**
 * A partition's part of a query: reads the blocks its source offers for the time range, prunes
 * by time and dictionary, projects only the referenced fields, filters and aggregates into a
 * partial (docs/query.md, "How it runs"). Pure: the source hides where blocks come from (SQLite
 * in a Durable Object, IndexedDB in a browser, memory in tests).
 */
import {
  SystemField,
  Tag,
  type BlockReader,
  type FieldRef,
  type FlamEvent,
  type PropertyValue,
} from "../flam/index.ts";
import {
  absentColumn,
  columnOf,
  copyColumn,
  typedKey,
  ValueCoder,
  viewColumn,
  type ValueColumn,
} from "./columns.ts";
import { QueryError } from "./errors.ts";
import { MAX_TASK_EVENTS } from "./limits.ts";
import { canMatch, evalFilter, filterFields } from "./filter.ts";
import {
  emptyStats,
  GroupTable,
  type Acc,
  type EventRow,
  type Partial,
  type TaskStats,
  type VisitorRow,
} from "./partial.ts";
import {
  fieldKind,
  type EventsQuery,
  type Filter,
  type ListQuery,
  type Query,
  type Scalar,
  type TimeRange,
} from "./query.ts";
import { bucketOf } from "./time-bucket.ts";

/** A block offered to a task. */
export interface SourceBlock {
  reader: BlockReader;
  /** Decodes the event of record i (rawEvents pages only). */
  event(i: number): FlamEvent;
}

/** A visitor's profile as a task reads it. */
export interface ProfileRow {
  properties: Record<string, PropertyValue>;
  firstSeen: number;
  lastSeen: number;
  eventCount: number;
}

/** Where a task's blocks and profiles come from. */
export interface TaskSource {
  /** The blocks whose time range may meet `range`, in log order; the tail included. */
  blocks(range: TimeRange): AsyncIterable<SourceBlock> | Iterable<SourceBlock>;
  /** Profiles of these visitors (absent ones left out). Needed by `visitor.<prop>` and visitors lists. */
  profiles?(
    visitors: readonly string[],
  ): Promise<Map<string, ProfileRow>> | Map<string, ProfileRow>;
}

const SYSTEM_REF: Record<string, FieldRef> = {
  name: SystemField.name,
  visitor: SystemField.visitor,
  time: SystemField.time,
  receivedAt: SystemField.receivedAt,
};

/**
 * Runs a query's task over one source.
 *
 * @throws {QueryError} `too_many_groups` past the group limit.
 * @example
 * const partial = await runTask(parseQuery(json), source);
 */
export async function runTask(query: Query, source: TaskSource): Promise<Partial> {
  const started = performance.now();
  const stats = emptyStats();
  let partial: Partial;
  if (query.from === "events") {
    const table = new GroupTable(query);
    const fast = fastShape(query);
    for await (const block of source.blocks(query.time)) {
      const r = block.reader;
      if (!admit(r, query.time, query.where, stats)) continue;
      if (fast === null || !fastBlock(query, fast, r, table))
        await genericBlock(query, r, source, table);
    }
    partial = { kind: "events", groups: table.toPartial(), stats };
  } else if (query.from === "visitors") {
    partial = await visitorsTask(query, source, stats);
  } else {
    partial = await rawEventsTask(query, source, stats);
  }
  partial.stats.ms = performance.now() - started;
  return partial;
}

/** Counts the block as pruned or scanned; false when pruned. */
function admit(r: BlockReader, time: TimeRange, where: Filter | undefined, stats: TaskStats) {
  const outside =
    r.eventCount === 0 ||
    (time.from !== undefined && r.maxTime < time.from) ||
    (time.to !== undefined && r.minTime >= time.to);
  if (outside || (where !== undefined && !canMatch(where, r))) {
    stats.blocksPruned++;
    return false;
  }
  stats.blocksScanned++;
  stats.eventsScanned += r.eventCount;
  if (stats.eventsScanned > MAX_TASK_EVENTS)
    throw new QueryError(
      "query_too_costly",
      "/time",
      `a partition would scan more than ${MAX_TASK_EVENTS} events: narrow the time range or the filter`,
    );
  return true;
}

/** Whether a block lies entirely inside the range (no per-row time test needed). */
function inside(r: BlockReader, time: TimeRange): boolean {
  return (
    (time.from === undefined || r.minTime >= time.from) &&
    (time.to === undefined || r.maxTime < time.to)
  );
}

// ---- the generic path: columns in TypeScript ---------------------------------------------------

/** Projected columns of a block (copied), by field name, plus profile-property columns. */
async function loadColumns(
  r: BlockReader,
  fields: ReadonlySet<string>,
  source: TaskSource,
): Promise<Columns> {
  const rows = r.eventCount;
  const names: string[] = [];
  const refs: FieldRef[] = [];
  const profileKeys: [string, string][] = [];
  const add = (name: string, ref: FieldRef) => {
    if (!names.includes(name)) {
      names.push(name);
      refs.push(ref);
    }
  };
  const out = new Map<string, ValueColumn>();
  for (const f of fields) {
    const k = fieldKind(f);
    if (k.kind === "system") add(f, SYSTEM_REF[k.name]!);
    else if (k.kind === "property") {
      const id = r.keyId(k.key);
      if (id >= 0) add(f, id);
      else out.set(f, absentColumn(rows));
    } else {
      profileKeys.push([f, k.key]);
      add("visitor", SystemField.visitor);
    }
  }
  const text = (sid: number) => r.string(sid);
  let release = () => {};
  if (refs.length > 0) {
    const scan = r.scan(refs);
    if (profileKeys.length === 0) {
      // Nothing awaits before the block is done and nothing after this allocates in WASM
      // memory (texts are read, not written), so the views stay valid: no copy.
      names.forEach((name, i) => out.set(name, viewColumn(scan.column(i), text)));
      release = () => scan.release();
    } else {
      // Profiles are awaited next: another task may grow the memory meanwhile. Copy.
      try {
        names.forEach((name, i) => out.set(name, copyColumn(scan.column(i), text)));
      } finally {
        scan.release();
      }
    }
  }
  if (profileKeys.length > 0) {
    const visitors = out.get("visitor")!;
    const ids = new Map<number, string>();
    for (let i = 0; i < rows; i++) {
      const sid = visitors.sids[i]!;
      if (!ids.has(sid)) ids.set(sid, r.string(sid));
    }
    if (source.profiles === undefined)
      throw new QueryError(
        "invalid_query",
        "/where",
        "visitor.<prop> fields need visitor profiles, which this source lacks",
      );
    const profiles = await source.profiles([...ids.values()]);
    for (const [name, key] of profileKeys) {
      const values: unknown[] = new Array(rows);
      const bySid = new Map<number, unknown>();
      for (const [sid, id] of ids) {
        const props = profiles.get(id)?.properties;
        bySid.set(sid, props !== undefined && Object.hasOwn(props, key) ? props[key] : undefined);
      }
      for (let i = 0; i < rows; i++) values[i] = bySid.get(visitors.sids[i]!);
      out.set(name, columnOf(values));
    }
  }
  return { cols: out, release };
}

/** A block's columns by field name; `release` frees the scan behind them once the block is done. */
interface Columns {
  cols: Map<string, ValueColumn>;
  release(): void;
}

/** The rows of a block matching the query's time range and filter. */
function selection(
  r: BlockReader,
  time: TimeRange,
  where: Filter | undefined,
  cols: Map<string, ValueColumn>,
): Uint8Array {
  const rows = r.eventCount;
  const mask =
    where === undefined
      ? new Uint8Array(rows).fill(1)
      : evalFilter(where, rows, (f) => cols.get(f)!);
  if (!inside(r, time)) {
    const t = cols.get("time")!.nums;
    const from = time.from ?? -Infinity;
    const to = time.to ?? Infinity;
    for (let i = 0; i < rows; i++) if (!(t[i]! >= from && t[i]! < to)) mask[i] = 0;
  }
  return mask;
}

function eventsFields(q: EventsQuery, r: BlockReader): Set<string> {
  const fields = q.where === undefined ? new Set<string>() : filterFields(q.where, new Set());
  for (const g of q.groupBy) fields.add("field" in g ? g.field : "time");
  for (const s of q.select) if (s.field !== undefined) fields.add(s.field);
  if (!inside(r, q.time)) fields.add("time");
  return fields;
}

async function genericBlock(
  q: EventsQuery,
  r: BlockReader,
  source: TaskSource,
  table: GroupTable,
): Promise<void> {
  const { cols, release } = await loadColumns(r, eventsFields(q, r), source);
  try {
    aggregateBlock(q, r, cols, table);
  } finally {
    release();
  }
}

function aggregateBlock(
  q: EventsQuery,
  r: BlockReader,
  cols: Map<string, ValueColumn>,
  table: GroupTable,
): void {
  const mask = selection(r, q.time, q.where, cols);
  const rows = r.eventCount;
  const rowSlot = new Int32Array(rows).fill(-1);
  const slotKeys = assignSlots(q, cols, mask, rowSlot);
  const groups = slotKeys.map((k) => (k.length === 1 ? table.getOne(k[0]!) : table.get(k)));
  for (let i = 0; i < rows; i++) if (rowSlot[i]! >= 0) groups[rowSlot[i]!]!.count++;

  q.select.forEach((agg, a) => {
    if (agg.field === undefined) return; // plain count: the group's count
    const col = cols.get(agg.field)!;
    const { tags, nums } = col;
    const acc0 = groups.map((g) => g.accs[a]!);
    switch (acc0[0]?.t) {
      case undefined:
        return;
      case "count":
        for (let i = 0; i < rows; i++) {
          const s = rowSlot[i]!;
          if (s >= 0 && tags[i]! > Tag.NULL) (acc0[s] as { n: number }).n++;
        }
        return;
      case "num":
        for (let i = 0; i < rows; i++) {
          const s = rowSlot[i]!;
          if (s < 0 || tags[i] !== Tag.NUMBER) continue;
          const acc = acc0[s] as { n: number; sum: number; min: number; max: number };
          const v = nums[i]!;
          acc.n++;
          acc.sum += v;
          if (v < acc.min) acc.min = v;
          if (v > acc.max) acc.max = v;
        }
        return;
      case "pct":
        for (let i = 0; i < rows; i++) {
          const s = rowSlot[i]!;
          if (s >= 0 && tags[i] === Tag.NUMBER)
            (acc0[s] as { p: { add(v: number): void } }).p.add(nums[i]!);
        }
        return;
      case "visitors": {
        // Visitor ids become task-wide numbers once per block; each group keeps a bitset of them.
        const coder = new ValueCoder(col);
        let ids = new Int32Array(256).fill(-1);
        for (let i = 0; i < rows; i++) {
          const s = rowSlot[i]!;
          if (s < 0 || tags[i]! <= Tag.NULL) continue;
          const c = coder.code(i);
          if (c >= ids.length) {
            const grown = new Int32Array(Math.max(c + 1, ids.length * 2)).fill(-1);
            grown.set(ids);
            ids = grown;
          }
          let id = ids[c]!;
          if (id < 0) ids[c] = id = table.visitorId(String(coder.values[c]));
          addVisitor(acc0[s] as VisitorAcc, id);
        }
        return;
      }
      case "distinct": {
        // Distinct codes per slot, then one typed key per distinct value per slot.
        const coder = new ValueCoder(col);
        const seen = groups.map(() => new Set<number>());
        for (let i = 0; i < rows; i++) {
          const s = rowSlot[i]!;
          if (s >= 0 && tags[i]! > Tag.NULL) seen[s]!.add(coder.code(i));
        }
        seen.forEach((set, s) => {
          const acc = acc0[s]!;
          if (acc.t === "distinct") for (const c of set) acc.d.add(typedKey(coder.values[c]!));
        });
      }
    }
  });
}

type VisitorAcc = Extract<Acc, { t: "visitors" }>;

/** Marks a task-wide visitor id in a group's bitset, counting it the first time. */
function addVisitor(acc: VisitorAcc, id: number): void {
  const byte = id >>> 3;
  if (byte >= acc.bits.length) {
    const grown = new Uint8Array(Math.max(byte + 1, acc.bits.length * 2, 64));
    grown.set(acc.bits);
    acc.bits = grown;
  }
  const bit = 1 << (id & 7);
  if ((acc.bits[byte]! & bit) === 0) {
    acc.bits[byte] = acc.bits[byte]! | bit;
    acc.n++;
  }
}

/**
 * Gives each selected row the slot of its group-key combination and returns each slot's key.
 * One group item: the item's code is the slot. Two: a table per first code. More: a map of
 * the codes packed into one number (13 bits each), or their text when a code is wider.
 */
function assignSlots(
  q: EventsQuery,
  cols: Map<string, ValueColumn>,
  mask: Uint8Array,
  rowSlot: Int32Array,
): Scalar[][] {
  const rows = mask.length;
  const coders = q.groupBy.map((g) => ("field" in g ? new ValueCoder(cols.get(g.field)!) : null));
  const buckets = q.groupBy.map((g) => ("time" in g ? new BucketCoder(g.time, g.tz) : null));
  const times = cols.get("time")?.nums;
  const codeOf = (g: number, i: number) =>
    coders[g] !== null ? coders[g]!.code(i) : buckets[g]!.code(times![i]!);
  const valueOf = (g: number, c: number): Scalar =>
    coders[g] !== null ? coders[g]!.values[c]! : buckets[g]!.starts[c]!;
  const n = q.groupBy.length;
  const slotCodes: number[][] = [];
  if (n === 0) {
    for (let i = 0; i < rows; i++) if (mask[i] === 1) rowSlot[i] = 0;
    return [[]];
  }
  if (n === 1) {
    let slotOfCode = new Int32Array(64).fill(-1);
    for (let i = 0; i < rows; i++) {
      if (mask[i] === 0) continue;
      const c = codeOf(0, i);
      if (c >= slotOfCode.length) {
        const grown = new Int32Array(Math.max(c + 1, slotOfCode.length * 2)).fill(-1);
        grown.set(slotOfCode);
        slotOfCode = grown;
      }
      let slot = slotOfCode[c]!;
      if (slot < 0) slotOfCode[c] = slot = slotCodes.push([c]) - 1;
      rowSlot[i] = slot;
    }
  } else if (n === 2) {
    const byFirst: (Int32Array | undefined)[] = [];
    for (let i = 0; i < rows; i++) {
      if (mask[i] === 0) continue;
      const c0 = codeOf(0, i);
      const c1 = codeOf(1, i);
      let t = byFirst[c0];
      if (t === undefined || c1 >= t.length) {
        const grown = new Int32Array(Math.max(c1 + 1, (t?.length ?? 8) * 2)).fill(-1);
        if (t !== undefined) grown.set(t);
        byFirst[c0] = t = grown;
      }
      let slot = t[c1]!;
      if (slot < 0) t[c1] = slot = slotCodes.push([c0, c1]) - 1;
      rowSlot[i] = slot;
    }
  } else {
    const slotOf = new Map<number | string, number>();
    const codes: number[] = new Array(n);
    for (let i = 0; i < rows; i++) {
      if (mask[i] === 0) continue;
      let key: number | string = 0;
      let scale = 1;
      let wide = false;
      for (let g = 0; g < n; g++) {
        const c = codeOf(g, i);
        codes[g] = c;
        if (c >= 8192) wide = true;
        key += c * scale;
        scale *= 8192;
      }
      if (wide) key = codes.join(",");
      let slot = slotOf.get(key);
      if (slot === undefined) {
        slot = slotCodes.push([...codes]) - 1;
        slotOf.set(key, slot);
      }
      rowSlot[i] = slot;
    }
  }
  return slotCodes.map((k) => k.map((c, g) => valueOf(g, c)));
}

/** Codes for the time buckets rows fall in; rows arrive mostly in time order. */
class BucketCoder {
  readonly starts: number[] = [];
  private readonly byStart = new Map<number, number>();
  private start = 0;
  private end = -Infinity;
  private current = -1;
  private readonly unit;
  private readonly tz;

  constructor(unit: Parameters<typeof bucketOf>[1], tz: string) {
    this.unit = unit;
    this.tz = tz;
  }

  code(ms: number): number {
    if (ms >= this.start && ms < this.end) return this.current;
    const b = bucketOf(ms, this.unit, this.tz);
    this.start = b.start;
    this.end = b.end;
    let c = this.byStart.get(b.start);
    if (c === undefined) {
      c = this.starts.push(b.start) - 1;
      this.byStart.set(b.start, c);
    }
    this.current = c;
    return c;
  }
}

// ---- the fast path: everything in the WASM kernels ---------------------------------------------

interface FastLeaf {
  field: string;
  strings?: string[];
  num?: { op: "eq" | "lt" | "lte" | "gt" | "gte"; value: number };
}

/** The WASM-only shape, or null: an `all` of string eq/in and numeric comparisons, <= 1 plain group field, count/sum/avg/min/max. */
function fastShape(q: EventsQuery): FastLeaf[] | null {
  if (q.groupBy.length > 1) return null;
  const g = q.groupBy[0];
  if (g !== undefined && (!("field" in g) || fieldKind(g.field).kind === "profile")) return null;
  for (const s of q.select) {
    if (
      s.fn === "countDistinct" ||
      s.fn === "percentile" ||
      (s.fn === "count" && s.field !== undefined)
    )
      return null;
    if (s.field !== undefined && fieldKind(s.field).kind === "profile") return null;
  }
  const leaves: FastLeaf[] = [];
  const visit = (f: Filter): boolean => {
    if ("all" in f) return f.all.every(visit);
    if ("any" in f || "not" in f) return false;
    if (fieldKind(f.field).kind === "profile") return false;
    if (
      (f.op === "eq" || f.op === "in") &&
      (f.op === "in" ? (f.value as Scalar[]) : [f.value]).every((v) => typeof v === "string")
    ) {
      leaves.push({ field: f.field, strings: (f.op === "in" ? f.value : [f.value]) as string[] });
      return true;
    }
    if (
      f.op !== "ne" &&
      f.op !== "in" &&
      f.op !== "nin" &&
      f.op !== "contains" &&
      f.op !== "startsWith" &&
      f.op !== "exists" &&
      typeof f.value === "number"
    ) {
      leaves.push({ field: f.field, num: { op: f.op, value: f.value } });
      return true;
    }
    return false;
  };
  return q.where === undefined || visit(q.where) ? leaves : null;
}

/** Per opened block: whether a field holds numbers or booleans anywhere in it. */
const scalarFields = new WeakMap<BlockReader, Map<string, boolean>>();

/**
 * Filters and aggregates a block in the WASM kernels; false (nothing added) when the block's
 * group column holds numbers or booleans, which the kernels group together with nulls.
 */
function fastBlock(
  q: EventsQuery,
  leaves: readonly FastLeaf[],
  r: BlockReader,
  table: GroupTable,
): boolean {
  const refs: FieldRef[] = [];
  const refOf = (field: string): number => {
    const k = fieldKind(field);
    const ref = k.kind === "system" ? SYSTEM_REF[k.name]! : r.keyId(k.key);
    const at = refs.indexOf(ref);
    return at >= 0 ? at : refs.push(ref) - 1;
  };
  // Lookups first: they may grow WASM memory, which would detach a scan's views.
  const strIn: [number, number[]][] = [];
  const numTests: [number, FastLeaf["num"] & object][] = [];
  for (const leaf of leaves) {
    const k = fieldKind(leaf.field);
    if (k.kind === "property" && r.keyId(k.key) < 0) return true; // no row can match
    const col = refOf(leaf.field);
    if (leaf.strings !== undefined)
      strIn.push([col, leaf.strings.map((s) => r.stringId(s)).filter((s) => s >= 0)]);
    else numTests.push([col, leaf.num!]);
  }
  const g = q.groupBy[0] as { field: string } | undefined;
  const groupKind = g === undefined ? null : fieldKind(g.field);
  const groupAbsent = groupKind?.kind === "property" && r.keyId(groupKind.key) < 0;
  const groupCol = g === undefined || groupAbsent ? null : refOf(g.field);
  const timeCol = inside(r, q.time) ? null : refOf("time");
  const valueFields = [
    ...new Set(q.select.flatMap((s) => (s.field === undefined ? [] : [s.field]))),
  ];
  const valueCols = valueFields.map((f) => {
    const k = fieldKind(f);
    return k.kind === "property" && r.keyId(k.key) < 0 ? null : refOf(f);
  });
  const scan = r.scan(refs);
  try {
    for (const [col, sids] of strIn) scan.whereStrIn(col, sids);
    for (const [col, t] of numTests) scan.whereNum(col, t.op, t.value);
    if (timeCol !== null) {
      if (q.time.from !== undefined) scan.whereNum(timeCol, "gte", q.time.from);
      if (q.time.to !== undefined) scan.whereNum(timeCol, "lt", q.time.to);
    }
    const results = (valueCols.length === 0 ? [null] : valueCols).map((vc) =>
      scan.aggregate(groupCol, vc),
    );
    if (groupCol !== null && results[0]!.some((row) => row.sid < 0)) {
      // sid -1 lumps nulls, absents, numbers and booleans: fine only when the block holds no
      // number or boolean in that field. Knowing it means materializing the column, so the
      // answer is kept per block (blocks are immutable and stay opened between queries).
      let facts = scalarFields.get(r);
      if (facts === undefined) scalarFields.set(r, (facts = new Map()));
      let scalars = facts.get(g!.field);
      if (scalars === undefined) {
        const tags = scan.column(groupCol).tags;
        scalars = tags.includes(Tag.NUMBER) || tags.includes(Tag.BOOL);
        facts.set(g!.field, scalars);
      }
      if (scalars) return false;
    }
    const groupOf = (sid: number) =>
      g === undefined ? table.get([]) : table.getOne(sid < 0 ? null : r.string(sid));
    results[0]!.forEach((row) => {
      groupOf(row.sid).count += row.count;
    });
    results.forEach((rows, v) => {
      if (valueCols.length === 0 || valueCols[v] === null) return;
      const field = valueFields[v]!;
      for (const row of rows) {
        if (row.valueCount === 0) continue;
        const group = groupOf(row.sid);
        q.select.forEach((s, a) => {
          if (s.field !== field) return;
          const acc = group.accs[a] as { n: number; sum: number; min: number; max: number };
          acc.n += row.valueCount;
          acc.sum += row.sum;
          if (row.min < acc.min) acc.min = row.min;
          if (row.max > acc.max) acc.max = row.max;
        });
      }
    });
    return true;
  } finally {
    scan.release();
  }
}

// ---- lists: visitors and rawEvents -------------------------------------------------------------

function listFields(q: ListQuery): Set<string> {
  const fields = q.where === undefined ? new Set<string>() : filterFields(q.where, new Set());
  fields.add("visitor");
  fields.add("time");
  return fields;
}

async function visitorsTask(q: ListQuery, source: TaskSource, stats: TaskStats): Promise<Partial> {
  const after = q.cursor !== undefined && "visitor" in q.cursor ? q.cursor.visitor : null;
  const found = new Set<string>();
  for await (const block of source.blocks(q.time)) {
    const r = block.reader;
    if (!admit(r, q.time, q.where, stats)) continue;
    const { cols, release } = await loadColumns(r, listFields(q), source);
    const mask = selection(r, q.time, q.where, cols);
    const v = cols.get("visitor")!;
    let done = new Uint8Array(256);
    for (let i = 0; i < r.eventCount; i++) {
      if (mask[i] === 0) continue;
      const sid = v.sids[i]!;
      if (sid >= done.length) {
        const grown = new Uint8Array(Math.max(sid + 1, done.length * 2, 256));
        grown.set(done);
        done = grown;
      }
      if (done[sid] === 1) continue;
      done[sid] = 1;
      const id = r.string(sid);
      if (after === null || id > after) found.add(id);
    }
    release();
  }
  const ids = [...found].sort(compareText);
  const page = ids.slice(0, q.limit);
  const profiles =
    source.profiles === undefined ? new Map<string, ProfileRow>() : await source.profiles(page);
  const rows: VisitorRow[] = page.map((id) => {
    const p = profiles.get(id);
    return [id, p?.firstSeen ?? 0, p?.lastSeen ?? 0, p?.eventCount ?? 0, p?.properties ?? {}];
  });
  return { kind: "visitors", rows, more: ids.length > q.limit, stats };
}

/** Newest first: by time descending, then id descending. */
function newer(a: { time: number; id: string }, b: { time: number; id: string }): number {
  return b.time - a.time || compareText(b.id, a.id);
}

async function rawEventsTask(q: ListQuery, source: TaskSource, stats: TaskStats): Promise<Partial> {
  const cursor = q.cursor !== undefined && "time" in q.cursor ? q.cursor : null;
  // The best `limit + 1` so far, newest first; the +1 tells whether there is a next page.
  let best: FlamEvent[] = [];
  const keep = q.limit + 1;
  for await (const block of source.blocks(q.time)) {
    const r = block.reader;
    if (best.length === keep && r.maxTime < best.at(-1)!.time) {
      stats.blocksPruned++;
      continue;
    }
    if (cursor !== null && r.minTime > cursor.time) {
      stats.blocksPruned++;
      continue;
    }
    if (!admit(r, q.time, q.where, stats)) continue;
    const { cols, release } = await loadColumns(r, listFields(q), source);
    const mask = selection(r, q.time, q.where, cols);
    const t = cols.get("time")!.nums;
    const floor = best.length === keep ? best.at(-1)!.time : -Infinity;
    let added = false;
    for (let i = 0; i < r.eventCount; i++) {
      if (mask[i] === 0 || t[i]! < floor || (cursor !== null && t[i]! > cursor.time)) continue;
      const e = block.event(i);
      if (cursor !== null && newer(cursor, e) >= 0) continue;
      best.push(e);
      added = true;
    }
    release();
    if (added) best = best.sort(newer).slice(0, keep);
  }
  const rows: EventRow[] = best
    .slice(0, q.limit)
    .map((e) => [e.id, e.visitor, e.name, e.time, e.receivedAt, e.properties, e.visitorProperties]);
  return { kind: "rawEvents", rows, more: best.length > q.limit, stats };
}

/** Code-unit order, the order docs/query.md promises for strings. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
