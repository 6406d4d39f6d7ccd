/**
 * The offline log cache in Chromium against a real edge (`wrangler dev`, started by
 * global-setup.ts): events ingested through `POST /v1/events`, a read token minted by
 * `POST /v1/tokens`, the log synced from `GET /v1/export` into IndexedDB, and local answers equal
 * to `POST /v1/query`'s; then the same answers from the stored cache with the network gone.
 * The edge's storage is shared by every browser test file of a run, so each query is restricted
 * to this run's events by the `run` property.
 */
import flamUrl from "../../build/flam.wasm?url";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createLogCache, type LogCache } from "../../src/client/cache.ts";

const edge = inject("edgeUrl");
const run = crypto.randomUUID().slice(0, 8);
const dbName = `cache-test-${run}`;
const EVENTS = 300;
const VISITORS = 24;
// From Friday 2026-03-27, 20 minutes apart: 100 hours over Berlin's spring-forward night.
const START = Date.UTC(2026, 2, 27);
const NAMES = ["pageview", "search", "purchase"] as const;
const PLANS = ["free", "pro", "team"] as const;
const COUNTRIES = ["DE", "FR", "PT", null] as const;

const mine = { field: "run", op: "eq", value: run };

const QUERIES: Record<string, unknown> = {
  "counts and sums by name and Berlin day": {
    from: "events",
    select: [{ fn: "count" }, { fn: "sum", field: "price" }],
    where: mine,
    groupBy: ["name", { time: "day", tz: "Europe/Berlin" }],
  },
  "distinct visitors by plan over two plans (in)": {
    from: "events",
    select: [{ fn: "countDistinct", field: "visitor" }, { fn: "count" }],
    where: { all: [mine, { field: "plan", op: "in", value: ["pro", "team"] }] },
    groupBy: ["plan"],
  },
  "hourly purchases with a null country group": {
    from: "events",
    select: [{ fn: "count" }, { fn: "avg", field: "price" }, { fn: "max", field: "price" }],
    where: { all: [mine, { field: "name", op: "eq", value: "purchase" }] },
    groupBy: ["country", { time: "hour", tz: "UTC" }],
    orderBy: [{ column: "count", desc: true }],
    limit: 25,
  },
  "a percentile and a distinct count without groups": {
    from: "events",
    select: [
      { fn: "percentile", field: "price", p: 0.9 },
      { fn: "countDistinct", field: "visitor" },
      { fn: "min", field: "time" },
    ],
    where: mine,
  },
  "the visitors list with profiles folded from the events": {
    from: "visitors",
    where: { all: [mine, { field: "name", op: "eq", value: "purchase" }] },
    limit: 100,
  },
  "raw events of two names in a time window": {
    from: "rawEvents",
    where: { all: [mine, { field: "name", op: "in", value: ["search", "purchase"] }] },
    time: { from: START + 10 * 3_600_000, to: START + 40 * 3_600_000 },
    limit: 200,
  },
};

/** Numbers to 12 significant digits: float sums added in another order differ in the last bits. */
const normalized = (rows: unknown[][]) =>
  JSON.parse(
    JSON.stringify(rows, (_, v: unknown) =>
      typeof v === "number" ? Number(v.toPrecision(12)) : v,
    ),
  ) as unknown;

async function post(path: string, key: string, body: unknown): Promise<unknown> {
  const res = await fetch(`${edge}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  expect(res.status, `${path}: ${text}`).toBe(200);
  return JSON.parse(text);
}

const edgeQuery = (q: unknown) =>
  post("/v1/query", "demo-read-key", q) as Promise<{ columns: string[]; rows: unknown[][] }>;

async function expectSameAnswers(cache: LogCache): Promise<void> {
  for (const [what, q] of Object.entries(QUERIES)) {
    const [local, remote] = await Promise.all([cache.query(q), edgeQuery(q)]);
    expect(local.columns, what).toEqual(remote.columns);
    expect(remote.rows.length, what).toBeGreaterThan(0);
    expect(normalized(local.rows), what).toEqual(normalized(remote.rows));
  }
}

const wasm = () => WebAssembly.compileStreaming(fetch(flamUrl));
const caches: LogCache[] = [];

beforeAll(async () => {
  const events = Array.from({ length: EVENTS }, (_, i) => ({
    id: `cache-${run}-e${i}`,
    visitor: `cache-${run}-v${(i * 7) % VISITORS}`,
    name: NAMES[i % 3]!,
    time: START + i * 20 * 60_000,
    properties: {
      run,
      plan: PLANS[(i % VISITORS) % 3]!,
      country: COUNTRIES[i % 4]!,
      ...(i % 3 === 2 ? { price: Math.round(((i * 37) % 500) + 0.99 * (i % 7)) / 100 } : {}),
    },
  }));
  const { results } = (await post("/v1/events", "demo-write-key", { events })) as {
    results: { status: string }[];
  };
  expect(results.filter((r) => r.status === "accepted")).toHaveLength(EVENTS);
});

afterAll(async () => {
  for (const c of caches.splice(0)) c.close();
  await new Promise((resolve) => {
    const req = indexedDB.deleteDatabase(dbName);
    req.onsuccess = req.onerror = req.onblocked = resolve;
  });
});

describe("the offline log cache in Chromium against wrangler dev", () => {
  it("syncs the project's log with a read token and answers queries exactly as POST /v1/query does", async () => {
    const { token } = (await post("/v1/tokens", "demo-read-key", { ttlSeconds: 600 })) as {
      token: string;
    };
    const cache = await createLogCache({ host: edge, token, wasm: wasm(), dbName });
    caches.push(cache);
    const synced = await cache.sync();
    expect(synced.blocks).toBeGreaterThan(0);
    expect((await cache.size()).bytes).toBe(synced.bytes);

    const total = await cache.query({ from: "events", select: [{ fn: "count" }], where: mine });
    expect(total.rows).toEqual([[EVENTS]]);
    await expectSameAnswers(cache);
  });

  it("answers the same from IndexedDB alone when the network is gone, without syncing", async () => {
    const offline = await createLogCache({
      host: edge,
      token: "unused",
      wasm: wasm(),
      dbName,
      fetch: () => Promise.reject(new TypeError("Failed to fetch")),
    });
    caches.push(offline);
    await expectSameAnswers(offline);
    // A sync that cannot reach the edge fails loudly and leaves the cache answering.
    await expect(offline.sync()).rejects.toThrow("Failed to fetch");
    const total = await offline.query({ from: "events", select: [{ fn: "count" }], where: mine });
    expect(total.rows).toEqual([[EVENTS]]);
  });
});
