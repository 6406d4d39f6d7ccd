/**
 * Partials: what a partition task returns and the coordinator merges. Mergeable by design
 * (counts and sums add, min/max compare, exact distinct-visitor counts add because a visitor
 * lives in one partition, value sets and sketches union), and plain data on the wire: never raw
 * rows for aggregates.
 */
import { QueryError } from "./errors.ts";
import { MAX_GROUPS, MAX_SKETCH_GROUPS } from "./limits.ts";
import type { Aggregate, EventsQuery, Scalar } from "./query.ts";
import { Distinct, Percentile, type DistinctPartial, type PercentilePartial } from "./sketch.ts";

/** One aggregate's partial state. */
export type AggPartial =
  /** count, count of a field, or countDistinct(visitor): adds. */
  | number
  /** sum/avg/min/max: [numeric values, sum, min, max]. */
  | [n: number, sum: number, min: number, max: number]
  | DistinctPartial
  | PercentilePartial;

/** One group: its key (group-by values in order; a time bucket is its start in epoch ms). */
export interface GroupPartial {
  key: Scalar[];
  count: number;
  aggs: AggPartial[];
}

export interface TaskStats {
  blocksScanned: number;
  blocksPruned: number;
  eventsScanned: number;
  ms: number;
}

/** A visitors-list row: [visitor, firstSeen, lastSeen, eventCount, properties]. */
export type VisitorRow = [string, number, number, number, Record<string, unknown>];
/** A rawEvents row: [id, visitor, name, time, receivedAt, properties, visitorProperties]. */
export type EventRow = [
  string,
  string,
  string,
  number,
  number,
  Record<string, unknown>,
  Record<string, unknown>,
];

export type Partial =
  | { kind: "events"; groups: GroupPartial[]; stats: TaskStats }
  /** Rows in list order, at most the query's limit; `more` when the partition had further rows. */
  | { kind: "visitors"; rows: VisitorRow[]; more: boolean; stats: TaskStats }
  | { kind: "rawEvents"; rows: EventRow[]; more: boolean; stats: TaskStats };

/** The mutable state of one aggregate of one group. */
export type Acc =
  | { t: "count"; n: number }
  | { t: "num"; n: number; sum: number; min: number; max: number }
  /**
   * Distinct visitors: inside a task, a bitset of task-wide visitor ids (see
   * `GroupTable.visitorId`) and its count; once merged, the count alone (`bits` empty).
   */
  | { t: "visitors"; bits: Uint8Array; n: number }
  | { t: "distinct"; d: Distinct }
  | { t: "pct"; p: Percentile };

export function newAcc(a: Aggregate): Acc {
  switch (a.fn) {
    case "count":
      return { t: "count", n: 0 };
    case "countDistinct":
      return a.field === "visitor"
        ? { t: "visitors", bits: new Uint8Array(0), n: 0 }
        : { t: "distinct", d: new Distinct() };
    case "percentile":
      return { t: "pct", p: new Percentile() };
    default:
      return { t: "num", n: 0, sum: 0, min: Infinity, max: -Infinity };
  }
}

export interface Group {
  key: Scalar[];
  count: number;
  accs: Acc[];
}

/** Groups by key, bounded by MAX_GROUPS. */
export class GroupTable {
  readonly groups = new Map<string, Group>();
  private readonly visitors = new Map<string, number>();
  private readonly single = new Map<Scalar, Group>();
  private readonly select: readonly Aggregate[];
  private readonly most: number;

  constructor(query: EventsQuery) {
    this.select = query.select;
    const sketches = query.select.some(
      (s) => s.fn === "percentile" || (s.fn === "countDistinct" && s.field !== "visitor"),
    );
    this.most = sketches ? MAX_SKETCH_GROUPS : MAX_GROUPS;
  }

  get(key: Scalar[]): Group {
    const k = keyText(key);
    let g = this.groups.get(k);
    if (g === undefined) {
      if (this.groups.size >= this.most)
        throw new QueryError(
          "too_many_groups",
          "/groupBy",
          `the query builds more than ${this.most} groups${this.most === MAX_SKETCH_GROUPS ? " (the limit with percentiles or distinct counts of fields other than visitor)" : ""}: filter more, or group by fewer or coarser keys`,
        );
      g = { key, count: 0, accs: this.select.map(newAcc) };
      this.groups.set(k, g);
    }
    return g;
  }

  /** Adds another task's partial groups. */
  merge(groups: readonly GroupPartial[]): void {
    for (const p of groups) {
      const g = this.get(p.key);
      g.count += p.count;
      p.aggs.forEach((x, i) => mergeAcc(g.accs[i]!, x));
    }
  }

  /**
   * `get([value])`, faster: a one-item key is looked up by the value itself (a Map tells "1",
   * 1 and true apart), which the fast path does once per group per block.
   */
  getOne(value: Scalar): Group {
    let g = this.single.get(value);
    if (g === undefined) this.single.set(value, (g = this.get([value])));
    return g;
  }

  /** A task-wide number for a visitor id, for the distinct-visitor bitsets. */
  visitorId(visitor: string): number {
    let id = this.visitors.get(visitor);
    if (id === undefined) this.visitors.set(visitor, (id = this.visitors.size));
    return id;
  }

  toPartial(): GroupPartial[] {
    return [...this.groups.values()].map((g) => ({
      key: g.key,
      count: g.count,
      aggs: g.accs.map(accPartial),
    }));
  }
}

/**
 * A group key's map key: each value typed by its first character, so `"1"`, 1 and true differ;
 * cheaper than JSON for the one- and two-item keys nearly every query has.
 */
function keyText(key: readonly Scalar[]): string {
  let out = "";
  for (const v of key) {
    if (v === null) out += "\u0000|";
    else if (typeof v === "string") out += `s${v.length}:${v}|`;
    else out += `${typeof v === "number" ? "n" : "b"}${v}|`;
  }
  return out;
}

function accPartial(a: Acc): AggPartial {
  switch (a.t) {
    case "count":
      return a.n;
    case "num":
      return [a.n, a.sum, a.min, a.max];
    case "visitors":
      return a.n;
    case "distinct":
      return a.d.toPartial();
    case "pct":
      return a.p.toPartial();
  }
}

function mergeAcc(a: Acc, p: AggPartial): void {
  switch (a.t) {
    case "count":
      a.n += p as number;
      return;
    case "visitors":
      a.n += p as number;
      return;
    case "num": {
      const [n, sum, min, max] = p as [number, number, number, number];
      if (n === 0) return;
      a.n += n;
      a.sum += sum;
      if (min < a.min) a.min = min;
      if (max > a.max) a.max = max;
      return;
    }
    case "distinct":
      a.d.merge(p as DistinctPartial);
      return;
    case "pct":
      a.p.merge(p as PercentilePartial);
  }
}

/** The answer of one aggregate of a merged group. */
export function accValue(a: Acc, agg: Aggregate): number | null {
  switch (a.t) {
    case "count":
      return agg.field === undefined ? null : a.n;
    case "visitors":
      return a.n;
    case "distinct":
      return a.d.estimate();
    case "pct":
      return a.p.quantile(agg.p ?? 0.5);
    case "num":
      if (a.n === 0) return null;
      return agg.fn === "sum"
        ? a.sum
        : agg.fn === "avg"
          ? a.sum / a.n
          : agg.fn === "min"
            ? a.min
            : a.max;
  }
}

export function emptyStats(): TaskStats {
  return { blocksScanned: 0, blocksPruned: 0, eventsScanned: 0, ms: 0 };
}
