/**
 * Hostile bodies over HTTP (issue 8, docs/reliability.md "Hostile input"): generated bodies
 * (test/fuzz/hostile-values.ts: mutated valid requests, hostile JSON, text that is not JSON, bytes
 * that are not UTF-8 or not gzip, 1e400 (Infinity through JSON), 100,000-deep nesting, 10,000
 * properties, bodies past the 1 MB limit) to POST /v1/events, /v1/batch and /v1/query of a
 * project of its own. Every answer is 2xx or 4xx, never 5xx, and the project's event count moves
 * only by the events an answer reports as accepted: a refused request changes nothing.
 */
import { exports } from "cloudflare:workers";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { nativeSeeds, querySeeds, segmentSeeds } from "../fuzz/hostile-targets.ts";
import { anyHostile, hostileString, mutated, safeJson } from "../fuzz/hostile-values.ts";

const origin = "http://flamingo.test";
const run = crypto.randomUUID().slice(0, 8);
const RUNS = 300;
const SEED = 20_261_127;
const keys = { write: "", read: "" };

const deep = (n: number) =>
  `{"events":[{"visitor":"v","name":"n","properties":{"a":${"[".repeat(n)}${"]".repeat(n)}}}]}`;

/** Bodies that name a hazard outright, beside the generated ones. */
const SPECIAL: readonly string[] = [
  '{"events":[{"visitor":"v","name":"n","time":1e400}]}',
  '{"events":[{"visitor":"v","name":"n","properties":{"x":1e400,"y":-1e400}}]}',
  '{"events":[{"visitor":"v","name":"n","properties":{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}}}}]}',
  '{"__proto__":{"events":[{"visitor":"v","name":"n"}]}}',
  `{"events":[{"visitor":"v","name":"n","properties":{${Array.from({ length: 10_000 }, (_, i) => `"k${i}":${i}`).join(",")}}}]}`,
  `{"events":[{"visitor":"v","name":"n","properties":{"s":"${"\\ud800".repeat(1000)}"}}]}`,
  deep(10_000),
  deep(100_000),
  `{"events":[${'{"visitor":"v","name":"n"},'.repeat(40_000)}{}]}`,
  `{"events":[{"visitor":"v","name":"n","properties":{"big":"${"x".repeat(1_100_000)}"}}]}`,
  '{"from":"events","select":[{"fn":"sum","field":"x"}],"time":{"from":-1e400}}',
  `{"from":"events","select":[{"fn":"count"}],"where":${'{"not":'.repeat(50_000)}{}${"}".repeat(50_000)}}`,
  '{"from":"rawEvents","cursor":"eyJ0IjoxZTQwMCwiaSI6IngifQ"}',
];

/** A body as text or bytes, and whether it claims to be gzip. */
type Body = { text?: string; bytes?: Uint8Array; gzip: boolean };

function bodies(seeds: readonly unknown[]): fc.Arbitrary<Body> {
  return fc.oneof(
    { weight: 6, arbitrary: mutated(seeds).map((v) => ({ text: safeJson(v), gzip: false })) },
    { weight: 2, arbitrary: anyHostile.map((v) => ({ text: safeJson(v), gzip: false })) },
    { weight: 1, arbitrary: hostileString.map((text) => ({ text, gzip: false })) },
    {
      weight: 1,
      arbitrary: fc.uint8Array({ maxLength: 64 }).map((bytes) => ({ bytes, gzip: false })),
    },
    {
      weight: 1,
      arbitrary: fc.uint8Array({ maxLength: 64 }).map((bytes) => ({ bytes, gzip: true })),
    },
    { weight: 1, arbitrary: fc.constantFrom(...SPECIAL).map((text) => ({ text, gzip: false })) },
  );
}

