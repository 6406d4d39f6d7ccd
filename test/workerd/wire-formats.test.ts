/**
 * Every SDK request of src/edge/formats/fixtures.ts, sent over HTTP to the Worker as the SDK sends
 * it (only the project's name changed to `demo`): the answer is what that SDK expects, and the
 * events are then readable under their visitors. Storage is shared by the tests of this file, so
 * each fixture is delivered once (`delivered`) and the tests that read its data await that.
 */
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { fixtures, type WireRequest } from "../../src/edge/formats/fixtures.ts";
import {
  answerOf,
  asDemo,
  DEMO_WRITE_KEY,
  gzip,
  requestInit,
  type Answer,
} from "../helpers/wire-requests.ts";

const origin = "http://flamingo.test";
const T0 = Date.parse("2024-01-01T00:00:00.000Z");
const MiB = 1024 * 1024;

interface StoredEvent {
  id: string;
  name: string;
  time: number;
  receivedAt: number;
  properties: Record<string, unknown>;
}
interface View {
  profile: { eventCount: number; properties: Record<string, unknown> };
  events: StoredEvent[];
}

async function send(f: WireRequest): Promise<Answer> {
  return answerOf(await exports.default.fetch(`${origin}${f.path}`, await requestInit(f)));
}

const once = new Map<WireRequest, Promise<Answer>>();
/** The answer to the fixture, sent (as the demo project's) the first time it is asked for. */
function delivered(f: WireRequest): Promise<Answer> {
  let answer = once.get(f);
  if (answer === undefined) once.set(f, (answer = send(asDemo(f))));
  return answer;
}

async function visitor(id: string): Promise<View> {
  const res = await exports.default.fetch(`${origin}/v1/visitors/${encodeURIComponent(id)}`, {
    headers: { authorization: "Bearer demo-read-key" },
  });
  expect(res.status, `GET /v1/visitors/${id}`).toBe(200);
  return (await res.json()) as View;
}

const byId = (view: View, id: string) => view.events.find((e) => e.id === id);
const get = async (path: string) => answerOf(await exports.default.fetch(`${origin}${path}`));
/** A hand-made request, sent as is (no gzip added). */
const post = async (path: string, body: BodyInit, headers: Record<string, string> = {}) =>
  answerOf(await exports.default.fetch(`${origin}${path}`, { method: "POST", headers, body }));

