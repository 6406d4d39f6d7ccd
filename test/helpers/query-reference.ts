/**
 * A plain reference evaluator of the query language of docs/query.md over an array of canonical
 * events: every event is looked at, every group kept in a Map, every aggregate computed exactly.
 * It shares no code with `src/query` (it must not import it), so the correctness suite compares
 * two independent readings of the document. It assumes a valid query: validation is what the
 * invalid-query table tests.
 *
 * @example
 * const profiles = buildProfiles(events);
 * evaluateQuery({ from: "events", select: [{ fn: "count" }] }, events, profiles);
 * // { columns: ["count"], rows: [[events.length]], more: false }
 */
import type { FlamEvent, PropertyValue } from "../../src/flam/index.ts";
import { bucketOf, type TimeUnit } from "./reference-time-buckets.ts";

/** A visitor's current profile, as docs/partition.md derives it. */
export interface ReferenceProfile {
  visitor: string;
  firstSeen: number;
  lastSeen: number;
  eventCount: number;
  properties: Record<string, PropertyValue>;
}

/** What the engine answers, without `stats`; `more` says whether a `next` cursor is due. */
export interface ReferenceResult {
  columns: string[];
  rows: unknown[][];
  more: boolean;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Value = PropertyValue | undefined;

interface Leaf {
  field: string;
  op: string;
  value: Json;
}
type Filter = Leaf | { all: Filter[] } | { any: Filter[] } | { not: Filter };
interface Aggregate {
  fn: string;
  field?: string;
  p?: number;
  as?: string;
}
type GroupItem = string | { time: TimeUnit; tz?: string };

/** The query as this evaluator reads it (docs/query.md, "The parts of a query"). */
export interface ReferenceQuery {
  from: "events" | "visitors" | "rawEvents";
  select?: Aggregate[];
  where?: Filter;
  groupBy?: GroupItem[];
  time?: { from?: string | number; to?: string | number };
  orderBy?: { column: string; desc?: boolean }[];
  limit?: number;
}

/** Profiles from the visitors' events in log (array) order: later visitorProperties win. */
export function buildProfiles(events: readonly FlamEvent[]): Map<string, ReferenceProfile> {
  const profiles = new Map<string, ReferenceProfile>();
  for (const e of events) {
    const p = profiles.get(e.visitor);
    if (!p) {
      profiles.set(e.visitor, {
        visitor: e.visitor,
        firstSeen: e.time,
        lastSeen: e.time,
        eventCount: 1,
        properties: { ...e.visitorProperties },
      });
      continue;
    }
    p.firstSeen = Math.min(p.firstSeen, e.time);
    p.lastSeen = Math.max(p.lastSeen, e.time);
    p.eventCount++;
    Object.assign(p.properties, e.visitorProperties);
  }
  return profiles;
}

/** Epoch ms of an ISO 8601 text or a number. */
export function toMs(v: string | number): number {
  if (typeof v === "number") return v;
  const ms = Date.parse(v);
  if (Number.isNaN(ms)) throw new Error(`reference: not an ISO 8601 time: ${v}`);
  return ms;
}

const isTimeField = (field: string): boolean => field === "time" || field === "receivedAt";

/** The value of `field` on `e`: system fields, `visitor.<prop>` from the profile, or a property. */
function fieldValue(
  e: FlamEvent,
  field: string,
  profiles: ReadonlyMap<string, ReferenceProfile>,
): Value {
  switch (field) {
    case "name":
      return e.name;
    case "visitor":
      return e.visitor;
    case "time":
      return e.time;
    case "receivedAt":
      return e.receivedAt;
  }
  if (field.startsWith("visitor.")) {
    const props = profiles.get(e.visitor)?.properties ?? {};
    const key = field.slice("visitor.".length);
    return Object.hasOwn(props, key) ? props[key] : undefined;
  }
  return Object.hasOwn(e.properties, field) ? e.properties[field] : undefined;
}

/** Arrays compare as their JSON text under every operator but `contains`. */
const asScalar = (v: Value): Value => (Array.isArray(v) ? JSON.stringify(v) : v);

/** `eq`: same type and equal; `null` matches a present null only. */
function eq(v: Value, want: Json): boolean {
  const s = asScalar(v);
  if (s === undefined) return false;
  if (want === null) return s === null;
  return typeof s === typeof want && s === want;
}

function compare(v: Value, op: string, want: Json): boolean {
  const s = asScalar(v);
  if (typeof want === "number" ? typeof s !== "number" : typeof s !== "string") return false;
  const a = s as number | string;
  const b = want as number | string;
  if (op === "lt") return a < b;
  if (op === "lte") return a <= b;
  if (op === "gt") return a > b;
  return a >= b;
}

function matchLeaf(v: Value, leaf: Leaf): boolean {
  const want = isTimeField(leaf.field) ? timeValue(leaf.value) : leaf.value;
  switch (leaf.op) {
    case "eq":
      return eq(v, want);
    case "ne":
      return !eq(v, want);
    case "in":
      return (want as Json[]).some((w) => eq(v, w));
    case "nin":
      return !(want as Json[]).some((w) => eq(v, w));
    case "lt":
    case "lte":
    case "gt":
    case "gte":
      return compare(v, leaf.op, want);
    case "contains":
      if (Array.isArray(v)) return v.some((x) => typeof x === typeof want && x === want);
      return typeof v === "string" && typeof want === "string" && v.includes(want);
    case "startsWith": {
      const s = asScalar(v);
      return typeof s === "string" && s.startsWith(want as string);
    }
    case "exists":
      return (v !== undefined && v !== null) === want;
  }
  throw new Error(`reference: unknown op ${leaf.op}`);
}

/** On `time` and `receivedAt`, ISO 8601 text values become epoch ms (lists too). */
function timeValue(value: Json): Json {
  if (typeof value === "string") return toMs(value);
  if (Array.isArray(value)) return value.map(timeValue);
  return value;
}

function matches(
  e: FlamEvent,
  f: Filter,
  profiles: ReadonlyMap<string, ReferenceProfile>,
): boolean {
  if ("all" in f) return f.all.every((g) => matches(e, g, profiles));
  if ("any" in f) return f.any.some((g) => matches(e, g, profiles));
  if ("not" in f) return !matches(e, f.not, profiles);
  return matchLeaf(fieldValue(e, f.field, profiles), f);
}

/** The events a query reads: in `time` and matching `where`. */
function selected(
  q: ReferenceQuery,
  events: readonly FlamEvent[],
  profiles: ReadonlyMap<string, ReferenceProfile>,
): FlamEvent[] {
  const from = q.time?.from === undefined ? -Infinity : toMs(q.time.from);
  const to = q.time?.to === undefined ? Infinity : toMs(q.time.to);
  return events.filter(
    (e) => e.time >= from && e.time < to && (!q.where || matches(e, q.where, profiles)),
  );
}

/** `p: 0.995` is `p99.5`: the decimal point moved two places in p's shortest decimal text. */
export function percentileName(p: number): string {
  const [whole = "0", frac = ""] = String(p).split(".");
  const digits = whole + frac.padEnd(2, "0");
  const point = whole.length + 2;
  const head = digits.slice(0, point).replace(/^0+(?=\d)/, "");
  const tail = digits.slice(point);
  return tail ? `p${head}.${tail}` : `p${head}`;
}

/** The column name of an aggregate (docs/query.md, "Aggregates"). */
export function aggregateName(a: Aggregate): string {
  if (a.as !== undefined) return a.as;
  if (a.fn === "percentile") return `${percentileName(a.p!)}_${a.field}`;
  return a.field === undefined ? a.fn : `${a.fn}_${a.field}`;
}

/** Nearest rank `ceil(p * n)`, computed exactly from p's decimal text (0.7 * 10 is 7, not 8). */
export function nearestRank(p: number, n: number): number {
  const [whole = "0", frac = ""] = String(p).split(".");
  if (String(p).includes("e")) return Math.ceil(p * n);
  const scale = 10n ** BigInt(frac.length);
  const num = BigInt(whole + frac) * BigInt(n);
  return Number((num + scale - 1n) / scale);
}

function aggregate(a: Aggregate, group: readonly FlamEvent[], profiles: ProfileMap): unknown {
  const values = a.field === undefined ? [] : group.map((e) => fieldValue(e, a.field!, profiles));
  const numbers = values.filter((v): v is number => typeof v === "number");
  switch (a.fn) {
    case "count":
      return a.field === undefined
        ? group.length
        : values.filter((v) => v !== undefined && v !== null).length;
    case "sum":
      return numbers.length === 0 ? null : numbers.reduce((s, x) => s + x, 0);
    case "avg":
      return numbers.length === 0 ? null : numbers.reduce((s, x) => s + x, 0) / numbers.length;
    case "min":
      return numbers.length === 0 ? null : numbers.reduce((m, x) => (x < m ? x : m));
    case "max":
      return numbers.length === 0 ? null : numbers.reduce((m, x) => (x > m ? x : m));
    case "countDistinct":
      return new Set(
        values
          .filter((v) => v !== undefined && v !== null)
          .map((v) => `${typeof asScalar(v)}:${String(asScalar(v))}`),
      ).size;
    case "percentile": {
      if (numbers.length === 0) return null;
      const sorted = [...numbers].sort((x, y) => x - y);
      const rank = nearestRank(a.p!, sorted.length);
      return sorted[Math.max(rank, 1) - 1];
    }
  }
  throw new Error(`reference: unknown aggregate ${a.fn}`);
}

type ProfileMap = ReadonlyMap<string, ReferenceProfile>;

/** A group column's value for sorting: labels of time buckets sort by their instant. */
interface Cell {
  out: unknown;
  sort: unknown;
}

const typeRank = (v: unknown): number =>
  v === null || v === undefined ? 0 : typeof v === "boolean" ? 1 : typeof v === "number" ? 2 : 3;

/** Ascending: `null` first, then booleans, numbers, strings (by UTF-16 code units). */
export function compareValues(a: unknown, b: unknown): number {
  const ra = typeRank(a);
  const rb = typeRank(b);
  if (ra !== rb) return ra - rb;
  if (ra === 0) return 0;
  const x = a as boolean | number | string;
  const y = b as boolean | number | string;
  return x < y ? -1 : x > y ? 1 : 0;
}

function evaluateEvents(
  q: ReferenceQuery,
  events: readonly FlamEvent[],
  profiles: ProfileMap,
): ReferenceResult {
  const items = q.groupBy ?? [];
  const groups = new Map<string, { key: Cell[]; events: FlamEvent[] }>();
  for (const e of selected(q, events, profiles)) {
    const key: Cell[] = items.map((g) => {
      if (typeof g === "string") {
        const v = asScalar(fieldValue(e, g, profiles)) ?? null;
        return { out: v, sort: v };
      }
      const b = bucketOf(e.time, g.time, g.tz ?? "UTC");
      return { out: b.label, sort: b.start };
    });
    const id = JSON.stringify(key.map((c) => [typeof c.out, c.out]));
    let group = groups.get(id);
    if (!group) groups.set(id, (group = { key, events: [] }));
    group.events.push(e);
  }
  if (items.length === 0 && groups.size === 0) groups.set("", { key: [], events: [] });

  const select = q.select ?? [];
  const columns = [
    ...items.map((g) => (typeof g === "string" ? g : g.time)),
    ...select.map(aggregateName),
  ];
  const rows = [...groups.values()].map((g) => {
    const values = select.map((a) => aggregate(a, g.events, profiles));
    return {
      sort: [...g.key.map((c) => c.sort), ...values],
      out: [...g.key.map((c) => c.out), ...values],
    };
  });
  const order = (q.orderBy ?? []).map((o) => ({
    index: columns.indexOf(o.column),
    sign: o.desc ? -1 : 1,
  }));
  if (order.some((o) => o.index < 0)) throw new Error("reference: orderBy names no column");
  rows.sort((x, y) => {
    for (const o of order) {
      const c = compareValues(x.sort[o.index], y.sort[o.index]) * o.sign;
      if (c !== 0) return c;
    }
    for (let i = 0; i < items.length; i++) {
      const c = compareValues(x.sort[i], y.sort[i]);
      if (c !== 0) return c;
    }
    return 0;
  });
  const limit = q.limit ?? 1000;
  return { columns, rows: rows.slice(0, limit).map((r) => r.out), more: false };
}

/**
 * Evaluates a valid query. For `visitors` and `rawEvents`, `page` picks the page (0 the first,
 * 1 the one the first page's `next` leads to) and `more` says whether another page follows.
 */
export function evaluateQuery(
  query: unknown,
  events: readonly FlamEvent[],
  profiles: ProfileMap = buildProfiles(events),
  page = 0,
): ReferenceResult {
  const q = query as ReferenceQuery;
  if (q.from === "events") return evaluateEvents(q, events, profiles);
  const limit = q.limit ?? 100;
  let columns: string[];
  let all: unknown[][];
  if (q.from === "visitors") {
    columns = ["visitor", "firstSeen", "lastSeen", "eventCount", "properties"];
    const ids = [...new Set(selected(q, events, profiles).map((e) => e.visitor))];
    all = ids
      .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
      .map((id) => {
        const p = profiles.get(id)!;
        return [p.visitor, p.firstSeen, p.lastSeen, p.eventCount, p.properties];
      });
  } else {
    columns = ["id", "visitor", "name", "time", "receivedAt", "properties", "visitorProperties"];
    all = selected(q, events, profiles)
      .sort((a, b) => b.time - a.time || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
      .map((e) => [
        e.id,
        e.visitor,
        e.name,
        e.time,
        e.receivedAt,
        e.properties,
        e.visitorProperties,
      ]);
  }
  return {
    columns,
    rows: all.slice(page * limit, (page + 1) * limit),
    more: all.length > (page + 1) * limit,
  };
}
