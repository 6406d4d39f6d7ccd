/**
 * The bench's local queries and their answers computed straight from the generated events, so
 * every run in Chromium is checked: Q1 is the FlaM bench's Q1 (sum of price by country over
 * purchases) in the query language; the second counts events by name over everything.
 */
import type { FlamEvent } from "../../src/flam/index.ts";

export const Q1 = {
  from: "events",
  select: [{ fn: "sum", field: "price" }],
  where: { field: "name", op: "eq", value: "purchase" },
  groupBy: ["country"],
};

export const COUNT_BY_NAME = {
  from: "events",
  select: [{ fn: "count" }],
  groupBy: ["name"],
};

/** Group key (a missing or null country is the group `null`) to the aggregate. */
export type Expected = Map<string | null, number>;

/** Q1's groups: a purchase without a numeric price adds nothing (sum skips non-numbers). */
export function expectedQ1(events: readonly FlamEvent[]): Expected {
  const out: Expected = new Map();
  for (const e of events) {
    if (e.name !== "purchase") continue;
    const country = e.properties["country"];
    const key = typeof country === "string" ? country : null;
    const price = e.properties["price"];
    out.set(key, (out.get(key) ?? 0) + (typeof price === "number" ? price : 0));
  }
  return out;
}

export function expectedCountByName(events: readonly FlamEvent[]): Expected {
  const out: Expected = new Map();
  for (const e of events) out.set(e.name, (out.get(e.name) ?? 0) + 1);
  return out;
}

/**
 * Null when `columns`/`rows` (a two-column answer: group, aggregate) hold exactly `expected`,
 * sums within a relative 1e-9 (the engine adds doubles in another order); else what differs.
 */
export function diffGroups(
  answer: { columns: string[]; rows: unknown[][] },
  columns: readonly string[],
  expected: Expected,
): string | null {
  if (JSON.stringify(answer.columns) !== JSON.stringify(columns))
    return `columns ${JSON.stringify(answer.columns)}, expected ${JSON.stringify(columns)}`;
  if (answer.rows.length !== expected.size)
    return `${answer.rows.length} groups, expected ${expected.size}`;
  for (const [key, value] of answer.rows) {
    const want = expected.get(key as string | null);
    if (want === undefined) return `unexpected group ${JSON.stringify(key)}`;
    if (typeof value !== "number" || Math.abs(value - want) > 1e-9 * Math.max(1, Math.abs(want)))
      return `group ${JSON.stringify(key)}: ${String(value)}, expected ${want}`;
  }
  return null;
}