describe("Segment, as @segment/analytics-node sends it", () => {
  const batchIds = JSON.parse(fixtures.segmentBatch.body).batch.map(
    (m: { messageId: string }) => m.messageId,
  ) as string[];
  const basicAuth = asDemo(fixtures.segmentBatch).headers;

  it("answers a batch with Basic auth 200 and success, accepting every message", async () => {
    const { status, json } = await delivered(fixtures.segmentBatch);
    expect(status).toBe(200);
    expect(json.success).toBe(true);
    expect(json.results).toEqual(batchIds.map((id) => ({ status: "accepted", id })));
  });

  it("stores the batch under userId (anonymousId for the page) with Segment's names mapped", async () => {
    await delivered(fixtures.segmentBatch);
    const user = await visitor("u-1");
    expect(user.events.map((e) => [e.id, e.name]).sort()).toEqual([
      ["node-next-1704067200000-m1", "Order Completed"],
      ["node-next-1704067200001-m2", "identify"],
      ["node-next-1704067200003-m4", "screen"],
      ["node-next-1704067200004-m5", "group"],
      ["node-next-1704067200005-m6", "alias"],
    ]);
    expect(byId(user, batchIds[0]!)!.properties).toMatchObject({
      orderId: "o-1",
      total: 99.5,
      anonymousId: "anon-1",
      "context.ip": "1.2.3.4",
      "context.library.name": "@segment/analytics-node",
    });
    expect(Object.keys(byId(user, batchIds[0]!)!.properties)).not.toContain("context.traits.plan");
    expect(byId(user, batchIds[3]!)!.properties).toMatchObject({ name: "Home", variant: "b" });
    expect(byId(user, batchIds[4]!)!.properties).toMatchObject({
      groupId: "g-1",
      "group.name": "Acme",
      "group.employees": 50,
    });
    expect(byId(user, batchIds[5]!)!.properties).toMatchObject({ previousId: "anon-1" });
    const anon = await visitor("anon-1");
    expect(anon.events.map((e) => [e.id, e.name])).toEqual([[batchIds[2], "pageview"]]);
    expect(anon.events[0]!.properties).toMatchObject({
      name: "Pricing",
      category: "Docs",
      url: "https://example.com/pricing",
      "context.page.referrer": "https://google.com/",
      "context.userAgent": "Mozilla/5.0",
    });
  });

  it("puts identify traits, and nothing from context.traits, in the visitor's profile", async () => {
    await delivered(fixtures.segmentBatch);
    expect((await visitor("u-1")).profile.properties).toEqual({ email: "a@b.c", plan: "pro" });
    expect((await visitor("anon-1")).profile.properties).toEqual({});
  });

  it("moves times onto the receive clock by receivedAt - sentAt, keeping their spacing", async () => {
    // The fixtures' sentAt (2024) is years behind the receive clock, far outside the 60 s dead
    // zone, so Segment's rule applies: time = timestamp + (receivedAt - sentAt).
    await delivered(fixtures.segmentBatch);
    const user = await visitor("u-1");
    for (const [i, id] of batchIds.entries()) {
      const e = byId(user, id) ?? byId(await visitor("anon-1"), id)!;
      expect(e.time - e.receivedAt, id).toBe(T0 + i - (T0 + 1000));
    }
  });

  it("keeps times exactly as sent when sentAt is within 60 s of the receive clock", async () => {
    const body = JSON.parse(asDemo(fixtures.segmentTrack).body!) as Record<string, unknown>;
    const sent = Date.now() - 5000;
    const userId = `u-dead-zone-${sent}`;
    Object.assign(body, { userId, messageId: `m-${userId}`, sentAt: new Date(sent).toISOString() });
    body["timestamp"] = new Date(sent - 700).toISOString();
    const { status } = await post("/v1/track", JSON.stringify(body), fixtures.segmentTrack.headers);
    expect(status).toBe(401); // the fixture's own key: WK is no key of this Worker
    expect((await post("/v1/track", JSON.stringify(body), basicAuth)).status).toBe(200);
    expect((await visitor(userId)).events[0]!.time).toBe(sent - 700);
  });

  it("answers a resent batch 200 with every message a duplicate, and counts nothing twice", async () => {
    await delivered(fixtures.segmentBatch);
    const before = (await visitor("u-1")).profile.eventCount;
    expect(before).toBe(5);
    const again = await send(asDemo(fixtures.segmentBatch));
    expect(again.status).toBe(200);
    expect(again.json.success).toBe(true);
    expect(again.json.results).toEqual(batchIds.map((id) => ({ status: "duplicate", id })));
    expect((await visitor("u-1")).profile.eventCount).toBe(before);
    expect((await visitor("anon-1")).profile.eventCount).toBe(1);
  });

  it("accepts a retried batch (X-Retry-Count) whose write key is in the body", async () => {
    const { status, json } = await delivered(fixtures.segmentBatchWriteKeyInBody);
    expect(status).toBe(200);
    expect(json.success).toBe(true);
    const [e] = (await visitor("anon-2")).events;
    expect([e!.id, e!.name, e!.time - e!.receivedAt]).toEqual([
      "node-next-1704067200000-m7",
      "Signed Up",
      -2000,
    ]);
  });

  it("accepts a single /v1/track call", async () => {
    const { status, json } = await delivered(fixtures.segmentTrack);
    expect(status).toBe(200);
    expect(json).toMatchObject({ success: true, results: [{ status: "accepted", id: "m-8" }] });
    const [e] = (await visitor("u-3")).events;
    expect([e!.id, e!.name, e!.properties["query"]]).toEqual(["m-8", "Search", "shoes"]);
  });

  it("drops (400, success false) a batch whose every message is invalid, never a 5xx", async () => {
    const batch = [
      { type: "track", event: "x" },
      { type: "nope", userId: "u" },
    ];
    const res = await post("/v1/batch", JSON.stringify({ batch }), basicAuth);
    expect(res.status).toBe(400);
    expect(res.json.success).toBe(false);
    expect(res.json.results.map((r: { code: string }) => r.code)).toEqual([
      "missing_visitor",
      "unknown_type",
    ]);
  });

  it("answers 413 to a batch body over 1 MiB", async () => {
    const body = JSON.stringify({ batch: [{ type: "track", event: "x", userId: "big" }] });
    const res = await post("/v1/batch", body.replace('"x"', `"${"x".repeat(MiB)}"`), basicAuth);
    expect([res.status, res.json.error.code]).toEqual([413, "body_too_large"]);
  });
});

