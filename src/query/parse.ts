/**
 * Reading a query: untrusted JSON in, a validated `Query` out, or a `QueryError` whose `path`
 * names the offending part (docs/query.md). Every key is checked, so a typo is an error rather
 * than a silently different answer.
 */
import { decodeCursor } from "./cursor.ts";
import { invalid } from "./errors.ts";
import {
  DEFAULT_LIMIT,
  DEFAULT_PAGE,
  MAX_DEPTH,
  MAX_GROUP_BY,
  MAX_IN_VALUES,
  MAX_LEAVES,
  MAX_LIMIT,
  MAX_PAGE,
  MAX_SELECT,
  MAX_STRING,
} from "./limits.ts";
import type {
  Aggregate,
  AggregateFn,
  Filter,
  GroupItem,
  Leaf,
  LeafOp,
  OrderItem,
  Query,
  Scalar,
  TimeRange,
  TimeUnit,
} from "./query.ts";
import { checkTimeZone } from "./time-bucket.ts";

type Json = Record<string, unknown>;

const FROM = ["events", "visitors", "rawEvents"] as const;
const OPS: readonly LeafOp[] = [
  "eq",
  "ne",
  "in",
  "nin",
  "lt",
  "lte",
  "gt",
  "gte",
  "contains",
  "startsWith",
  "exists",
];
const FNS: readonly AggregateFn[] = [
  "count",
  "sum",
  "avg",
  "min",
  "max",
  "countDistinct",
  "percentile",
];
const UNITS: readonly TimeUnit[] = ["minute", "hour", "day", "week", "month"];
const TIME_FIELDS = new Set(["time", "receivedAt"]);
/** ISO 8601 with a zone, or a bare date (UTC midnight). A zoneless time would be ambiguous. */
const ISO = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2}))?$/i;
/** Largest epoch ms a JS Date can hold. */
const MAX_MS = 8.64e15;

/**
 * Validates a query.
 *
 * @throws {QueryError} `invalid_query` with the JSON Pointer of the first problem found.
 * @example
 * parseQuery({ from: "events", select: [{ fn: "count" }] })
 * // { from: "events", select: [{ fn: "count", column: "count" }], groupBy: [], time: {}, orderBy: [], limit: 1000 }
 */
export function parseQuery(input: unknown): Query {
  const q = object(input, "");
  const from = q.from;
  if (!FROM.includes(from as never))
    throw invalid("/from", `must be one of ${FROM.join(", ")}${got(from)}`);
  if (from === "events") {
    only(q, "", ["from", "select", "where", "groupBy", "time", "orderBy", "limit"]);
    const groupBy = q.groupBy === undefined ? [] : parseGroupBy(q.groupBy);
    const select = parseSelect(q.select);
    // The second holder of a name is the one at fault: point at it.
    const selectItems = q.select as Json[];
    const columns: [string, string][] = [
      ...groupBy.map((g, i): [string, string] => [g.column, `/groupBy/${i}`]),
      ...select.map((s, i): [string, string] => [
        s.column,
        selectItems[i]!.as !== undefined ? `/select/${i}/as` : `/select/${i}`,
      ]),
    ];
    const seen = new Set<string>();
    for (const [c, path] of columns) {
      if (seen.has(c))
        throw invalid(
          path,
          `another result column is named ${JSON.stringify(c)}: rename one with "as"`,
        );
      seen.add(c);
    }
    const query: Query = {
      from,
      select,
      groupBy,
      time: parseTime(q.time),
      orderBy: q.orderBy === undefined ? [] : parseOrderBy(q.orderBy, seen),
      limit: parseLimit(q.limit, DEFAULT_LIMIT, MAX_LIMIT),
    };
    if (q.where !== undefined) query.where = parseWhere(q.where);
    return query;
  }
  only(q, "", ["from", "where", "time", "limit", "cursor"]);
  const list: Query = {
    from: from as "visitors" | "rawEvents",
    time: parseTime(q.time),
    limit: parseLimit(q.limit, DEFAULT_PAGE, MAX_PAGE),
  };
  if (q.where !== undefined) list.where = parseWhere(q.where);
  if (q.cursor !== undefined) list.cursor = decodeCursor(q.cursor, list.from, "/cursor");
  return list;
}

