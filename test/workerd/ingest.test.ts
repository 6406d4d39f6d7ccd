import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";

const origin = "http://flamingo.test";
const WRITE = "demo-write-key";
const READ = "demo-read-key";
const T = Date.parse("2026-11-20T10:00:00Z");

let n = 0;
const unique = (p: string) => `${p}-${Date.now().toString(36)}-${n++}`;

function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  return exports.default.fetch(`${origin}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

async function visitor(id: string, key = READ) {
  const res = await exports.default.fetch(`${origin}/v1/visitors/${encodeURIComponent(id)}`, {
    headers: { authorization: `Bearer ${key}` },
  });
  return {
    status: res.status,
    body: (await res.json()) as {
      profile: { eventCount: number; properties: Record<string, unknown> };
      events: { id: string; name: string; time: number; properties: Record<string, unknown> }[];
    },
  };
}

describe("native ingest", () => {
  it("accepts a batch, answers per event, and the events are readable at once", async () => {
    const v = unique("v");
    const res = await post(
      "/v1/events",
      {
        events: [
          {
            id: unique("e"),
            visitor: v,
            name: "search",
            time: T,
            properties: { deal: "SFO-NYC", cart: { total: 10 } },
          },
          { visitor: v, name: "identify", visitorProperties: { plan: "pro" } },
        ],
      },
      { authorization: `Bearer ${WRITE}` },
    );
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      results: { status: string; id: string }[];
      actions: unknown[];
    };
    expect(body.results.map((r) => r.status)).toEqual(["accepted", "accepted"]);
    expect(body.results[1]!.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(body.actions).toEqual([]);
    const read = await visitor(v);
    expect(read.status).toBe(200);
    expect(read.body.profile.eventCount).toBe(2);
    expect(read.body.profile.properties).toEqual({ plan: "pro" });
    expect(read.body.events.map((e) => e.name).sort()).toEqual(["identify", "search"]);
    expect(read.body.events.find((e) => e.name === "search")!.properties).toEqual({
      deal: "SFO-NYC",
      "cart.total": 10,
    });
  });

  it("accepts navigator.sendBeacon's text/plain body with the key in the query", async () => {
    const v = unique("v");
    const res = await post(
      `/v1/events?key=${WRITE}`,
      JSON.stringify({ events: [{ visitor: v, name: "pageview" }] }),
      { "content-type": "text/plain;charset=UTF-8" },
    );
    expect(res.status).toBe(200);
    expect((await visitor(v)).body.profile.eventCount).toBe(1);
  });

  it("stores a retried batch once and answers its events as duplicates", async () => {
    const v = unique("v");
    const batch = {
      events: [{ id: unique("e"), visitor: v, name: "purchase", properties: { price: 5 } }],
    };
    await post("/v1/events", batch, { authorization: `Bearer ${WRITE}` });
    const again = (await (
      await post("/v1/events", batch, { authorization: `Bearer ${WRITE}` })
    ).json()) as { results: { status: string }[] };
    expect(again.results[0]!.status).toBe("duplicate");
    expect((await visitor(v)).body.profile.eventCount).toBe(1);
  });

  it("rejects one bad event alone and keeps the good ones", async () => {
    const v = unique("v");
    const res = await post(
      "/v1/events",
      {
        events: [
          { visitor: v, name: "ok-1" },
          { visitor: v, name: "too-late", time: Date.now() + 3 * 86_400_000 },
          { visitor: v, name: "long", properties: { x: "y".repeat(9000) } },
          { visitor: "", name: "no-visitor" },
          { visitor: v, name: "ok-2" },
        ],
      },
      { authorization: `Bearer ${WRITE}` },
    );
    expect(res.status).toBe(200);
    const { results } = (await res.json()) as { results: { status: string; code?: string }[] };
    expect(results.map((r) => r.code ?? r.status)).toEqual([
      "accepted",
      "time_in_future",
      "value_too_long",
      expect.any(String),
      "accepted",
    ]);
    expect(results[3]!.status).toBe("rejected");
    expect((await visitor(v)).body.profile.eventCount).toBe(2);
  });

  it("answers 400 when every event of a request is refused", async () => {
    const res = await post(
      "/v1/events",
      { events: [{ visitor: "v", name: "x", time: "not a time" }] },
      { authorization: `Bearer ${WRITE}` },
    );
    expect(res.status).toBe(400);
  });

  it("corrects event times by the batch's clock skew", async () => {
    const v = unique("v");
    const now = Date.now();
    const clientClock = now - 10 * 60_000; // the device is 10 minutes behind
    await post(
      "/v1/events",
      { sentAt: clientClock, events: [{ visitor: v, name: "a", time: clientClock - 1000 }] },
      { authorization: `Bearer ${WRITE}` },
    );
    const [e] = (await visitor(v)).body.events;
    expect(Math.abs(e!.time - (now - 1000))).toBeLessThan(5000);
  });
});

describe("request errors", () => {
  const cases: [string, () => Promise<Response>, number, string][] = [
    ["no key", () => post("/v1/events", { events: [] }), 401, "missing_key"],
    [
      "an unknown key",
      () => post("/v1/events", { events: [] }, { authorization: "Bearer nope" }),
      401,
      "invalid_key",
    ],
    [
      "a read key used to write",
      () => post("/v1/events", { events: [] }, { authorization: `Bearer ${READ}` }),
      403,
      "wrong_key_kind",
    ],
    [
      "invalid JSON",
      () => post("/v1/events", "{nope", { authorization: `Bearer ${WRITE}` }),
      400,
      "invalid_json",
    ],
    [
      "a body that is not a batch",
      () => post("/v1/events", { hello: 1 }, { authorization: `Bearer ${WRITE}` }),
      400,
      expect.any(String) as unknown as string,
    ],
    [
      "too many events",
      () =>
        post(
          "/v1/events",
          { events: Array.from({ length: 1001 }, () => ({ visitor: "v", name: "x" })) },
          { authorization: `Bearer ${WRITE}` },
        ),
      413,
      "too_many_events",
    ],
    [
      "a body over 1 MiB",
      () => post("/v1/events", "x".repeat(1024 * 1024 + 1), { authorization: `Bearer ${WRITE}` }),
      413,
      "body_too_large",
    ],
  ];
  for (const [what, send, status, code] of cases) {
    it(`answers ${status} for ${what}, naming the problem`, async () => {
      const res = await send();
      expect(res.status).toBe(status);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toEqual(code);
      expect(body.error.message.length).toBeGreaterThan(5);
    });
  }

  it("answers CORS preflights for any origin", async () => {
    const res = await exports.default.fetch(`${origin}/v1/events`, {
      method: "OPTIONS",
      headers: {
        origin: "https://shop.example.com",
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type",
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
  });
});

describe("projects", () => {
  const admin = { authorization: "Bearer test-admin-token" };

  it("keeps one project's keys away from another project's data", async () => {
    const id = unique("acme").toLowerCase();
    const created = await post("/v1/admin/projects", { id, partitions: 2 }, admin);
    expect(created.status).toBe(201);
    const { keys } = (await created.json()) as { keys: { write: string; read: string } };
    const v = unique("shared-visitor");
    await post(
      "/v1/events",
      { events: [{ visitor: v, name: "acme-only" }] },
      { authorization: `Bearer ${keys.write}` },
    );
    expect((await visitor(v, keys.read)).body.events.map((e) => e.name)).toEqual(["acme-only"]);
    expect((await visitor(v, READ)).status).toBe(404);
    expect((await visitor(v, keys.write)).status).toBe(403);
  });

  it("rotates a key: the new one works and the old one stops", async () => {
    const id = unique("rot").toLowerCase();
    const { keys } = (await (await post("/v1/admin/projects", { id }, admin)).json()) as {
      keys: { write: string };
    };
    const rotated = (await (
      await post(`/v1/admin/projects/${id}/keys/write`, {}, admin)
    ).json()) as { key: string };
    expect(rotated.key).not.toBe(keys.write);
    expect(
      (
        await post(
          "/v1/events",
          { events: [{ visitor: "v", name: "x" }] },
          { authorization: `Bearer ${keys.write}` },
        )
      ).status,
    ).toBe(401);
    expect(
      (
        await post(
          "/v1/events",
          { events: [{ visitor: "v", name: "x" }] },
          { authorization: `Bearer ${rotated.key}` },
        )
      ).status,
    ).toBe(200);
  });

  it("refuses the admin API without the admin token", async () => {
    expect((await post("/v1/admin/projects", { id: "x" })).status).toBe(401);
    expect((await post("/v1/admin/projects", { id: "Bad Id!" }, admin)).status).toBe(400);
  });
});

describe("bodies without a declared length", () => {
  it("stops a chunked Woopra push at the body limit with a 413", async () => {
    const chunk = new TextEncoder().encode("x".repeat(64 * 1024));
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent > 2 * 1024 * 1024) return controller.close();
        sent += chunk.length;
        controller.enqueue(chunk);
      },
    });
    const res = await exports.default.fetch(`${origin}/track/push/`, {
      method: "POST",
      headers: { "content-type": "multipart/form-data; boundary=b" },
      body,
      duplex: "half",
    } as RequestInit);
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("body_too_large");
  });
});

describe("PostHog's opt-in v1 endpoint", () => {
  it("takes a Bearer write key and answers results keyed by event uuid", async () => {
    const uuid = crypto.randomUUID();
    const v = unique("ph");
    const res = await post(
      "/i/v1/analytics/events",
      {
        created_at: new Date().toISOString(),
        batch: [
          {
            event: "clicked",
            uuid,
            distinct_id: v,
            timestamp: new Date().toISOString(),
            properties: { x: 1 },
          },
        ],
      },
      { authorization: `Bearer ${WRITE}` },
    );
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ results: { [uuid]: { result: "ok" } } });
    expect((await visitor(v)).body.events.map((e) => e.id)).toEqual([uuid]);
  });
});