describe("Woopra, as its Node SDK and browser tracker send it", () => {
  const gets = Object.values(fixtures).filter(
    (f): f is typeof f & { method: "GET" } => f.method === "GET",
  );
  expect(gets.length).toBe(6);

  for (const f of gets) {
    const json = f.path.includes("response=json");
    it(`answers ${f.sdk} with 200 and ${json ? "JSON" : "a GIF pixel"}`, async () => {
      const { status, type, bytes, json: body } = await delivered(f);
      expect(status).toBe(200);
      if (json) {
        expect(type).toMatch(/^application\/json/);
        expect(body.success).toBe(true);
      } else {
        expect(type).toBe("image/gif");
        expect(new TextDecoder().decode(bytes.subarray(0, 6))).toBe("GIF89a");
      }
    });
  }

  it("answers JSON to a ping that asks for response=json", async () => {
    const f = asDemo(fixtures.woopraBrowserPing);
    const { status, json } = await send({ ...f, path: `${f.path}&response=json` });
    expect([status, json]).toEqual([200, { success: true, results: [], actions: [] }]);
  });

  it("answers a multipart beacon push 200 JSON, one result per non-ping line", async () => {
    const { status, json } = await delivered(fixtures.woopraPush);
    expect(status).toBe(200);
    expect(json.success).toBe(true);
    expect(json.results.map((r: { status: string }) => r.status)).toEqual([
      "accepted",
      "accepted",
      "accepted",
    ]);
    expect(json.results[0].id).toBe("act-2");
  });

  it("stores the Node SDK's track under its cookie, at its timestamp, with cv_* in the profile", async () => {
    await delivered(fixtures.woopraNodeTrack);
    const view = await visitor("ck-123");
    expect(view.profile.properties).toEqual({ plan: "pro", email: "a@b.c" });
    const [e] = view.events;
    expect([e!.name, e!.time]).toEqual(["flight_search", 1704067200000]);
    expect(e!.properties).toEqual({
      deal: "SFO-NYC",
      price: "99",
      "context.ip": "1.2.3.4",
      "context.userAgent": "Mozilla/5.0",
      "context.locale": "en",
      "context.screen": "1024x768",
      "context.library.name": "node",
    });
  });

  it("stores the Node SDK's cookieless identify under cv_email, without its null defaults", async () => {
    await delivered(fixtures.woopraNodeIdentify);
    const view = await visitor("a@b.c");
    expect(view.profile.properties).toEqual({ email: "a@b.c", name: "Ann Lee" });
    expect(view.events.map((e) => [e.name, e.properties])).toEqual([
      ["identify", { "context.library.name": "node" }],
    ]);
  });

  it("stores the browser's pageview, update and beacon lines under the cookie ck-9", async () => {
    const { woopraBrowserTrack, woopraBrowserUpdate, woopraBrowserPing, woopraPush } = fixtures;
    for (const f of [woopraBrowserTrack, woopraBrowserUpdate, woopraBrowserPing, woopraPush])
      await delivered(f);
    const view = await visitor("ck-9");
    expect(view.profile.properties).toEqual({ id: "u-9", email: "a@b.c", plan: "pro" });
    expect(view.events.map((e) => e.name).sort()).toEqual([
      "identify",
      "pv",
      "pv",
      "update",
      "update",
    ]);
    expect(byId(view, "act-1")!.properties).toMatchObject({
      url: "https://example.com/",
      title: "Home",
      "session.campaign": "spring",
      "org.name": "Acme",
      "context.page.referrer": "https://google.com/",
    });
    expect(byId(view, "act-2")!.properties).toMatchObject({ duration: 1500, title: "Pricing" });
    const updates = view.events.filter((e) => e.name === "update");
    for (const update of updates) {
      expect(update.properties).toMatchObject({ actionId: "act-1", action: "pv", duration: 12345 });
    }
    // A query value stays text; a beacon line keeps its JSON type (docs/wire-formats.md).
    const depths = updates.map((e) => JSON.stringify(e.properties["scroll depth"]));
    expect(depths.sort()).toEqual(['"0.75"', "0.75"]);
  });

  it("stores the quirky request's event and drops its [object Object] value", async () => {
    await delivered(fixtures.woopraQuirks);
    const [e] = (await visitor("ck-7")).events;
    expect([e!.name, e!.properties]).toEqual(["search", { q: "shoes" }]);
  });

  it("answers 404 with a JSON error to a site that names no project", async () => {
    const res = await send(fixtures.woopraNodeTrack); // verbatim: website=example.com
    expect([res.status, res.type, res.json.error.code]).toEqual([
      404,
      "application/json",
      "unknown_project",
    ]);
    expect(res.json.error.message).toContain("example.com");
  });

  it("answers 400 with a JSON error to a request that names no site", async () => {
    const res = await get("/track/ce?cookie=ck-7&event=x");
    expect([res.status, res.json.error.code]).toEqual([400, "missing_project"]);
  });

  it("drops with a 4xx, never a 5xx, a request whose only event is invalid", async () => {
    const noVisitor = await get("/track/ce?website=demo&event=x");
    expect([noVisitor.status, noVisitor.type]).toEqual([400, "image/gif"]);
    const noAction = await get("/track/update/?project=demo&cookie=ck-1&duration=5&response=json");
    expect(noAction.status).toBe(400);
    expect(noAction.json.results[0].code).toBe("missing_action_id");
  });

  it("answers 413 to a beacon push over 1 MiB", async () => {
    const line = JSON.stringify({ endpoint: "ce", params: { project: "demo", cookie: "big" } });
    const res = await send({
      ...fixtures.woopraPush,
      form: { payload: `${line}\n`.repeat(MiB / 40) },
    });
    expect([res.status, res.json.error.code]).toEqual([413, "body_too_large"]);
  });
});

