import "fake-indexeddb/auto";
import { describe, expect, it } from "vitest";
import { createLogCache } from "../../src/client/cache.ts";
import { BlockBuilder, openBlock, readHeader, type FlamEvent } from "../../src/flam/index.ts";
import { FlamWasm } from "../../src/flam/wasm/index.ts";
import { frameExport, type ExportHead } from "../../src/log/export-frame.ts";
import { mergePartials, parseQuery, runTask, type TaskSource } from "../../src/query/index.ts";
import { loadFlamWasmModule } from "../helpers/load-wasm-node.ts";
import { generateEvents } from "../../bench/gen/events.ts";

const wasm = loadFlamWasmModule();

/** A fake edge: two partitions' logs, sealed blocks of `blockSize` then a tail, paged by cursor. */
function fakeEdge(events: FlamEvent[], blockSize: number, pageBlocks: number) {
  const logs = new Map<string, { sealed: Uint8Array[]; tail: Uint8Array[] }>();
  const parts = ["p0", "p1"];
  for (const p of parts) logs.set(p, { sealed: [], tail: [] });
  parts.forEach((p, k) => {
    // By visitor, as the edge routes: a visitor's events live in one partition.
    const mine = events.filter(
      (e) => [...e.visitor].reduce((h, c) => h + c.charCodeAt(0), 0) % 2 === k,
    );
    for (let i = 0; i < mine.length; i += blockSize) {
      const b = new BlockBuilder();
      for (const e of mine.slice(i, i + blockSize)) b.append(e);
      (i + blockSize <= mine.length ? logs.get(p)!.sealed : logs.get(p)!.tail).push(b.seal());
    }
  });
  let requests = 0;
  const fetch = async (url: string | URL | Request) => {
    requests++;
    const cursorText = new URL(String(url)).searchParams.get("cursor") ?? "";
    const cursor = (cursorText === "" ? {} : JSON.parse(atob(cursorText))) as Record<
      string,
      number
    >;
    const blocks: ExportHead["blocks"] = [];
    const bytes: Uint8Array[] = [];
    let more = false;
    const next = { ...cursor };
    for (const p of parts) {
      const log = logs.get(p)!;
      let first = 0;
      let sent = 0;
      for (const block of log.sealed) {
        const h = readHeader(block);
        if (first >= (cursor[p] ?? 0)) {
          if (sent === pageBlocks) {
            more = true;
            break;
          }
          blocks.push({
            partition: p,
            sealed: true,
            first,
            count: h.eventCount,
            minTime: h.minTime,
            maxTime: h.maxTime,
            length: block.length,
          });
          bytes.push(block);
          sent++;
          next[p] = first + h.eventCount;
        }
        first += h.eventCount;
      }
    }
    if (!more)
      for (const p of parts)
        for (const block of logs.get(p)!.tail) {
          const h = readHeader(block);
          blocks.push({
            partition: p,
            sealed: false,
            first: 1e9,
            count: h.eventCount,
            minTime: h.minTime,
            maxTime: h.maxTime,
            length: block.length,
          });
          bytes.push(block);
        }
    return new Response(frameExport({ cursor: btoa(JSON.stringify(next)), more, blocks }, bytes));
  };
  /** What the edge would answer: one task per partition, merged. */
  const edgeQuery = async (q: unknown) => {
    const query = parseQuery(q);
    const flam = FlamWasm.fromModule(wasm);
    const partials = await Promise.all(
      parts.map((p) => {
        const log = logs.get(p)!;
        const source: TaskSource = {
          blocks: () =>
            [...log.sealed, ...log.tail].map((bytes) => ({
              reader: flam.open(bytes),
              event: (i: number) => openBlock(bytes).event(i),
            })),
        };
        return runTask(query, source);
      }),
    );
    return mergePartials(query, partials);
  };
  return { fetch: fetch as typeof globalThis.fetch, edgeQuery, requests: () => requests };
}

const QUERIES = [
  {
    from: "events",
    select: [{ fn: "count" }, { fn: "sum", field: "price" }],
    where: { field: "name", op: "eq", value: "purchase" },
    groupBy: ["country"],
  },
  {
    from: "events",
    select: [{ fn: "count" }, { fn: "countDistinct", field: "visitor" }],
    groupBy: ["name", { time: "day", tz: "Europe/Berlin" }],
    orderBy: [{ column: "count", desc: true }],
    limit: 20,
  },
  {
    from: "events",
    select: [
      { fn: "percentile", field: "price", p: 0.9 },
      { fn: "max", field: "price" },
    ],
  },
  { from: "rawEvents", where: { field: "name", op: "eq", value: "purchase" }, limit: 5 },
];

// Generous: fake-indexeddb is slow, and the machine may be busy.
describe("the offline log cache", { timeout: 60_000 }, () => {
  it("syncs every page into IndexedDB and answers queries as the edge does", async () => {
    const events = generateEvents(3000, 3);
    const edge = fakeEdge(events, 500, 2);
    const cache = await createLogCache({
      host: "http://edge.test",
      token: "t",
      wasm,
      dbName: "cache-a",
      fetch: edge.fetch,
    });
    const synced = await cache.sync();
    expect(edge.requests()).toBe(2);
    expect(synced.blocks).toBeGreaterThanOrEqual(6);
    for (const q of QUERIES) {
      const local = await cache.query(q);
      const remote = await edge.edgeQuery(q);
      expect(local.columns).toEqual(remote.columns);
      expect(
        JSON.stringify(local.rows, (_, v) =>
          typeof v === "number" ? Number(v.toPrecision(12)) : v,
        ),
      ).toEqual(
        JSON.stringify(remote.rows, (_, v) =>
          typeof v === "number" ? Number(v.toPrecision(12)) : v,
        ),
      );
    }
    // A second sync fetches nothing new but the tail, and the answers stay.
    await cache.sync();
    const count = await cache.query({ from: "events", select: [{ fn: "count" }] });
    expect(count.rows).toEqual([[3000]]);
    cache.close();
    // Reopened (a reload, offline): the same answers without the network.
    const offline = await createLogCache({
      host: "http://edge.test",
      token: "t",
      wasm,
      dbName: "cache-a",
      fetch: () => Promise.reject(new Error("offline")),
    });
    expect((await offline.query({ from: "events", select: [{ fn: "count" }] })).rows).toEqual([
      [3000],
    ]);
    offline.close();
  });

  it("evicts the oldest sealed blocks past its budget", async () => {
    const events = generateEvents(6000, 4);
    const edge = fakeEdge(events, 1000, 10);
    const cache = await createLogCache({
      host: "http://edge.test",
      token: "t",
      wasm,
      dbName: "cache-b",
      fetch: edge.fetch,
      maxBytes: 300_000,
    });
    const { evicted } = await cache.sync();
    expect(evicted).toBeGreaterThan(0);
    const { bytes } = await cache.size();
    const { rows } = await cache.query({
      from: "events",
      select: [{ fn: "count" }, { fn: "min", field: "time" }],
    });
    expect(rows[0]![0]).toBeLessThan(6000);
    expect(rows[0]![1]).toBeGreaterThan(events[0]!.time);
    expect(bytes).toBeLessThan(300_000 + 200_000);
    cache.close();
  });
});
