import { describe, expect, it } from "vitest";
import { BlockBuilder, openBlock, type FlamEvent } from "../flam/index.ts";
import { QueryError } from "./errors.ts";
import { runQuery } from "./run-query.ts";
import type { SourceBlock } from "./task.ts";

const T0 = Date.parse("2026-01-01T00:00:00Z");
const DAY = 86_400_000;

/** Three one-day blocks; only the second has purchases; `n` is a number-valued group field. */
function blocks(): SourceBlock[] {
  return [0, 1, 2].map((d) => {
    const b = new BlockBuilder();
    for (let i = 0; i < 100; i++) {
      const purchase = d === 1 && i % 4 === 0;
      const e: FlamEvent = {
        id: `e${d}-${i}`,
        visitor: `v${i % 10}`,
        name: purchase ? "purchase" : "view",
        time: T0 + d * DAY + i * 60_000,
        receivedAt: T0 + d * DAY + i * 60_000,
        properties: {
          ...(purchase ? { price: i } : {}),
          country: i % 3 === 0 ? "US" : i % 3 === 1 ? "CA" : null,
          ...(d === 2 ? { n: i % 2 } : {}),
        },
        visitorProperties: {},
      };
      b.append(e);
    }
    const reader = openBlock(b.seal());
    return { reader, event: (i: number) => reader.event(i) };
  });
}

const source = { blocks: () => blocks() };

describe("runTask", () => {
  it("prunes blocks by time range and by dictionary", async () => {
    const byName = await runQuery(
      {
        from: "events",
        select: [{ fn: "count" }],
        where: { field: "name", op: "eq", value: "purchase" },
      },
      source,
    );
    expect(byName.rows).toEqual([[25]]);
    expect(byName.stats).toMatchObject({ blocksScanned: 1, blocksPruned: 2, eventsScanned: 100 });
    const byTime = await runQuery(
      {
        from: "events",
        select: [{ fn: "count" }],
        time: { from: T0 + 2 * DAY, to: T0 + 2 * DAY + 30 * 60_000 },
      },
      source,
    );
    expect(byTime.rows).toEqual([[30]]);
    expect(byTime.stats).toMatchObject({ blocksScanned: 1, blocksPruned: 2 });
  });

  it("gives the WASM-shaped path and the general path the same answers", async () => {
    const select = [
      { fn: "count" },
      { fn: "sum", field: "price" },
      { fn: "min", field: "price" },
      { fn: "avg", field: "price" },
    ];
    const fast = await runQuery(
      {
        from: "events",
        select,
        where: { field: "name", op: "in", value: ["purchase", "view"] },
        groupBy: ["country"],
      },
      source,
    );
    const general = await runQuery(
      {
        from: "events",
        select,
        where: {
          any: [
            { field: "name", op: "eq", value: "purchase" },
            { field: "name", op: "eq", value: "view" },
          ],
        },
        groupBy: ["country"],
      },
      source,
    );
    expect(fast.rows).toEqual(general.rows);
    expect(fast.rows.map((r) => r[0])).toEqual([null, "CA", "US"]);
  });

  it("keeps numbers apart from nulls when grouping (the kernels lump them)", async () => {
    const r = await runQuery({ from: "events", select: [{ fn: "count" }], groupBy: ["n"] }, source);
    expect(r.rows).toEqual([
      [null, 200],
      [0, 50],
      [1, 50],
    ]);
  });

  it("refuses a query that builds too many groups", async () => {
    const many = {
      blocks: function* () {
        const b = new BlockBuilder();
        for (let i = 0; i < 10_001; i++)
          b.append({
            id: `x${i}`,
            visitor: "v",
            name: "e",
            time: T0,
            receivedAt: T0,
            properties: { k: i },
            visitorProperties: {},
          });
        const reader = openBlock(b.seal());
        yield { reader, event: (i: number) => reader.event(i) };
      },
    };
    const q = {
      from: "events",
      select: [{ fn: "percentile", field: "k", p: 0.5 }],
      groupBy: ["k"],
    };
    await expect(runQuery(q, many)).rejects.toThrow(QueryError);
    await expect(runQuery(q, many)).rejects.toMatchObject({ code: "too_many_groups" });
    const counts = await runQuery({ ...q, select: [{ fn: "count" }], limit: 2 }, many);
    expect(counts.rows).toEqual([
      [0, 1],
      [1, 1],
    ]);
  });
});
