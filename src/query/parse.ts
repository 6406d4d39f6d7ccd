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
  MAX_GROUP_BY,
  MAX_LIMIT,
  MAX_PAGE,
  MAX_SELECT,
} from "./limits.ts";
import {
  array,
  field,
  got,
  instant,
  object,
  only,
  parseFilter,
  type Json,
} from "./parse-filter.ts";
import type {
  Aggregate,
  AggregateFn,
  Filter,
  GroupItem,
  OrderItem,
  Query,
  TimeRange,
  TimeUnit,
} from "./query.ts";
import { checkTimeZone } from "./time-bucket.ts";

const FROM = ["events", "visitors", "rawEvents"] as const;
export const FNS: readonly AggregateFn[] = [
  "count",
  "sum",
  "avg",
  "min",
  "max",
  "countDistinct",
  "percentile",
];
export const UNITS: readonly TimeUnit[] = ["minute", "hour", "day", "week", "month"];

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

/** Validates `where`, counting leaves and depth against the limits. */
function parseWhere(value: unknown): Filter {
  return parseFilter(value, "/where");
}

function columnName(v: unknown, path: string): string {
  if (typeof v !== "string" || v.length === 0 || v.length > 255)
    throw invalid(path, `must be a column name of 1 to 255 characters${got(v)}`);
  return v;
}
