/**
 * The in-process half of `npm run bench:query` on 20,000 events: the engine's answers to the
 * bench's four queries, over 16 partitions split as the edge splits them, equal the plain
 * JavaScript ones (and DuckDB's, which the bench also times). Answers only: no timing.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadFlamWasmModule } from "../test/helpers/load-wasm-node.ts";
import { generateEvents } from "./gen/events.ts";
import { loadDuckdbTable, type DuckdbTable } from "./query/duckdb.ts";
import {
  benchProject,
  openPartitions,
  scanPartitions,
  splitByPartition,
  type BenchPartition,
} from "./query/partitions.ts";
import { diffAnswer, GROUP_COLUMNS, QUERIES, referenceAnswers } from "./query/queries.ts";

const EVENTS = 20_000;

describe("bench:query's in-process scan", { timeout: 60_000 }, () => {
  const events = generateEvents(EVENTS, 1);
  const project = benchProject("bench", 16);
  const expected = referenceAnswers(events);
  let partitions: BenchPartition[];
  let duck: DuckdbTable;

  beforeAll(async () => {
    partitions = openPartitions(loadFlamWasmModule(), project, events);
    duck = await loadDuckdbTable(events);
  }, 60_000);
  afterAll(() => {
    duck.close();
  });

  it("puts every event in exactly one of 16 partitions, a visitor's events together", () => {
    const split = splitByPartition(project, events);
    expect(split.size).toBe(16);
    expect([...split.values()].reduce((n, p) => n + p.length, 0)).toBe(EVENTS);
    const home = new Map<string, string>();
    for (const [name, own] of split)
      for (const e of own) expect(home.get(e.visitor) ?? name, e.visitor).toBe(name);
    for (const p of partitions) expect(p.events).toBeGreaterThan(0);
  });

  it.each(QUERIES.filter((q) => q.name !== "q4"))(
    "answers $name ($label) as the plain evaluation and DuckDB do",
    async (q) => {
      const got = await scanPartitions(q.json, partitions);
      expect(got.stats.eventsScanned).toBeLessThanOrEqual(EVENTS);
      expect(diffAnswer(got, expected[q.name], GROUP_COLUMNS[q.name])).toBeNull();
      expect(
        diffAnswer(await duck.run(q.name), expected[q.name], GROUP_COLUMNS[q.name]),
      ).toBeNull();
      expect(got.rows.length).toBeGreaterThan(q.name === "q2" ? 100 : 10);
    },
  );

  it("answers the p90 price exactly while every group holds at most 10,000 prices", async () => {
    const got = await scanPartitions(QUERIES[3]!.json, partitions);
    expect(got.columns).toEqual(["p90_price"]);
    expect(got.rows).toEqual(expected.q4.rows);
    expect(typeof got.rows[0]![0]).toBe("number");
  });
});
