/**
 * Reference answers computed straight from the generated objects, and the comparison every
 * timed run's answer must pass.
 */
import type { FlamEvent } from "./gen/types.ts";
import { addPrice } from "./query.ts";
import type { PriceByCountry } from "./subject.ts";

/** Q1 over the events themselves: sum(price) by country for purchases. */
export function referenceQ1(events: readonly FlamEvent[]): PriceByCountry {
  const sums: PriceByCountry = new Map();
  for (const e of events) addPrice(sums, e, true);
  return sums;
}

/** Q2 over the events themselves: sum(price) by country for every event with a price. */
export function referenceQ2(events: readonly FlamEvent[]): PriceByCountry {
  const sums: PriceByCountry = new Map();
  for (const e of events) addPrice(sums, e, false);
  return sums;
}

/**
 * Describes how `actual` differs from `expected` (same keys; sums equal within a relative
 * tolerance, since engines add doubles in different orders), or returns null when they agree.
 *
 * @example
 * diffAnswers(new Map([["US", 1]]), new Map([["US", 1 + 1e-13]])); // null
 */
export function diffAnswers(
  actual: PriceByCountry,
  expected: PriceByCountry,
  tolerance = 1e-9,
): string | null {
  const problems: string[] = [];
  for (const [key, want] of expected) {
    const got = actual.get(key);
    if (got === undefined) problems.push(`missing group ${JSON.stringify(key)}`);
    else if (!(Math.abs(got - want) <= tolerance * Math.max(Math.abs(want), 1)))
      problems.push(`group ${JSON.stringify(key)}: got ${got}, expected ${want}`);
  }
  for (const key of actual.keys())
    if (!expected.has(key)) problems.push(`unexpected group ${JSON.stringify(key)}`);
  if (problems.length === 0) return null;
  const shown = problems.slice(0, 5).join("; ");
  return problems.length > 5 ? `${shown}; and ${problems.length - 5} more` : shown;
}