function parseSelect(value: unknown): Aggregate[] {
  const items = array(value, "/select");
  if (items.length === 0 || items.length > MAX_SELECT)
    throw invalid("/select", `must hold 1 to ${MAX_SELECT} aggregates, got ${items.length}`);
  return items.map((item, i) => {
    const path = `/select/${i}`;
    const s = object(item, path);
    only(s, path, ["fn", "field", "p", "as"]);
    const fn = s.fn as AggregateFn;
    if (!FNS.includes(fn))
      throw invalid(`${path}/fn`, `must be one of ${FNS.join(", ")}${got(fn)}`);
    const agg: Aggregate = { fn, column: "" };
    if (s.field !== undefined) agg.field = field(s.field, `${path}/field`);
    else if (fn !== "count") throw invalid(`${path}/field`, `${fn} needs a field`);
    if (fn === "percentile") {
      if (typeof s.p !== "number" || !(s.p >= 0 && s.p <= 1))
        throw invalid(`${path}/p`, `must be a number in [0, 1]${got(s.p)}`);
      agg.p = s.p;
    } else if (s.p !== undefined) throw invalid(`${path}/p`, `only percentile takes p`);
    agg.column =
      s.as !== undefined ? columnName(s.as, `${path}/as`) : defaultColumn(fn, agg.field, agg.p);
    return agg;
  });
}

/** `count`, `sum_price`, `p90_price`, `p99.5_price`. */
function defaultColumn(fn: AggregateFn, field: string | undefined, p: number | undefined): string {
  if (fn === "percentile") return `p${Number(((p ?? 0) * 100).toPrecision(12))}_${field}`;
  return field === undefined ? fn : `${fn}_${field}`;
}

function parseGroupBy(value: unknown): GroupItem[] {
  const items = array(value, "/groupBy");
  if (items.length > MAX_GROUP_BY)
    throw invalid("/groupBy", `at most ${MAX_GROUP_BY} items, got ${items.length}`);
  return items.map((item, i) => {
    const path = `/groupBy/${i}`;
    if (typeof item === "string") return { field: field(item, path), column: item };
    const g = object(item, path);
    only(g, path, ["time", "tz"]);
    const unit = g.time as TimeUnit;
    if (!UNITS.includes(unit))
      throw invalid(`${path}/time`, `must be one of ${UNITS.join(", ")}${got(g.time)}`);
    const tz = g.tz === undefined ? "UTC" : g.tz;
    if (typeof tz !== "string" || !checkTimeZone(tz))
      throw invalid(`${path}/tz`, `must be an IANA time zone such as "Europe/Berlin"${got(tz)}`);
    return { time: unit, tz, column: unit };
  });
}

function parseOrderBy(value: unknown, columns: ReadonlySet<string>): OrderItem[] {
  return array(value, "/orderBy").map((item, i) => {
    const path = `/orderBy/${i}`;
    const o = object(item, path);
    only(o, path, ["column", "desc"]);
    if (typeof o.column !== "string" || !columns.has(o.column))
      throw invalid(
        `${path}/column`,
        `must name a result column (${[...columns].join(", ")})${got(o.column)}`,
      );
    if (o.desc !== undefined && typeof o.desc !== "boolean")
      throw invalid(`${path}/desc`, `must be a boolean${got(o.desc)}`);
    return { column: o.column, desc: o.desc === true };
  });
}

function parseTime(value: unknown): TimeRange {
  if (value === undefined) return {};
  const t = object(value, "/time");
  only(t, "/time", ["from", "to"]);
  const range: TimeRange = {};
  if (t.from !== undefined) range.from = instant(t.from, "/time/from");
  if (t.to !== undefined) range.to = instant(t.to, "/time/to");
  if (range.from !== undefined && range.to !== undefined && range.from > range.to)
    throw invalid("/time", "from must not be after to");
  return range;
}

function parseLimit(value: unknown, fallback: number, most: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || (value as number) < 1 || (value as number) > most)
    throw invalid("/limit", `must be an integer in 1..${most}${got(value)}`);
  return value as number;
}

/** Validates a filter tree, counting leaves and depth against the limits. */
function parseWhere(value: unknown): Filter {
  const budget = { leaves: 0 };
  return filter(value, "/where", 1, budget);
}

function filter(value: unknown, path: string, depth: number, budget: { leaves: number }): Filter {
  if (depth > MAX_DEPTH) throw invalid(path, `filters nest at most ${MAX_DEPTH} levels`);
  const f = object(value, path);
  for (const k of ["all", "any"] as const) {
    if (f[k] === undefined) continue;
    only(f, path, [k]);
    const items = array(f[k], `${path}/${k}`);
    if (items.length === 0) throw invalid(`${path}/${k}`, "must not be empty");
    const children = items.map((c, i) => filter(c, `${path}/${k}/${i}`, depth + 1, budget));
    return k === "all" ? { all: children } : { any: children };
  }
  if (f.not !== undefined) {
    only(f, path, ["not"]);
    return { not: filter(f.not, `${path}/not`, depth + 1, budget) };
  }
  only(f, path, ["field", "op", "value"]);
  if (++budget.leaves > MAX_LEAVES) throw invalid(path, `at most ${MAX_LEAVES} conditions`);
  return leaf(f, path);
}

