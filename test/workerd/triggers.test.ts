import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { AIRLINE_TRIGGER } from "../../src/triggers/examples.ts";

const origin = "http://flamingo.test";
const WRITE = "demo-write-key";
const READ = "demo-read-key";
const ADMIN = "demo-admin-key";
const T0 = Date.parse("2026-11-20T10:00:00Z");

function call(method: string, path: string, key: string, body?: unknown) {
  return exports.default.fetch(`${origin}${path}`, {
    method,
    headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

const AIRLINE = AIRLINE_TRIGGER;

let seq = 0;
async function send(
  visitor: string,
  name: string,
  properties: Record<string, unknown> = {},
  visitorProperties = {},
) {
  const res = await call("POST", "/v1/events", WRITE, {
    events: [
      {
        id: `t-${visitor}-${seq}`,
        visitor,
        name,
        time: T0 + seq++ * 1000,
        properties,
        visitorProperties,
      },
    ],
  });
  expect(res.status).toBe(200);
  return (await res.json()) as { actions: { trigger: string; payload: { banner: string } }[] };
}

describe("triggers over HTTP", () => {
  let triggerId = "";

  it("refuses invalid definitions with the path and reason", async () => {
    const bad = await call("POST", "/v1/triggers", ADMIN, {
      ...AIRLINE,
      segment: { did: "search", inARow: 0 },
    });
    expect(bad.status).toBe(400);
    const body = (await bad.json()) as { error: { code: string; path: string; message: string } };
    expect(body.error.code).toBe("invalid_definition");
    expect(body.error.path).toBe("/segment/inARow");
    expect((await call("POST", "/v1/triggers", READ, AIRLINE)).status).toBe(403);
  });

  it("backfills a new trigger from history without firing for the past", async () => {
    // Three searches before the trigger exists...
    for (let i = 0; i < 3; i++)
      expect((await send("early", "search", { deal: "SFO-NYC" })).actions).toEqual([]);
    const res = await call("POST", "/v1/triggers", ADMIN, AIRLINE);
    expect(res.status).toBe(201);
    const created = (await res.json()) as {
      id: string;
      version: number;
      actions: { secret?: string }[];
    };
    triggerId = created.id;
    expect(created.version).toBe(1);
    expect(created.actions[1]!.secret).toBe("***");
    // ... count: the fourth completes the run and fires now.
    const fourth = await send("early", "search", { deal: "SFO-NYC" });
    expect(fourth.actions).toEqual([
      expect.objectContaining({
        trigger: triggerId,
        payload: { banner: "Save 20% if you book today!" },
      }),
    ]);
  });

  it("fires on the fourth same-deal search, resets on another deal, and fires once per visitor", async () => {
    const v = "flyer";
    expect((await send(v, "search", { deal: "A" })).actions).toEqual([]);
    expect((await send(v, "search", { deal: "A" })).actions).toEqual([]);
    expect((await send(v, "search", { deal: "B" })).actions).toEqual([]); // resets
    expect((await send(v, "search", { deal: "A" })).actions).toEqual([]);
    expect((await send(v, "search", { deal: "A" })).actions).toEqual([]);
    expect((await send(v, "search", { deal: "A" })).actions).toEqual([]);
    const fired = await send(v, "search", { deal: "A" });
    expect(fired.actions.map((a) => a.payload.banner)).toEqual(["Save 20% if you book today!"]);
    // Once per visitor: a later run of four does not fire again.
    await send(v, "pageview");
    for (let i = 0; i < 4; i++)
      expect((await send(v, "search", { deal: "C" })).actions).toEqual([]);
    // The tag action reached the profile.
    const profile = await exports.default.fetch(`${origin}/v1/visitors/${v}`, {
      headers: { authorization: `Bearer ${READ}` },
    });
    const view = (await profile.json()) as { profile: { properties: Record<string, unknown> } };
    expect(view.profile.properties["promo_sent"]).toBe(true);
  });

  it("never fires for a visitor who booked", async () => {
    await send("booker", "identify", {}, { booked: true });
    for (let i = 0; i < 5; i++)
      expect((await send("booker", "search", { deal: "A" })).actions).toEqual([]);
  });

  it("lists members and queues the webhook", async () => {
    const members = await call("GET", `/v1/segments/${triggerId}/members`, READ);
    expect(members.status).toBe(200);
    const m = (await members.json()) as { count: number; visitors: string[] };
    // The booker is out; "early" and "flyer" are in (their last four searches share a deal).
    expect(m.visitors).toEqual(expect.arrayContaining(["early", "flyer"]));
    expect(m.visitors).not.toContain("booker");
    const d = await call("GET", `/v1/triggers/${triggerId}/deliveries`, ADMIN);
    const { deliveries } = (await d.json()) as { deliveries: { visitor: string; url: string }[] };
    expect(deliveries.map((x) => x.visitor).sort()).toEqual(["early", "flyer"]);
    expect(JSON.stringify(deliveries)).not.toContain("s3cr3t");
  });

  it("updates and deletes a definition", async () => {
    const put = await call("PUT", `/v1/triggers/${triggerId}`, ADMIN, {
      ...AIRLINE,
      frequency: { everyTime: true },
    });
    expect(put.status).toBe(200);
    expect(((await put.json()) as { version: number }).version).toBe(2);
    const list = (await (await call("GET", "/v1/triggers", ADMIN)).json()) as {
      triggers: unknown[];
    };
    expect(list.triggers).toHaveLength(1);
    expect((await call("DELETE", `/v1/triggers/${triggerId}`, ADMIN)).status).toBe(204);
    expect((await call("GET", `/v1/triggers/${triggerId}`, ADMIN)).status).toBe(404);
    for (let i = 0; i < 4; i++)
      expect((await send("late", "search", { deal: "Z" })).actions).toEqual([]);
  });
});
