/**
 * Secrets stay secret, and CORS is what beacons need (issue 8, docs/reliability.md "Security").
 *
 * A webhook secret is given once, on POST/PUT, and never shown again: not in definition
 * answers, deliveries, the `$fired` events of the log (query, export, visitor timeline), error
 * answers, nor anything the Worker logs. Keys and tokens are never repeated in an error.
 *
 * CORS: every route answers `Access-Control-Allow-Origin: *` without credentials. Beacons need it
 * (any site, `text/plain` or JSON bodies, `Authorization` and `Content-Encoding` headers); read
 * and admin routes allow it too, deliberately: their keys travel in `Authorization` or `?key=`,
 * never in cookies, so a page on another origin can only use a key it already holds, and `*`
 * forbids credentialed (cookie) requests outright. The checks below keep it that way: no
 * `Allow-Credentials`, no reflected origin, no `Set-Cookie`.
 */
import { exports } from "cloudflare:workers";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { openBlock } from "../../src/flam/index.ts";

const origin = "http://flamingo.test";
const run = crypto.randomUUID().slice(0, 8);
const SECRET = `mx-webhook-secret-${run}`;
const ADMIN = "demo-admin-key";
const READ = "demo-read-key";
const WRITE = "demo-write-key";
const T0 = Date.parse("2026-11-21T10:00:00Z");

