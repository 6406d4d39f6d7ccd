/**
 * The authorization matrix (issue 8): every endpoint the Worker mounts (src/edge/index.ts) against
 * every kind of credential, with the status each cell must answer, as one table. A second project
 * is created through the admin API so that "another project's keys" are real keys; the checks
 * after the table show that those keys open only their own project, never the demo project's data.
 *
 * Columns: none, malformed (`Basic` that is not base64), wrong (a key nobody issued), the demo
 * project's write / read / admin keys, the other project's three keys, a read token scoped to one
 * demo visitor, an expired read token, and the `ADMIN_TOKEN` (test-admin-token).
 */
import { env, exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import type { Env } from "../../src/edge/env.ts";
import { mintToken } from "../../src/edge/tokens.ts";
import { openBlock } from "../../src/flam/index.ts";

const origin = "http://flamingo.test";
const T0 = Date.parse("2026-11-20T10:00:00Z");
const run = crypto.randomUUID().slice(0, 8);

const COLUMNS = [
  "none",
  "malformed",
  "wrong",
  "write",
  "read",
  "admin",
  "otherWrite",
  "otherRead",
  "otherAdmin",
  "visitorToken",
  "expiredToken",
  "adminToken",
] as const;
type Column = (typeof COLUMNS)[number];

/** The credentials of each column, filled in `beforeAll`. */
const creds = {} as Record<Column, string | null>;
/** Ids the rows need: the other project, definitions of the demo project. */
const ids = { other: `mx-other-${run}`, rotate: `mx-rot-${run}`, segment: "", trigger: "" };
let counter = 0;

interface Req {
  method: string;
  path: string;
  body?: unknown;
}

function fetchAs(column: Column | null, req: Req): Promise<Response> {
  const key = column === null ? null : creds[column];
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (column === "malformed") headers["authorization"] = "Basic !!not-base64!!";
  else if (key !== null) headers["authorization"] = `Bearer ${key}`;
  return exports.default.fetch(`${origin}${req.path}`, {
    method: req.method,
    headers,
    ...(req.body === undefined ? {} : { body: JSON.stringify(req.body) }),
  });
}

const seg = () => ({ name: `mx seg ${run} ${counter++}`, definition: { did: "mx", atLeast: 1 } });
const trig = () => ({
  name: `mx trig ${run} ${counter++}`,
  when: { event: "mx-never" },
  segment: { did: "mx-never", atLeast: 1 },
  frequency: { everyTime: true },
  actions: [{ type: "tag", set: { mx: true } }],
});

/** A fresh demo definition for a DELETE cell to remove (so the row's other cells keep theirs). */
async function freshDemo(plural: "segments" | "triggers"): Promise<string> {
  const res = await fetchAs("admin", {
    method: "POST",
    path: `/v1/${plural}`,
    body: plural === "segments" ? seg() : trig(),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

interface Row {
  endpoint: string;
  /** Who may call it, as docs and code say. */
  access: string;
  request: () => Req | Promise<Req>;
  /** One status per column, in COLUMNS order. */
  expect: readonly number[];
}

const event = () => ({ visitor: `mx-w-${counter}`, name: "mx", id: `mx-${run}-${counter++}` });

// prettier-ignore
const MATRIX: readonly Row[] = [
  //                                                                                       none malf wrong write read admin oW  oR  oA  tokV tokX adminT
  { endpoint: "POST /v1/events", access: "write key",
    request: () => ({ method: "POST", path: "/v1/events", body: { events: [event()] } }),      expect: [401, 401, 401, 200, 403, 403, 200, 403, 403, 401, 401, 401] },
  { endpoint: "POST /v1/batch (Segment)", access: "write key (Basic, Bearer or body writeKey)",
    request: () => ({ method: "POST", path: "/v1/batch", body: { batch: [{ type: "track", userId: "mx-s", event: "mx", messageId: `mx-${run}-${counter++}` }] } }),
                                                                                               expect: [401, 401, 401, 200, 403, 403, 200, 403, 403, 401, 401, 401] },
  { endpoint: "POST /v1/track (Segment)", access: "write key",
    request: () => ({ method: "POST", path: "/v1/track", body: { userId: "mx-s", event: "mx", messageId: `mx-${run}-${counter++}` } }),
                                                                                               expect: [401, 401, 401, 200, 403, 403, 200, 403, 403, 401, 401, 401] },
  { endpoint: "POST /batch/ (PostHog)", access: "write key (body api_key, else header)",
    request: () => ({ method: "POST", path: "/batch/", body: { batch: [{ event: "mx", distinct_id: "mx-p", uuid: `mx-${run}-${counter++}` }] } }),
                                                                                               expect: [401, 401, 401, 200, 403, 403, 200, 403, 403, 401, 401, 401] },
  { endpoint: "POST /i/v1/analytics/events (PostHog v1)", access: "write key",
    request: () => ({ method: "POST", path: "/i/v1/analytics/events", body: { batch: [{ event: "mx", distinct_id: "mx-p", uuid: `mx-${run}-${counter++}` }] } }),
                                                                                               expect: [401, 401, 401, 200, 403, 403, 200, 403, 403, 401, 401, 401] },
  { endpoint: "POST /flags (PostHog)", access: "public by design: answers that no flag is set, reads nothing",
    request: () => ({ method: "POST", path: "/flags", body: {} }),                            expect: [200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200] },
  { endpoint: "GET /track/ce (Woopra)", access: "public by design: no key, the website parameter names the project",
    request: () => ({ method: "GET", path: `/track/ce?website=demo&cookie=mx-wo&event=mx&idptnc=mx-${run}-${counter++}&response=json` }),
                                                                                               expect: [200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200] },
  { endpoint: "GET /track/ce (Woopra, unknown project)", access: "public by design; names no project",
    request: () => ({ method: "GET", path: "/track/ce?website=nobody.example&cookie=mx-wo&response=json" }),
                                                                                               expect: [404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404] },
  { endpoint: "GET /v1/visitors/:id", access: "read key; a demo visitor is absent from the other project",
    request: () => ({ method: "GET", path: "/v1/visitors/mx-a" }),                           expect: [401, 401, 401, 403, 200, 403, 403, 404, 403, 401, 401, 401] },
  { endpoint: "POST /v1/query", access: "read key",
    request: () => ({ method: "POST", path: "/v1/query", body: { from: "events", select: [{ fn: "count" }] } }),
                                                                                               expect: [401, 401, 401, 403, 200, 403, 403, 200, 403, 401, 401, 401] },
  { endpoint: "GET /v1/query/schema", access: "public by design: the query language, no data",
    request: () => ({ method: "GET", path: "/v1/query/schema" }),                            expect: [200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200] },
  { endpoint: "GET /v1/segments", access: "admin key",
    request: () => ({ method: "GET", path: "/v1/segments" }),                                expect: [401, 401, 401, 403, 403, 200, 403, 403, 200, 401, 401, 401] },
  { endpoint: "POST /v1/segments", access: "admin key",
    request: () => ({ method: "POST", path: "/v1/segments", body: seg() }),                  expect: [401, 401, 401, 403, 403, 201, 403, 403, 201, 401, 401, 401] },
  { endpoint: "GET /v1/segments/:id", access: "admin key of the segment's project",
    request: () => ({ method: "GET", path: `/v1/segments/${ids.segment}` }),                 expect: [401, 401, 401, 403, 403, 200, 403, 403, 404, 401, 401, 401] },
  { endpoint: "PUT /v1/segments/:id", access: "admin key of the segment's project",
    request: () => ({ method: "PUT", path: `/v1/segments/${ids.segment}`, body: { name: `mx kept ${run}`, definition: { did: "mx", atLeast: 2 } } }),
                                                                                               expect: [401, 401, 401, 403, 403, 200, 403, 403, 404, 401, 401, 401] },
  { endpoint: "DELETE /v1/segments/:id", access: "admin key of the segment's project",
    request: async () => ({ method: "DELETE", path: `/v1/segments/${await freshDemo("segments")}` }),
                                                                                               expect: [401, 401, 401, 403, 403, 204, 403, 403, 404, 401, 401, 401] },
  { endpoint: "GET /v1/segments/:id/members", access: "read key of the segment's project",
    request: () => ({ method: "GET", path: `/v1/segments/${ids.segment}/members` }),         expect: [401, 401, 401, 403, 200, 403, 403, 404, 403, 401, 401, 401] },
  { endpoint: "GET /v1/triggers", access: "admin key",
    request: () => ({ method: "GET", path: "/v1/triggers" }),                                expect: [401, 401, 401, 403, 403, 200, 403, 403, 200, 401, 401, 401] },
  { endpoint: "POST /v1/triggers", access: "admin key",
    request: () => ({ method: "POST", path: "/v1/triggers", body: trig() }),                 expect: [401, 401, 401, 403, 403, 201, 403, 403, 201, 401, 401, 401] },
  { endpoint: "GET /v1/triggers/:id", access: "admin key of the trigger's project",
    request: () => ({ method: "GET", path: `/v1/triggers/${ids.trigger}` }),                 expect: [401, 401, 401, 403, 403, 200, 403, 403, 404, 401, 401, 401] },
  { endpoint: "PUT /v1/triggers/:id", access: "admin key of the trigger's project",
    request: () => ({ method: "PUT", path: `/v1/triggers/${ids.trigger}`, body: { ...trig(), name: `mx kept trig ${run}` } }),
                                                                                               expect: [401, 401, 401, 403, 403, 200, 403, 403, 404, 401, 401, 401] },
  { endpoint: "DELETE /v1/triggers/:id", access: "admin key of the trigger's project",
    request: async () => ({ method: "DELETE", path: `/v1/triggers/${await freshDemo("triggers")}` }),
                                                                                               expect: [401, 401, 401, 403, 403, 204, 403, 403, 404, 401, 401, 401] },
  { endpoint: "GET /v1/triggers/:id/deliveries", access: "admin key (another project's: its own, empty list)",
    request: () => ({ method: "GET", path: `/v1/triggers/${ids.trigger}/deliveries` }),      expect: [401, 401, 401, 403, 403, 200, 403, 403, 200, 401, 401, 401] },
  { endpoint: "POST /v1/tokens", access: "read key (a token cannot mint tokens)",
    request: () => ({ method: "POST", path: "/v1/tokens", body: { ttlSeconds: 60 } }),       expect: [401, 401, 401, 403, 200, 403, 403, 200, 403, 401, 401, 401] },
  { endpoint: "GET /v1/export", access: "read key or an unexpired read token",
    request: () => ({ method: "GET", path: "/v1/export" }),                                  expect: [401, 401, 401, 403, 200, 403, 403, 200, 403, 200, 401, 401] },
  { endpoint: "GET /v1/stream", access: "read key",
    request: () => ({ method: "GET", path: "/v1/stream" }),                                  expect: [401, 401, 401, 403, 200, 403, 403, 200, 403, 401, 401, 401] },
  { endpoint: "GET /v1/stats", access: "read key (its own project's partitions)",
    request: () => ({ method: "GET", path: "/v1/stats" }),                                   expect: [401, 401, 401, 403, 200, 403, 403, 200, 403, 401, 401, 401] },
  { endpoint: "POST /v1/admin/projects", access: "ADMIN_TOKEN only (no project key)",
    request: () => ({ method: "POST", path: "/v1/admin/projects", body: { id: `mx-new-${run}-${counter++}` } }),
                                                                                               expect: [401, 401, 401, 401, 401, 401, 401, 401, 401, 401, 401, 201] },
  { endpoint: "POST /v1/admin/projects/:id/keys/:kind", access: "ADMIN_TOKEN only",
    request: () => ({ method: "POST", path: `/v1/admin/projects/${ids.rotate}/keys/read` }), expect: [401, 401, 401, 401, 401, 401, 401, 401, 401, 401, 401, 200] },
  { endpoint: "POST /v1/debug/partition-append", access: "mounted only with FLAMINGO_DEBUG=true (not here)",
    request: () => ({ method: "POST", path: "/v1/debug/partition-append", body: { events: [] } }),
                                                                                               expect: [404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404] },
  { endpoint: "POST /v1/debug/partition-abort", access: "mounted only with FLAMINGO_DEBUG=true (not here)",
    request: () => ({ method: "POST", path: "/v1/debug/partition-abort?project=demo&partition=p0" }),
                                                                                               expect: [404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404] },
  { endpoint: "POST /v1/debug/partition-overload", access: "mounted only with FLAMINGO_DEBUG=true (not here)",
    request: () => ({ method: "POST", path: "/v1/debug/partition-overload?project=demo&partition=p0", body: { stallMs: 1 } }),
                                                                                               expect: [404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404] },
  { endpoint: "GET /health", access: "public by design: service, version, kernels",
    request: () => ({ method: "GET", path: "/health" }),                                     expect: [200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200] },
  { endpoint: "GET /v1/no-such-route", access: "unknown route",
    request: () => ({ method: "GET", path: "/v1/no-such-route" }),                           expect: [404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404] },
];

async function ingestDemo(events: { id: string; visitor: string }[], key: string) {
  const res = await exports.default.fetch(`${origin}/v1/events`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}` },
    body: JSON.stringify({
      events: events.map((e, i) => ({ ...e, name: "mx-view", time: T0 + i })),
    }),
  });
  expect(res.status).toBe(200);
}

beforeAll(async () => {
  const admin = { authorization: "Bearer test-admin-token" };
  const created = await exports.default.fetch(`${origin}/v1/admin/projects`, {
    method: "POST",
    headers: admin,
    body: JSON.stringify({ id: ids.other, partitions: 2 }),
  });
  expect(created.status).toBe(201);
  const { keys } = (await created.json()) as { keys: Record<string, string> };
  const rot = await exports.default.fetch(`${origin}/v1/admin/projects`, {
    method: "POST",
    headers: admin,
    body: JSON.stringify({ id: ids.rotate }),
  });
  expect(rot.status).toBe(201);
  Object.assign(creds, {
    none: null,
    malformed: null,
    wrong: "fk_write_0000000000000000000000",
    write: "demo-write-key",
    read: "demo-read-key",
    admin: "demo-admin-key",
    otherWrite: keys["write"]!,
    otherRead: keys["read"]!,
    otherAdmin: keys["admin"]!,
    adminToken: "test-admin-token",
  });
  const token = await fetchAs("read", {
    method: "POST",
    path: "/v1/tokens",
    body: { visitor: "mx-a", ttlSeconds: 300 },
  });
  creds.visitorToken = ((await token.json()) as { token: string }).token;
  creds.expiredToken = await mintToken(env as Env, {
    p: "demo",
    exp: Math.floor(Date.now() / 1000) - 1,
  });

  await ingestDemo(
    [
      { id: `mx-a1-${run}`, visitor: "mx-a" },
      { id: `mx-a2-${run}`, visitor: "mx-a" },
      { id: `mx-b1-${run}`, visitor: "mx-b" },
    ],
    "demo-write-key",
  );
  await ingestDemo([{ id: `mx-o1-${run}`, visitor: "mx-o" }], creds.otherWrite!);
  ids.segment = await freshDemo("segments");
  ids.trigger = await freshDemo("triggers");
});

describe("the authorization matrix", () => {
  it("lists one status for every column of every row", () => {
    for (const row of MATRIX) expect(row.expect, row.endpoint).toHaveLength(COLUMNS.length);
  });

  it.each(MATRIX.map((row) => [row.endpoint, row] as const))(
    "%s answers each credential as the table says",
    async (_, row) => {
      const got: Record<string, number> = {};
      const want: Record<string, number> = {};
      for (const [i, column] of COLUMNS.entries()) {
        const res = await fetchAs(column, await row.request());
        got[column] = res.status;
        want[column] = row.expect[i]!;
        // A refusal never repeats the credential it was given.
        const key = creds[column];
        if (res.status >= 400) {
          const text = await res.text();
          if (key !== null) expect(text).not.toContain(key);
        } else await res.body?.cancel(); // the stream would run for 10 minutes
      }
      expect(got).toEqual(want);
    },
  );
});

async function rawEventIds(key: string, where?: unknown): Promise<string[]> {
  const q = await exports.default.fetch(`${origin}/v1/query`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}` },
    body: JSON.stringify({ from: "rawEvents", limit: 1000, ...(where ? { where } : {}) }),
  });
  expect(q.status).toBe(200);
  return ((await q.json()) as { rows: [string][] }).rows.map((r) => r[0]);
}

async function exportedIds(key: string): Promise<string[]> {
  const res = await exports.default.fetch(`${origin}/v1/export`, {
    headers: { authorization: `Bearer ${key}` },
  });
  expect(res.status).toBe(200);
  const buf = new Uint8Array(await res.arrayBuffer());
  const n = new DataView(buf.buffer).getUint32(0, true);
  const head = JSON.parse(new TextDecoder().decode(buf.subarray(4, 4 + n))) as {
    blocks: { length: number }[];
  };
  const out: string[] = [];
  let at = 4 + n;
  for (const b of head.blocks) {
    for (const e of openBlock(buf.subarray(at, at + b.length)).events())
      if (e.id.startsWith("mx-") && e.id.endsWith(run)) out.push(e.id);
    at += b.length;
  }
  return out.sort();
}

describe("another project's keys never reach the demo project's data", () => {
  it("its read key finds no demo visitor, event or segment", async () => {
    expect((await fetchAs("otherRead", { method: "GET", path: "/v1/visitors/mx-a" })).status).toBe(
      404,
    );
    expect((await fetchAs("read", { method: "GET", path: "/v1/visitors/mx-a" })).status).toBe(200);
    const theirs = await rawEventIds(creds.otherRead!);
    expect(theirs).toContain(`mx-o1-${run}`);
    // Exact ids: a prefix test matched the matrix's own `mx-${run}-n` ids when `run` began with
    // "a" or "b" (a flaky failure in CI).
    const demoIds = [`mx-a1-${run}`, `mx-a2-${run}`, `mx-b1-${run}`];
    expect(theirs.filter((id) => demoIds.includes(id))).toEqual([]);
    const ours = await rawEventIds("demo-read-key", {
      field: "visitor",
      op: "in",
      value: ["mx-a", "mx-b", "mx-o"],
    });
    expect(ours.sort()).toEqual(demoIds);
    expect(await exportedIds(creds.otherRead!)).toEqual([`mx-o1-${run}`]);
    const members = await fetchAs("otherRead", {
      method: "GET",
      path: `/v1/segments/${ids.segment}/members`,
    });
    expect(members.status).toBe(404);
  });

  it("its admin key neither lists, changes nor deletes demo definitions", async () => {
    const list = (await (
      await fetchAs("otherAdmin", { method: "GET", path: "/v1/segments" })
    ).json()) as { segments: { id: string }[] };
    expect(list.segments.map((s) => s.id)).not.toContain(ids.segment);
    const deliveries = (await (
      await fetchAs("otherAdmin", { method: "GET", path: `/v1/triggers/${ids.trigger}/deliveries` })
    ).json()) as { deliveries: unknown[] };
    expect(deliveries.deliveries).toEqual([]);
    for (const method of ["PUT", "DELETE"])
      expect(
        (
          await fetchAs("otherAdmin", {
            method,
            path: `/v1/segments/${ids.segment}`,
            body: method === "PUT" ? seg() : undefined,
          })
        ).status,
      ).toBe(404);
    expect(
      (await fetchAs("admin", { method: "GET", path: `/v1/segments/${ids.segment}` })).status,
    ).toBe(200);
  });

  it("a token it mints exports only its own project", async () => {
    const res = await fetchAs("otherRead", { method: "POST", path: "/v1/tokens", body: {} });
    const { token } = (await res.json()) as { token: string };
    expect(await exportedIds(token)).toEqual([`mx-o1-${run}`]);
  });

  it("its write key writes to its own project only", async () => {
    const id = `mx-o2-${run}`;
    await ingestDemo([{ id, visitor: "mx-a" }], creds.otherWrite!);
    const demo = await rawEventIds("demo-read-key", { field: "visitor", op: "eq", value: "mx-a" });
    expect(demo).not.toContain(id);
    expect(await rawEventIds(creds.otherRead!)).toContain(id);
  });
});

describe("read tokens stay in their scope", () => {
  it("a visitor-scoped token exports that visitor's events and no other's", async () => {
    expect(await exportedIds(creds.visitorToken!)).toEqual([`mx-a1-${run}`, `mx-a2-${run}`]);
  });

  it("a token opens no endpoint but the export, even for its own visitor", async () => {
    for (const req of [
      { method: "GET", path: "/v1/visitors/mx-a" },
      { method: "GET", path: "/v1/visitors/mx-b" },
      { method: "POST", path: "/v1/query", body: { from: "rawEvents" } },
      { method: "POST", path: "/v1/tokens", body: { visitor: "mx-b" } },
    ])
      expect((await fetchAs("visitorToken", req)).status, req.path).toBe(401);
  });

  it("an expired, forged or foreign-signed token is refused with 401", async () => {
    const forged = await mintToken(
      { ...(env as Env), FLAMINGO_DEMO: "false", TOKEN_SECRET: "another-secret-of-16+chars" },
      { p: "demo", exp: Math.floor(Date.now() / 1000) + 60 },
    );
    for (const token of [creds.expiredToken!, forged, "frt_e30.AAAA", "frt_"]) {
      const res = await exports.default.fetch(`${origin}/v1/export`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(res.status, token).toBe(401);
    }
  });
});
