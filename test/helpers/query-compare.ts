/**
 * Compares an engine's answer with the reference's (without `stats`): columns and rows exactly,
 * except `sum` and `avg` cells, which are float64 sums added in another order and so may differ
 * in their last bits (docs/query.md, "Accuracy"): those to a relative 1e-9. `next` must be there
 * exactly when the reference has another page. Runs under vitest in Node and in workerd.
 *
 * @example
 * sameAnswer(await runQuery(q, source), evaluateQuery(q, events), q, "count by day");
 */
import { expect } from "vitest";
import type { ReferenceResult } from "./query-reference.ts";

/** What both the engine and the HTTP route answer. */
export interface EngineAnswer {
  columns: string[];
  rows: unknown[][];
  next?: string;
}

/** Options of a comparison. */
export interface CompareOptions {
  /** rawEvents only: `receivedAt` is the edge's clock, checked as a number and not compared. */
  ignoreReceivedAt: boolean;
}

const RELATIVE = 1e-9;

const close = (a: unknown, b: unknown): boolean =>
  typeof a === "number" &&
  typeof b === "number" &&
  Math.abs(a - b) <= RELATIVE * Math.max(Math.abs(a), Math.abs(b));

/** Indexes of the result columns holding float sums (`sum`, `avg`). */
function floatColumns(query: Record<string, unknown>): number[] {
  if (query["from"] !== "events") return [];
  const groups = ((query["groupBy"] as unknown[] | undefined) ?? []).length;
  const select = query["select"] as { fn: string }[];
  return select.flatMap((a, i) => (a.fn === "sum" || a.fn === "avg" ? [groups + i] : []));
}

export function sameAnswer(
  got: EngineAnswer,
  want: ReferenceResult,
  query: Record<string, unknown>,
  label: string,
  options: Readonly<Partial<CompareOptions>> = {},
): void {
  expect(got.columns, `${label}: columns`).toEqual(want.columns);
  const floats = floatColumns(query);
  const rows = got.rows.map((row, i) =>
    row.map((cell, j) => {
      const expected = want.rows[i]?.[j];
      if (floats.includes(j) && close(cell, expected)) return expected;
      if (options.ignoreReceivedAt && query["from"] === "rawEvents" && j === 4) {
        expect(typeof cell, `${label}: receivedAt of row ${i}`).toBe("number");
        return expected;
      }
      return cell;
    }),
  );
  expect(rows, `${label}: rows`).toEqual(want.rows);
  expect(got.next !== undefined, `${label}: a next cursor`).toBe(want.more);
}