function call(method: string, path: string, key: string, body?: unknown) {
  return exports.default.fetch(`${origin}${path}`, {
    method,
    headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

/** Fires on `mx-secret-${run}`; its receiver is a closed loopback port, so deliveries stay pending. */
const trigger = (secret = SECRET) => ({
  name: `secret keeper ${run}`,
  when: { event: `mx-secret-${run}` },
  segment: { did: `mx-secret-${run}`, atLeast: 1 },
  frequency: { everyTime: true },
  actions: [
    { type: "webhook", url: "http://127.0.0.1:9/hook", secret },
    { type: "inPage", payload: { hello: "world" } },
  ],
});

const logged: string[] = [];
const spies = (["log", "info", "warn", "error", "debug"] as const).map((level) =>
  vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
    logged.push(
      args.map((a) => (a instanceof Error ? `${a.message} ${a.stack}` : String(a))).join(" "),
    );
  }),
);
afterAll(() => spies.forEach((s) => s.mockRestore()));

let id = "";
const answers: string[] = [];
async function keep(res: Response): Promise<string> {
  const text = await res.text();
  answers.push(text);
  return text;
}

beforeAll(async () => {
  const created = await call("POST", "/v1/triggers", ADMIN, trigger());
  expect(created.status).toBe(201);
  id = (JSON.parse(await keep(created)) as { id: string }).id;
  const fired = await call("POST", "/v1/events", WRITE, {
    events: [{ id: `mx-s-${run}`, visitor: `mx-sv-${run}`, name: `mx-secret-${run}`, time: T0 }],
  });
  expect(fired.status).toBe(200);
  await keep(fired);
});

describe("webhook secrets", () => {
  it("are masked in every definition answer", async () => {
    const one = await keep(await call("GET", `/v1/triggers/${id}`, ADMIN));
    const all = await keep(await call("GET", "/v1/triggers", ADMIN));
    const put = await call("PUT", `/v1/triggers/${id}`, ADMIN, trigger());
    expect(put.status).toBe(200);
    const updated = await keep(put);
    for (const text of [answers[0]!, one, all, updated]) {
      expect(text).toContain('"secret":"***"');
      expect(text).not.toContain(SECRET);
    }
  });

  it("are not in deliveries, in the log's $fired events, in exports or in timelines", async () => {
    const deliveries = await keep(await call("GET", `/v1/triggers/${id}/deliveries`, ADMIN));
    expect(JSON.parse(deliveries)).toMatchObject({ deliveries: [{ status: expect.any(String) }] });
    const raw = await keep(
      await call("POST", "/v1/query", READ, {
        from: "rawEvents",
        where: { field: "visitor", op: "eq", value: `mx-sv-${run}` },
      }),
    );
    expect(raw).toContain("$fired");
    await keep(await call("GET", `/v1/visitors/mx-sv-${run}`, READ));
    const exported = await call("GET", "/v1/export", READ);
    expect(exported.status).toBe(200);
    const buf = new Uint8Array(await exported.arrayBuffer());
    const n = new DataView(buf.buffer).getUint32(0, true);
    const head = JSON.parse(new TextDecoder().decode(buf.subarray(4, 4 + n))) as {
      blocks: { length: number }[];
    };
    let at = 4 + n;
    let events = 0;
    for (const b of head.blocks) {
      for (const e of openBlock(buf.subarray(at, at + b.length)).events()) {
        events++;
        expect(JSON.stringify(e)).not.toContain(SECRET);
      }
      at += b.length;
    }
    expect(events).toBeGreaterThan(0);
    // The raw bytes too: a block stores strings as UTF-8.
    expect(new TextDecoder().decode(buf)).not.toContain(SECRET);
    for (const text of answers) expect(text).not.toContain(SECRET);
  });

  it("are not repeated by error answers about the definition that holds them", async () => {
    const bad = [
      { ...trigger(), frequency: { everyTime: false } },
      { ...trigger(), actions: [{ type: "webhook", url: "ftp://x", secret: SECRET }] },
      {
        ...trigger(),
        actions: [{ type: "webhook", url: "https://x.example", secret: SECRET, extra: 1 }],
      },
      { ...trigger(), unknown: SECRET.slice(0, 8) },
    ];
    for (const body of bad) {
      const res = await call("POST", "/v1/triggers", ADMIN, body);
      expect(res.status).toBe(400);
      expect(await res.text()).not.toContain(SECRET);
    }
    const taken = await call("POST", "/v1/triggers", ADMIN, trigger());
    expect(taken.status).toBe(409);
    expect(await taken.text()).not.toContain(SECRET);
  });

  it("and keys never reach the Worker's logs", () => {
    for (const line of logged)
      for (const s of [SECRET, WRITE, READ, ADMIN, "test-admin-token"])
        expect(line).not.toContain(s);
  });
});

describe("keys and tokens in errors", () => {
  it("a refused key or token is never repeated in the answer", async () => {
    const key = `fk_read_${run}_not_issued`;
    const token = `frt_${btoa('{"p":"demo","exp":1}')}.${run}`;
    for (const [path, k] of [
      ["/v1/visitors/x", key],
      ["/v1/export", token],
      ["/v1/query", key],
    ] as const) {
      const viaHeader =
        path === "/v1/query" ? await call("POST", path, k, {}) : await call("GET", path, k);
      const viaQuery = await exports.default.fetch(`${origin}${path}?key=${encodeURIComponent(k)}`);
      for (const res of [viaHeader, viaQuery]) {
        expect(res.status).toBeGreaterThanOrEqual(400);
        expect(await res.text()).not.toContain(k);
      }
    }
    // A write key where a read key is needed: the answer names the kind, not the key.
    const wrongKind = await call("GET", "/v1/visitors/x", WRITE);
    expect(wrongKind.status).toBe(403);
    expect(await wrongKind.text()).not.toContain(WRITE);
  });
});

const preflight = (path: string, method = "POST", headers = "content-type, authorization") =>
  exports.default.fetch(`${origin}${path}`, {
    method: "OPTIONS",
    headers: {
      origin: "https://shop.example",
      "access-control-request-method": method,
      "access-control-request-headers": headers,
    },
  });

describe("CORS", () => {
  it.each(["/v1/events", "/v1/batch"])(
    "a preflight for POST %s allows any origin, the beacon's headers, and no credentials",
    async (path) => {
      const res = await preflight(path, "POST", "content-type, authorization, content-encoding");
      expect(res.status).toBe(204);
      const h = res.headers;
      expect(h.get("access-control-allow-origin")).toBe("*");
      expect(h.get("access-control-allow-methods")?.split(",")).toContain("POST");
      const allowed = (h.get("access-control-allow-headers") ?? "").toLowerCase().split(",");
      for (const header of ["content-type", "authorization", "content-encoding"])
        expect(allowed).toContain(header);
      expect(h.get("access-control-allow-credentials")).toBeNull();
      expect(Number(h.get("access-control-max-age"))).toBeGreaterThan(0);
    },
  );

  it("an ingest answer is readable cross-origin, with Retry-After exposed", async () => {
    const res = await exports.default.fetch(`${origin}/v1/events?key=${WRITE}`, {
      method: "POST",
      headers: { origin: "https://shop.example", "content-type": "text/plain" },
      body: JSON.stringify({ events: [{ visitor: `mx-c-${run}`, name: "beacon" }] }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    expect(res.headers.get("access-control-expose-headers")).toContain("Retry-After");
  });

  it.each([
    ["GET", "/v1/visitors/x"],
    ["POST", "/v1/query"],
    ["GET", "/v1/export"],
    ["GET", "/v1/triggers"],
    ["POST", "/v1/admin/projects"],
  ])(
    "%s %s allows `*` but never credentials, a reflected origin or a cookie",
    async (method, path) => {
      const pre = await preflight(path, method);
      expect(pre.headers.get("access-control-allow-origin")).toBe("*");
      expect(pre.headers.get("access-control-allow-credentials")).toBeNull();
      const res = await exports.default.fetch(`${origin}${path}`, {
        method,
        headers: { origin: "https://evil.example", cookie: "session=1" },
      });
      expect(res.headers.get("access-control-allow-origin")).toBe("*");
      expect(res.headers.get("access-control-allow-credentials")).toBeNull();
      expect(res.headers.get("set-cookie")).toBeNull();
      // A cookie is not a credential here: the request is refused as if it carried nothing.
      expect(res.status).toBe(401);
      await res.text();
    },
  );
});