function leaf(f: Json, path: string): Leaf {
  if (f.field === undefined && f.op === undefined)
    throw invalid(path, `must be a condition {field, op, value} or one of all, any, not`);
  const name = field(f.field, `${path}/field`);
  const op = f.op as LeafOp;
  if (!OPS.includes(op))
    throw invalid(`${path}/op`, `must be one of ${OPS.join(", ")}${got(f.op)}`);
  const vpath = `${path}/value`;
  if (!("value" in f)) throw invalid(vpath, "is required");
  const time = TIME_FIELDS.has(name);
  const v = f.value;
  switch (op) {
    case "exists":
      if (typeof v !== "boolean") throw invalid(vpath, `exists takes true or false${got(v)}`);
      return { field: name, op, value: v };
    case "in":
    case "nin": {
      const items = array(v, vpath);
      if (items.length === 0 || items.length > MAX_IN_VALUES)
        throw invalid(vpath, `${op} takes 1 to ${MAX_IN_VALUES} values, got ${items.length}`);
      return {
        field: name,
        op,
        value: items.map((x, i) =>
          time ? instant(x, `${vpath}/${i}`) : scalar(x, `${vpath}/${i}`),
        ),
      };
    }
    case "lt":
    case "lte":
    case "gt":
    case "gte":
      if (time) return { field: name, op, value: instant(v, vpath) };
      if (typeof v !== "number" && typeof v !== "string")
        throw invalid(vpath, `${op} compares with a number or a string${got(v)}`);
      return { field: name, op, value: scalar(v, vpath) };
    case "startsWith":
      if (typeof v !== "string") throw invalid(vpath, `startsWith takes a string${got(v)}`);
      return { field: name, op, value: scalar(v, vpath) };
    case "contains":
      if (v === null || typeof v === "object")
        throw invalid(vpath, `contains takes a string, number or boolean${got(v)}`);
      return { field: name, op, value: scalar(v, vpath) };
    default:
      return { field: name, op, value: time && v !== null ? instant(v, vpath) : scalar(v, vpath) };
  }
}

function scalar(v: unknown, path: string): Scalar {
  if (v === null || typeof v === "boolean") return v;
  if (typeof v === "number") {
    if (!Number.isFinite(v)) throw invalid(path, "must be a finite number");
    return v;
  }
  if (typeof v === "string") {
    if (v.length > MAX_STRING) throw invalid(path, `strings are at most ${MAX_STRING} characters`);
    return v;
  }
  throw invalid(path, `must be a string, number, boolean or null${got(v)}`);
}

/** Epoch ms from a number or ISO 8601 text. */
function instant(v: unknown, path: string): number {
  if (typeof v === "number" && Number.isFinite(v) && Math.abs(v) <= MAX_MS) return v;
  if (typeof v === "string" && ISO.test(v)) {
    const ms = Date.parse(v);
    if (Number.isFinite(ms)) return ms;
  }
  throw invalid(path, `must be epoch milliseconds or ISO 8601 text with a zone${got(v)}`);
}

function field(v: unknown, path: string): string {
  if (typeof v !== "string" || v.length === 0 || v.length > 255)
    throw invalid(path, `must be a field name of 1 to 255 characters${got(v)}`);
  return v;
}

function columnName(v: unknown, path: string): string {
  if (typeof v !== "string" || v.length === 0 || v.length > 255)
    throw invalid(path, `must be a column name of 1 to 255 characters${got(v)}`);
  return v;
}

function object(v: unknown, path: string): Json {
  if (typeof v !== "object" || v === null || Array.isArray(v))
    throw invalid(path, `must be an object${got(v)}`);
  return v as Json;
}

function array(v: unknown, path: string): unknown[] {
  if (!Array.isArray(v)) throw invalid(path, `must be an array${got(v)}`);
  return v;
}

function only(o: Json, path: string, keys: readonly string[]): void {
  for (const k of Object.keys(o))
    if (!keys.includes(k))
      throw invalid(`${path}/${pointer(k)}`, `unknown key (expected ${keys.join(", ")})`);
}

/** JSON Pointer escaping of one key. */
function pointer(key: string): string {
  return key.replaceAll("~", "~0").replaceAll("/", "~1");
}

/** ", got <short JSON>" for messages; never the whole (possibly huge) input. */
function got(v: unknown): string {
  let text: string;
  try {
    text = v === undefined ? "nothing" : JSON.stringify(v);
  } catch {
    text = typeof v;
  }
  return `, got ${text.length > 60 ? `${text.slice(0, 57)}...` : text}`;
}