describe("PostHog, as posthog-node sends it", () => {
  const capture = asDemo(fixtures.posthogCapture);

  it("answers a gzipped /batch/ 200, accepting every event under its uuid", async () => {
    const { status, json } = await delivered(fixtures.posthogBatch);
    expect(status).toBe(200);
    expect(json.status).toBe(1);
    expect(json.results.map((r: { id: string }) => r.id)).toEqual(
      [1, 2, 3, 4].map((i) => `0190c8a0-0000-7000-8000-00000000000${i}`),
    );
  });

  it("stores the batch under distinct_id, with $set in the profile and $set_once on the event", async () => {
    await delivered(fixtures.posthogBatch);
    const view = await visitor("d-1");
    expect(view.profile.properties).toEqual({ email: "a@b.c", plan: "pro" });
    expect(view.events.map((e) => e.name).sort()).toEqual([
      "$create_alias",
      "$identify",
      "$pageview",
    ]);
    const identify = view.events.find((e) => e.name === "$identify")!;
    expect(identify.properties).toEqual({
      "$set_once.$initial_referrer": "https://google.com/",
      $anon_distinct_id: "anon-ph",
      $lib: "posthog-node",
    });
    const pageview = view.events.find((e) => e.name === "$pageview")!;
    expect(pageview.properties).toMatchObject({ "$groups.company": "acme" });
    expect(pageview.time - pageview.receivedAt).toBe(-1000); // sent_at is T0 + 1 s
    const group = await visitor("$company_acme");
    expect(group.events[0]!.properties).toMatchObject({ "$group_set.name": "Acme Inc" });
  });

  it("accepts the single-event /capture/ without the token among its properties", async () => {
    const { status } = await delivered(fixtures.posthogCapture);
    expect(status).toBe(200);
    const e = (await visitor("d-2")).events.find((x) => x.time === T0)!;
    expect([e.name, e.properties]).toEqual(["signed_up", { plan: "free" }]);
  });

  for (const path of ["/capture", "/e/", "/e", "/i/v0/e/", "/i/v0/e", "/batch"]) {
    it(`accepts an event on ${path}`, async () => {
      const { status, json } = await send({ ...capture, path });
      expect([status, json.status]).toEqual([200, 1]);
      expect(byId(await visitor("d-2"), json.results[0].id)?.name).toBe("signed_up");
    });
  }

  it("accepts posthog-js's ?compression=gzip-js body, gzipped without a header", async () => {
    const { status, json } = await send({ ...capture, path: "/e/?compression=gzip-js" });
    expect([status, json.status]).toEqual([200, 1]);
    expect(byId(await visitor("d-2"), json.results[0].id)?.name).toBe("signed_up");
  });

  it("answers /flags/?v=2 with no flag set", async () => {
    const { status, json } = await delivered(fixtures.posthogFlags);
    expect(status).toBe(200);
    expect(json).toMatchObject({ flags: {} });
  });

  it("answers 400 naming the problem to a corrupt gzip body", async () => {
    const res = await post("/batch/", capture.body!, { "Content-Encoding": "gzip" });
    expect(res.status).toBe(400);
    expect(res.json.error).toMatchObject({
      code: "invalid_body",
      message: expect.stringMatching(/gzip/),
    });
  });

  it("drops (400, status 0) a batch whose every event is invalid, never a 5xx", async () => {
    const body = { api_key: DEMO_WRITE_KEY, batch: [{ event: "x" }, { distinct_id: "d" }] };
    const res = await post("/batch/", JSON.stringify(body));
    expect([res.status, res.json.status]).toEqual([400, 0]);
    expect(res.json.results.map((r: { code: string }) => r.code)).toEqual([
      "missing_visitor",
      "missing_name",
    ]);
  });

  it("answers 413 to a gzipped body over 1 MiB once decompressed", async () => {
    const big = JSON.stringify({ ...JSON.parse(capture.body!), pad: "x".repeat(MiB) });
    const res = await post("/batch/", await gzip(big), { "Content-Encoding": "gzip" });
    expect([res.status, res.json.error.code]).toEqual([413, "body_too_large"]);
  });
});