async function post(path: string, key: string, body: Body): Promise<Response> {
  return exports.default.fetch(`${origin}${path}`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${key}`,
      "content-type": "application/json",
      ...(body.gzip ? { "content-encoding": "gzip" } : {}),
    },
    body: body.bytes ?? body.text ?? "",
  });
}

async function eventCount(): Promise<number> {
  const res = await post("/v1/query", keys.read, {
    text: JSON.stringify({ from: "events", select: [{ fn: "count" }] }),
    gzip: false,
  });
  expect(res.status).toBe(200);
  const { rows } = (await res.json()) as { rows: [number][] };
  return rows[0]?.[0] ?? 0;
}

const protoKeys = () => Reflect.ownKeys(Object.prototype).map(String).sort().join();

beforeAll(async () => {
  const res = await exports.default.fetch(`${origin}/v1/admin/projects`, {
    method: "POST",
    headers: { authorization: "Bearer test-admin-token" },
    body: JSON.stringify({ id: `mx-hostile-${run}`, partitions: 1 }),
  });
  expect(res.status).toBe(201);
  const created = (await res.json()) as { keys: { write: string; read: string } };
  Object.assign(keys, created.keys);
});

describe.each([
  { path: "/v1/events", seeds: nativeSeeds },
  { path: "/v1/batch", seeds: segmentSeeds },
])("POST $path under hostile bodies", ({ path, seeds }) => {
  it(
    `answers ${RUNS} generated bodies with 2xx or 4xx, and stores only what it accepts`,
    { timeout: 300_000 },
    async () => {
      const before = protoKeys();
      let count = await eventCount();
      const statuses: Record<number, number> = {};
      await fc.assert(
        fc.asyncProperty(bodies(seeds), async (body) => {
          const res = await post(path, keys.write, body);
          statuses[res.status] = (statuses[res.status] ?? 0) + 1;
          const text = await res.text();
          expect(res.status, text.slice(0, 300)).toBeLessThan(500);
          const after = await eventCount();
          if (res.status >= 400) {
            expect(after, "a refused request stored events").toBe(count);
          } else {
            const { results } = JSON.parse(text) as { results: { status: string }[] };
            const accepted = results.filter((r) => r.status === "accepted").length;
            expect(after - count, "stored events differ from those accepted").toBe(accepted);
          }
          count = after;
        }),
        { numRuns: RUNS, seed: SEED },
      );
      expect(protoKeys()).toBe(before);
      // Both outcomes occur, so neither branch goes unchecked.
      expect(Object.keys(statuses)).toContain("200");
      expect(Object.keys(statuses)).toContain("400");
    },
  );
});

describe("POST /v1/query under hostile bodies", () => {
  it(`answers ${RUNS} generated queries with 2xx or 4xx`, { timeout: 300_000 }, async () => {
    const statuses: Record<number, number> = {};
    await fc.assert(
      fc.asyncProperty(bodies(querySeeds), async (body) => {
        const res = await post("/v1/query", keys.read, body);
        statuses[res.status] = (statuses[res.status] ?? 0) + 1;
        const text = await res.text();
        expect(res.status, text.slice(0, 300)).toBeLessThan(500);
      }),
      { numRuns: RUNS, seed: SEED },
    );
    expect(Object.keys(statuses)).toContain("200");
    expect(Object.keys(statuses)).toContain("400");
  });
});

describe("each named hazard", () => {
  it.each(SPECIAL.map((text) => [text.length > 70 ? `${text.slice(0, 67)}...` : text, text]))(
    "%s is answered 2xx or 4xx by every endpoint",
    { timeout: 60_000 },
    async (_, text) => {
      for (const [path, key] of [
        ["/v1/events", keys.write],
        ["/v1/batch", keys.write],
        ["/v1/query", keys.read],
      ] as const) {
        const count = await eventCount();
        const res = await post(path, key, { text, gzip: false });
        const answer = await res.text();
        expect(res.status, `${path}: ${answer.slice(0, 300)}`).toBeLessThan(500);
        if (res.status >= 400) expect(await eventCount(), path).toBe(count);
      }
    },
  );
});
