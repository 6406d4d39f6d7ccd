/**
 * The coordinator's half (docs/query.md, "How it runs"): merges the partials of every task and
 * finishes them into the answer: values read from accumulators, time buckets labelled, rows
 * sorted and limited, list pages cut with their next cursor. Stateless and pure.
 */
import { encodeCursor } from "./cursor.ts";
import { accValue, GroupTable, type EventRow, type Partial, type VisitorRow } from "./partial.ts";
import type { EventsQuery, ListQuery, Query, Scalar } from "./query.ts";
import { compareText } from "./task.ts";
import { bucketLabel } from "./time-bucket.ts";

export interface QueryStats {
  partitions: number;
  partitionsFailed: number;
  blocksScanned: number;
  blocksPruned: number;
  eventsScanned: number;
  /** Wall time of the whole query, ms (tasks run in parallel: not the sum of theirs). */
  ms: number;
}

export interface QueryResult {
  columns: string[];
  rows: unknown[][];
  /** The cursor of the next page of a visitors / rawEvents list; absent on the last page. */
  next?: string;
  stats: QueryStats;
}

const VISITOR_COLUMNS = ["visitor", "firstSeen", "lastSeen", "eventCount", "properties"];
const EVENT_COLUMNS = [
  "id",
  "visitor",
  "name",
  "time",
  "receivedAt",
  "properties",
  "visitorProperties",
];

/**
 * Merges partials (one per partition) into the answer. `ms` is left for the caller to set.
 *
 * @example
 * const result = mergePartials(query, await Promise.all(partitions.map((p) => p.query(task))));
 */
export function mergePartials(query: Query, partials: readonly Partial[]): QueryResult {
  const stats: QueryStats = {
    partitions: partials.length,
    partitionsFailed: 0,
    blocksScanned: 0,
    blocksPruned: 0,
    eventsScanned: 0,
    ms: 0,
  };
  for (const p of partials) {
    stats.blocksScanned += p.stats.blocksScanned;
    stats.blocksPruned += p.stats.blocksPruned;
    stats.eventsScanned += p.stats.eventsScanned;
  }
  if (query.from === "events") return { ...finishEvents(query, partials), stats };
  return { ...finishList(query, partials), stats };
}

function finishEvents(
  q: EventsQuery,
  partials: readonly Partial[],
): { columns: string[]; rows: unknown[][] } {
  const table = new GroupTable(q);
  for (const p of partials) if (p.kind === "events") table.merge(p.groups);
  if (q.groupBy.length === 0) table.get([]);
  const columns = [...q.groupBy.map((g) => g.column), ...q.select.map((s) => s.column)];
  const rows: Scalar[][] = [...table.groups.values()].map((g) => [
    ...g.key,
    ...q.select.map((s, a) =>
      s.fn === "count" && s.field === undefined ? g.count : accValue(g.accs[a]!, s),
    ),
  ]);
  // Sort on the raw keys (bucket starts are numbers, so they sort in time), then label.
  const order = q.orderBy.map((o) => ({ at: columns.indexOf(o.column), desc: o.desc }));
  const groupCols = q.groupBy.map((_, i) => i);
  rows.sort((a, b) => {
    for (const { at, desc } of order) {
      const c = compareValues(a[at]!, b[at]!);
      if (c !== 0) return desc ? -c : c;
    }
    for (const at of groupCols) {
      const c = compareValues(a[at]!, b[at]!);
      if (c !== 0) return c;
    }
    return 0;
  });
  const page = rows.slice(0, q.limit);
  q.groupBy.forEach((g, i) => {
    if (!("time" in g)) return;
    for (const row of page) row[i] = bucketLabel(row[i] as number, g.tz);
  });
  return { columns, rows: page };
}

const RANK = { object: 0, boolean: 1, number: 2, string: 3 } as Record<string, number>;

/** null < booleans < numbers < strings; strings by code unit. */
export function compareValues(a: Scalar, b: Scalar): number {
  const ra = RANK[typeof a]!;
  const rb = RANK[typeof b]!;
  if (ra !== rb) return ra - rb;
  if (typeof a === "string") return compareText(a, b as string);
  if (typeof a === "number" || typeof a === "boolean") return Number(a) - Number(b);
  return 0;
}

function finishList(
  q: ListQuery,
  partials: readonly Partial[],
): { columns: string[]; rows: unknown[][]; next?: string } {
  let more = false;
  if (q.from === "visitors") {
    const all: VisitorRow[] = [];
    for (const p of partials) {
      if (p.kind !== "visitors") continue;
      all.push(...p.rows);
      more ||= p.more;
    }
    all.sort((a, b) => compareText(a[0], b[0]));
    const rows = all.slice(0, q.limit);
    const last = rows.at(-1);
    const next =
      (more || all.length > q.limit) && last !== undefined
        ? encodeCursor({ visitor: last[0] })
        : undefined;
    return next === undefined
      ? { columns: VISITOR_COLUMNS, rows }
      : { columns: VISITOR_COLUMNS, rows, next };
  }
  const all: EventRow[] = [];
  for (const p of partials) {
    if (p.kind !== "rawEvents") continue;
    all.push(...p.rows);
    more ||= p.more;
  }
  all.sort((a, b) => b[3] - a[3] || compareText(b[0], a[0]));
  const rows = all.slice(0, q.limit);
  const last = rows.at(-1);
  const next =
    (more || all.length > q.limit) && last !== undefined
      ? encodeCursor({ time: last[3], id: last[0] })
      : undefined;
  return next === undefined
    ? { columns: EVENT_COLUMNS, rows }
    : { columns: EVENT_COLUMNS, rows, next };
}
