import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";

const origin = "http://flamingo.test";
const WRITE = "demo-write-key";
const READ = "demo-read-key";
const T0 = Date.parse("2026-02-02T10:00:00Z");

function post(path: string, body: unknown, key: string) {
  return exports.default.fetch(`${origin}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

interface Answer {
  columns: string[];
  rows: unknown[][];
  next?: string;
  stats: { partitions: number; eventsScanned: number };
  error: { code: string; path: string };
}

async function query(q: unknown, key = READ) {
  const res = await post("/v1/query", q, key);
  return { status: res.status, body: (await res.json()) as Answer };
}

/** 60 events of 12 visitors over 3 days; purchases carry a price. */
function events(tag: string) {
  const out = [];
  for (let i = 0; i < 60; i++) {
    const purchase = i % 3 === 0;
    out.push({
      id: `${tag}-${i}`,
      visitor: `${tag}-v${i % 12}`,
      name: purchase ? "purchase" : "search",
      time: T0 + i * 3_600_000,
      properties: purchase
        ? { price: 10 + i, country: i % 2 === 0 ? "US" : "CA", tag }
        : { deal: `d${i % 4}`, tag },
      visitorProperties: i < 12 ? { plan: i % 2 === 0 ? "pro" : "free" } : {},
    });
  }
  return out;
}

describe("POST /v1/query", () => {
  it("answers the issue's query shape over events visible right after ingest", async () => {
    const batch = events("a");
    const ingest = await post("/v1/events", { events: batch }, WRITE);
    expect(ingest.status).toBe(200);
    const { status, body } = await query({
      from: "events",
      select: [
        { fn: "count" },
        { fn: "sum", field: "price" },
        { fn: "countDistinct", field: "visitor" },
        { fn: "percentile", field: "price", p: 0.9 },
      ],
      where: {
        all: [
          { field: "name", op: "eq", value: "purchase" },
          { field: "country", op: "in", value: ["US", "CA"] },
          { field: "tag", op: "eq", value: "a" },
        ],
      },
      groupBy: ["country", { time: "day", tz: "UTC" }],
      time: { from: "2026-02-01T00:00:00Z", to: "2026-02-08T00:00:00Z" },
      orderBy: [{ column: "sum_price", desc: true }],
      limit: 100,
    });
    expect(status).toBe(200);
    expect(body.columns).toEqual([
      "country",
      "day",
      "count",
      "sum_price",
      "countDistinct_visitor",
      "p90_price",
    ]);
    // Expected, computed from the same events here.
    const groups = new Map<
      string,
      { count: number; sum: number; visitors: Set<string>; prices: number[] }
    >();
    for (const e of batch) {
      if (e.name !== "purchase") continue;
      const day = new Date(e.time).toISOString().slice(0, 10) + "T00:00:00Z";
      const key = `${e.properties.country}|${day}`;
      const g = groups.get(key) ?? { count: 0, sum: 0, visitors: new Set(), prices: [] };
      g.count++;
      g.sum += e.properties.price as number;
      g.visitors.add(e.visitor);
      g.prices.push(e.properties.price as number);
      groups.set(key, g);
    }
    const expected = [...groups].map(([k, g]) => {
      const [country, day] = k.split("|");
      const sorted = g.prices.sort((x, y) => x - y);
      return [
        country,
        day,
        g.count,
        g.sum,
        g.visitors.size,
        sorted[Math.ceil(0.9 * sorted.length) - 1],
      ];
    });
    expected.sort(
      (x, y) =>
        (y[3] as number) - (x[3] as number) ||
        String(x[0]).localeCompare(String(y[0])) ||
        String(x[1]).localeCompare(String(y[1])),
    );
    expect(body.rows).toEqual(expected);
    expect(body.stats.partitions).toBe(4);
    expect(body.stats.eventsScanned).toBeGreaterThanOrEqual(60);
  });

  it("groups by a visitor profile property and lists visitors and a timeline", async () => {
    await post("/v1/events", { events: events("b") }, WRITE);
    const byPlan = await query({
      from: "events",
      select: [{ fn: "count" }],
      where: { field: "tag", op: "eq", value: "b" },
      groupBy: ["visitor.plan"],
    });
    expect(byPlan.body.rows).toEqual([
      ["free", 30],
      ["pro", 30],
    ]);
    const page1 = await query({
      from: "visitors",
      where: { field: "tag", op: "eq", value: "b" },
      limit: 5,
    });
    expect(page1.status).toBe(200);
    expect(page1.body.rows.map((r: unknown[]) => r[0])).toEqual([
      "b-v0",
      "b-v1",
      "b-v10",
      "b-v11",
      "b-v2",
    ]);
    expect(page1.body.rows[0]![3]).toBe(5);
    const page2 = await query({
      from: "visitors",
      where: { field: "tag", op: "eq", value: "b" },
      limit: 5,
      cursor: page1.body.next,
    });
    expect(page2.body.rows.map((r: unknown[]) => r[0])).toEqual([
      "b-v3",
      "b-v4",
      "b-v5",
      "b-v6",
      "b-v7",
    ]);
    const timeline = await query({
      from: "rawEvents",
      where: { field: "visitor", op: "eq", value: "b-v3" },
      limit: 2,
    });
    expect(timeline.body.stats.partitions).toBe(1);
    expect(timeline.body.rows.map((r: unknown[]) => r[0])).toEqual(["b-51", "b-39"]);
    const rest = await query({
      from: "rawEvents",
      where: { field: "visitor", op: "eq", value: "b-v3" },
      limit: 5,
      cursor: timeline.body.next,
    });
    expect(rest.body.rows.map((r: unknown[]) => r[0])).toEqual(["b-27", "b-15", "b-3"]);
    expect(rest.body.next).toBeUndefined();
  });

  it("refuses invalid queries with the path and reason, and wrong keys", async () => {
    const bad = await query({
      from: "events",
      select: [{ fn: "count" }],
      where: {
        all: [
          { field: "name", op: "eq", value: "x" },
          { field: "n", op: "like", value: 1 },
        ],
      },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe("invalid_query");
    expect(bad.body.error.path).toBe("/where/all/1/op");
    const typo = await query({ from: "events", select: [{ fn: "count" }], limt: 3 });
    expect(typo.body.error.path).toBe("/limt");
    expect((await query({ from: "events", select: [{ fn: "count" }] }, WRITE)).status).toBe(403);
    expect((await query({ from: "events", select: [{ fn: "count" }] }, "nope")).status).toBe(401);
    expect((await query("{not json")).status).toBe(400);
  });

  it("publishes the JSON Schema", async () => {
    const res = await exports.default.fetch(`${origin}/v1/query/schema`);
    expect(res.status).toBe(200);
    const schema = (await res.json()) as { title: string; $schema: string };
    expect(schema.title).toBe("Flamingo query");
  });
});
