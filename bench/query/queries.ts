/**
 * The four queries of `npm run bench:query` (issue 4) and their plain JavaScript answers,
 * computed straight from the generated objects as docs/query.md defines them, in the engine's
 * answer shape (`columns`, `rows`), so any engine's answer can be compared with them.
 */
import type { FlamEvent } from "../gen/types.ts";

/** An answer as the engine and `POST /v1/query` give it (stats left out). */
export interface Answer {
  columns: string[];
  rows: unknown[][];
}

/** One benchmark query: its name, its JSON and how its answer cells may differ between engines. */
export interface BenchQuery {
  name: "q1" | "q2" | "q3" | "q4";
  label: string;
  json: Record<string, unknown>;
}

export const QUERIES: readonly BenchQuery[] = [
  {
    name: "q1",
    label: "sum(price) by country where name = purchase",
    json: {
      from: "events",
      select: [{ fn: "sum", field: "price" }],
      where: { field: "name", op: "eq", value: "purchase" },
      groupBy: ["country"],
    },
  },
  {
    name: "q2",
    label: "count by name by day",
    json: { from: "events", select: [{ fn: "count" }], groupBy: ["name", { time: "day" }] },
  },
  {
    name: "q3",
    label: "countDistinct(visitor) by country",
    json: {
      from: "events",
      select: [{ fn: "countDistinct", field: "visitor" }],
      groupBy: ["country"],
    },
  },
  {
    name: "q4",
    label: "p90 price",
    json: { from: "events", select: [{ fn: "percentile", field: "price", p: 0.9 }] },
  },
];

const DAY_MS = 86_400_000;

/** A group key as docs/query.md defines it: a scalar property's value, or null. */
function groupValue(value: unknown): unknown {
  return value === undefined ? null : value;
}

/** `2026-01-03T00:00:00Z`: how the engine labels a UTC day bucket. */
export function dayLabel(start: number): string {
  return `${new Date(start).toISOString().slice(0, 19)}Z`;
}

/** The exact nearest-rank percentile: rank `ceil(p * n)` of the sorted values (the smallest at rank 0). */
export function nearestRank(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)]!;
}

/**
 * The four answers over the events themselves.
 *
 * @example
 * referenceAnswers(events).q4; // { columns: ["p90_price"], rows: [[129.99]] }
 */
export function referenceAnswers(events: readonly FlamEvent[]): Record<BenchQuery["name"], Answer> {
  const sums = new Map<unknown, number>();
  const counts = new Map<string, [string, string, number]>();
  const visitors = new Map<unknown, Set<string>>();
  const prices: number[] = [];
  for (const e of events) {
    const country = groupValue(e.properties["country"]);
    const price = e.properties["price"];
    if (e.name === "purchase" && typeof price === "number")
      sums.set(country, (sums.get(country) ?? 0) + price);
    const day = dayLabel(Math.floor(e.time / DAY_MS) * DAY_MS);
    const key = `${e.name}\u0000${day}`;
    const c = counts.get(key);
    if (c) c[2]++;
    else counts.set(key, [e.name, day, 1]);
    let set = visitors.get(country);
    if (!set) visitors.set(country, (set = new Set()));
    set.add(e.visitor);
    if (typeof price === "number") prices.push(price);
  }
  prices.sort((a, b) => a - b);
  return {
    q1: { columns: ["country", "sum_price"], rows: [...sums].map(([k, v]) => [k, v]) },
    q2: { columns: ["name", "day", "count"], rows: [...counts.values()] },
    q3: {
      columns: ["country", "countDistinct_visitor"],
      rows: [...visitors].map(([k, v]) => [k, v.size]),
    },
    q4: { columns: ["p90_price"], rows: [[nearestRank(prices, 0.9)]] },
  };
}

/** How far two numbers may differ, relative to the larger. */
export interface Tolerance {
  /** Relative difference allowed in number cells. Defaults to 1e-9 (float sums in another order). */
  relative: number;
}

const closeEnough = (a: unknown, b: unknown, relative: number): boolean =>
  a === b ||
  (typeof a === "number" &&
    typeof b === "number" &&
    Math.abs(a - b) <= relative * Math.max(Math.abs(a), Math.abs(b), 1e-300));

/**
 * Describes how `got` differs from `want`, or returns null when they agree: same columns, the
 * same groups (rows keyed by their group cells, so row order is not compared), aggregate cells
 * equal or within `relative`.
 *
 * @example
 * diffAnswer({ columns: ["n"], rows: [[1]] }, { columns: ["n"], rows: [[1]] }, 1); // null
 */
export function diffAnswer(
  got: Answer,
  want: Answer,
  groupColumns: number,
  options: Readonly<Partial<Tolerance>> = {},
): string | null {
  const relative = options.relative ?? 1e-9;
  if (JSON.stringify(got.columns) !== JSON.stringify(want.columns))
    return `columns ${JSON.stringify(got.columns)}, expected ${JSON.stringify(want.columns)}`;
  const byKey = (a: Answer) =>
    new Map(a.rows.map((r) => [JSON.stringify(r.slice(0, groupColumns)), r.slice(groupColumns)]));
  const g = byKey(got);
  const w = byKey(want);
  const problems: string[] = [];
  if (g.size !== got.rows.length) problems.push("duplicate groups");
  for (const [key, values] of w) {
    const other = g.get(key);
    if (other === undefined) problems.push(`missing group ${key}`);
    else if (!values.every((v, i) => closeEnough(other[i], v, relative)))
      problems.push(
        `group ${key}: got ${JSON.stringify(other)}, expected ${JSON.stringify(values)}`,
      );
  }
  for (const key of g.keys()) if (!w.has(key)) problems.push(`unexpected group ${key}`);
  if (problems.length === 0) return null;
  const shown = problems.slice(0, 5).join("; ");
  return problems.length > 5 ? `${shown}; and ${problems.length - 5} more` : shown;
}

/** The group columns of each query's answer. */
export const GROUP_COLUMNS: Record<BenchQuery["name"], number> = { q1: 1, q2: 2, q3: 1, q4: 0 };
