import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { openBlock } from "../../src/flam/index.ts";

const origin = "http://flamingo.test";
const WRITE = "demo-write-key";
const READ = "demo-read-key";
const T0 = Date.parse("2026-11-01T00:00:00Z");

function call(method: string, path: string, key: string, body?: unknown) {
  return exports.default.fetch(`${origin}${path}`, {
    method,
    headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

interface Export {
  cursor: string;
  more: boolean;
  blocks: { partition: string; sealed: boolean; first: number; count: number; length: number }[];
  events: { id: string; visitor: string }[];
}

async function exportWith(key: string, cursor = ""): Promise<Export> {
  const res = await call("GET", `/v1/export?cursor=${cursor}`, key);
  expect(res.status).toBe(200);
  const buf = new Uint8Array(await res.arrayBuffer());
  const n = new DataView(buf.buffer).getUint32(0, true);
  const head = JSON.parse(new TextDecoder().decode(buf.subarray(4, 4 + n))) as Omit<
    Export,
    "events"
  >;
  let at = 4 + n;
  const events: Export["events"] = [];
  for (const b of head.blocks) {
    events.push(...openBlock(buf.subarray(at, at + b.length)).events());
    at += b.length;
  }
  expect(at).toBe(buf.length);
  return { ...head, events };
}

describe("GET /v1/export and read tokens", () => {
  it("exports every event as FlaM blocks, resumable by cursor", async () => {
    const events = Array.from({ length: 40 }, (_, i) => ({
      id: `x-${i}`,
      visitor: `xv-${i % 5}`,
      name: "view",
      time: T0 + i,
      properties: { i },
    }));
    expect((await call("POST", "/v1/events", WRITE, { events })).status).toBe(200);
    const first = await exportWith(READ);
    const ours = first.events.filter((e) => e.id.startsWith("x-"));
    expect(ours.map((e) => e.id).sort()).toEqual(events.map((e) => e.id).sort());
    expect(first.more).toBe(false);
    // Nothing sealed yet: the next page repeats only the (unchanged) tail.
    const again = await exportWith(READ, first.cursor);
    expect(again.blocks.every((b) => !b.sealed)).toBe(true);
    expect(again.events.length).toBe(first.events.length);
  });

  it("mints tokens scoped to a visitor, and refuses forged, expired and wrong keys", async () => {
    const mint = await call("POST", "/v1/tokens", READ, { visitor: "xv-3", ttlSeconds: 60 });
    expect(mint.status).toBe(200);
    const { token } = (await mint.json()) as { token: string };
    const scoped = await exportWith(token);
    expect(scoped.events.length).toBe(8);
    expect(new Set(scoped.events.map((e) => e.visitor))).toEqual(new Set(["xv-3"]));
    const whole = (await (await call("POST", "/v1/tokens", READ, {})).json()) as { token: string };
    expect((await exportWith(whole.token)).events.length).toBeGreaterThanOrEqual(40);

    const forged = token.slice(0, -3) + (token.endsWith("AAA") ? "BBB" : "AAA");
    expect((await call("GET", "/v1/export", forged)).status).toBe(401);
    expect((await call("POST", "/v1/tokens", WRITE, {})).status).toBe(403);
    expect((await call("POST", "/v1/tokens", READ, { ttlSeconds: 999_999 })).status).toBe(400);
    expect((await call("GET", "/v1/export?cursor=%%%", READ)).status).toBe(400);
  });
});
