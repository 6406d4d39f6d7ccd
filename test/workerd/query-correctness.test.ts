/**
 * The query engine through the real edge in workerd against the reference evaluator: the data
 * set of `query-cases.ts` is ingested over `POST /v1/events` (native format, batches of 500, in
 * log order), then every named query is asked over `POST /v1/query` with the read key and must
 * answer what the reference answers for the same events; every invalid query must be refused with
 * 400 `invalid_query` naming its JSON Pointer. `receivedAt` is the edge's clock here, so the
 * one aggregate over it is left to the Node suite and rawEvents rows skip that column.
 */
import { exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import type { FlamEvent } from "../../src/flam/index.ts";
import { INVALID_CASES, queryCases, queryDataSet, type QueryCase } from "../helpers/query-cases.ts";
import { sameAnswer, type EngineAnswer } from "../helpers/query-compare.ts";
import { buildProfiles, evaluateQuery } from "../helpers/query-reference.ts";
import { bucketOf } from "../helpers/reference-time-buckets.ts";

const origin = "http://flamingo.test";
const WRITE = "demo-write-key";
const READ = "demo-read-key";
const BATCH = 500;

function post(path: string, body: unknown, key: string) {
  return exports.default.fetch(`${origin}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
    body: JSON.stringify(body),
  });
}

/** The native wire form of a canonical event: everything but `receivedAt`. */
const wire = (e: FlamEvent) => ({
  id: e.id,
  visitor: e.visitor,
  name: e.name,
  time: e.time,
  properties: e.properties,
  visitorProperties: e.visitorProperties,
});

async function ask(query: unknown): Promise<{ status: number; body: unknown }> {
  const res = await post("/v1/query", query, READ);
  return { status: res.status, body: await res.json() };
}

describe("queries over HTTP match the reference evaluator", { timeout: 120_000 }, () => {
  const events = queryDataSet();
  const profiles = buildProfiles(events);
  const cases = queryCases(events).filter(
    (c) => !(c.usesReceivedAt && c.query["from"] === "events"),
  );

  beforeAll(async () => {
    for (let i = 0; i < events.length; i += BATCH) {
      const res = await post("/v1/events", { events: events.slice(i, i + BATCH).map(wire) }, WRITE);
      const body = (await res.json()) as { results: { status: string }[] };
      expect(res.status, `batch at ${i}`).toBe(200);
      const refused = body.results.filter((r) => r.status !== "accepted");
      expect(refused, `batch at ${i}`).toEqual([]);
    }
  }, 600_000);

  it("has the time zone data the reference's buckets need in this runtime", () => {
    const at = (iso: string) => Date.parse(iso);
    expect(bucketOf(at("2026-03-29T12:00:00Z"), "day", "Europe/Berlin").label).toBe(
      "2026-03-29T00:00:00+01:00",
    );
    expect(bucketOf(at("2026-11-01T06:30:00Z"), "hour", "America/New_York").label).toBe(
      "2026-11-01T01:00:00-05:00",
    );
    expect(bucketOf(at("2026-01-04T20:00:00Z"), "week", "Asia/Kolkata").label).toBe(
      "2026-01-05T00:00:00+05:30",
    );
  });

  it.each(cases.map((c): [string, QueryCase] => [c.name, c]))("%s", async (_name, c) => {
    let query: Record<string, unknown> = c.query;
    for (let page = 0; page < (c.pages ?? 1); page++) {
      const want = evaluateQuery(query, events, profiles, page);
      const { status, body } = await ask(query);
      expect(status, `${c.name}, page ${page + 1}: ${JSON.stringify(body)}`).toBe(200);
      const got = body as EngineAnswer & { stats: { partitionsFailed: number } };
      expect(got.stats.partitionsFailed).toBe(0);
      sameAnswer(got, want, query, `${c.name}, page ${page + 1}`, { ignoreReceivedAt: true });
      if (!want.more) break;
      query = { ...c.query, cursor: got.next };
    }
  });

  it.each(INVALID_CASES.map((c) => [c.name, c] as const))(
    "refuses an invalid query with 400 and its path: %s",
    async (_name, c) => {
      const { status, body } = await ask(c.query);
      expect(status).toBe(400);
      const error = (body as { error: { code: string; path: string; message: string } }).error;
      expect(error.code).toBe("invalid_query");
      expect(error.path).toBe(c.path);
      expect(error.message.length).toBeGreaterThan(0);
    },
  );
});
