/**
 * Triggers across the partition's life (issue 5, "Shown by"): state surviving eviction, rebuild
 * equality, webhook retry after a failing receiver, window expiry, and the visit and
 * `atMostEvery` frequencies, all through the Worker's HTTP API against the demo project.
 * Storage is shared by the tests of this file: each uses its own visitors, trigger names and
 * event names, and reads only its own trigger's actions.
 */
import { env as bindings, exports } from "cloudflare:workers";
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Env } from "../../src/edge/env.ts";
import { sign, SIGNATURE_HEADER } from "../../src/edge/partition/outbox.ts";
import type { Partition } from "../../src/edge/partition/partition.ts";
import type { Project } from "../../src/edge/registry/project.ts";
import { bucketOf, partitionObjectName, partitionOf } from "../../src/edge/routing.ts";
import { airlineTrigger } from "../../src/triggers/examples.ts";

// The Worker's bindings (the test pool types `env` as the empty `Cloudflare.Env`).
const env = bindings as Env;

const origin = "http://flamingo.test";
const WRITE = "demo-write-key";
const ADMIN = "demo-admin-key";
const T0 = Date.parse("2026-11-20T10:00:00Z");
const MIN = 60_000;

function call(method: string, path: string, key: string, body?: unknown) {
  return exports.default.fetch(`${origin}${path}`, {
    method,
    headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

type Answer = { actions: { trigger: string; payload: Record<string, unknown> }[] };

let seq = 0;
/** Sends one event (at `time`, or one second after the previous one sent) and answers the ingest answer. */
async function send(
  visitor: string,
  name: string,
  properties: Record<string, unknown> = {},
  time = T0 + seq * 1000,
  visitorProperties: Record<string, unknown> = {},
): Promise<Answer> {
  const res = await call("POST", "/v1/events", WRITE, {
    events: [{ id: `d-${visitor}-${seq++}`, visitor, name, time, properties, visitorProperties }],
  });
  expect(res.status).toBe(200);
  return (await res.json()) as Answer;
}

/** Whether the answer carries an in-page action of `trigger`. */
const fires = (answer: Answer, trigger: string) =>
  answer.actions.some((a) => a.trigger === trigger);

async function createTrigger(spec: unknown): Promise<string> {
  const res = await call("POST", "/v1/triggers", ADMIN, spec);
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

async function demoProject(): Promise<Project> {
  const project = await env.REGISTRY.getByName("registry").project("demo");
  if (project === undefined) throw new Error("the demo project does not exist yet");
  return project as Project;
}

/** The stub of the partition object serving `visitor` in the demo project. */
async function partitionOfVisitor(visitor: string) {
  const project = await demoProject();
  const partition = partitionOf(project, bucketOf(project.id, visitor));
  return env.PARTITION.getByName(partitionObjectName(project.id, partition));
}

/** Every visitor's trigger state row of a partition, parsed (written first: rows lag behind). */
function stateRows(stub: DurableObjectStub<Partition>): Promise<Record<string, unknown>> {
  return runInDurableObject(stub, (instance: Partition, state) => {
    instance.triggers.flush();
    return Object.fromEntries(
      state.storage.sql
        .exec<{ visitor: string; state: string }>("SELECT visitor, state FROM trigger_state")
        .toArray()
        .map((r) => [r.visitor, JSON.parse(r.state)]),
    );
  });
}

/** The airline trigger without its webhook (no test but the outbox's may reach the network). */
const searcher = (name: string) => airlineTrigger({ name, webhook: null });

describe("triggers across the partition's life", () => {
  let airline = "";

  it("keeps a visitor's trigger state when the partition object is evicted", async () => {
    airline = await createTrigger(searcher("repeat deal searcher (durability)"));
    const v = "evicted-searcher";
    expect(fires(await send(v, "search", { deal: "SFO-NYC" }), airline)).toBe(false);
    expect(fires(await send(v, "search", { deal: "SFO-NYC" }), airline)).toBe(false);

    const stub = await partitionOfVisitor(v);
    const marker = Symbol("instance");
    await runInDurableObject(stub, (instance: Partition) => {
      (instance as unknown as Record<symbol, boolean>)[marker] = true;
    });
    await evictDurableObject(stub);
    // A new instance: nothing held in memory survived, only storage.
    expect(
      await runInDurableObject(
        stub,
        (instance: Partition) => (instance as unknown as Record<symbol, boolean>)[marker],
      ),
    ).toBeUndefined();

    expect(fires(await send(v, "search", { deal: "SFO-NYC" }), airline)).toBe(false);
    const fourth = await send(v, "search", { deal: "SFO-NYC" });
    expect(fourth.actions).toEqual([
      expect.objectContaining({
        trigger: airline,
        payload: { banner: "Save 20% if you book today!" },
      }),
    ]);
  });

  it("rebuilds trigger states equal to the live ones, firing history included", async () => {
    const fired = "rebuild-fired";
    const pending = "rebuild-pending";
    const booker = "rebuild-booker";
    for (let i = 0; i < 4; i++) await send(fired, "search", { deal: "LAX-BOS" });
    for (let i = 0; i < 3; i++) await send(pending, "search", { deal: "SEA-MIA" });
    await send(booker, "identify", {}, undefined, { booked: true });
    for (let i = 0; i < 2; i++) await send(booker, "search", { deal: "ORD-DEN" });
    await send(fired, "pageview", { url: "/deals" });

    const project = await demoProject();
    const stubs = project.partitions.map((r) =>
      env.PARTITION.getByName(partitionObjectName(project.id, r.partition)),
    );
    for (const stub of stubs) {
      const live = await stateRows(stub);
      await stub.rebuild();
      expect(await stateRows(stub)).toEqual(live);
    }
    expect(Object.keys(await stateRows(await partitionOfVisitor(fired)))).toContain(fired);

    // Once per visitor still holds: a new run of four same-deal searches does not fire again.
    for (let i = 0; i < 4; i++)
      expect(fires(await send(fired, "search", { deal: "LAX-BOS" }), airline)).toBe(false);
    // A run begun before the rebuild completes after it.
    expect(fires(await send(pending, "search", { deal: "SEA-MIA" }), airline)).toBe(true);
    // The booked profile is rebuilt too.
    for (let i = 0; i < 2; i++)
      expect(fires(await send(booker, "search", { deal: "ORD-DEN" }), airline)).toBe(false);
  });

  it("retries a webhook while the receiver fails and delivers it, signed, once it recovers", async () => {
    const url = "https://hooks.example.com/checkout";
    const trigger = await createTrigger({
      name: "checkout webhook",
      when: { event: "checkout_start" },
      segment: { did: "checkout_start", atLeast: 1 },
      frequency: { oncePer: "visitor" },
      actions: [{ type: "webhook", url, secret: "checkout-secret" }],
    });
    const v = "webhook-visitor";
    const stub = await partitionOfVisitor(v);
    const seen: { body: string; headers: Headers }[] = [];
    let failures = 2;
    await runInDurableObject(stub, (instance: Partition) => {
      instance.outbox.send = async (req) => {
        // Read inside the object: its request bodies cannot be read from the test's context.
        seen.push({ body: await req.text(), headers: new Headers(req.headers) });
        return failures-- > 0 ? new Response("down", { status: 503 }) : new Response("ok");
      };
      instance.outbox.options.baseDelayMs = 0;
    });

    // Only a webhook: nothing comes back in the answer, and ingest does not wait for delivery.
    expect((await send(v, "checkout_start", { cart_value: 120 })).actions).toEqual([]);

    type Listed = { deliveries: { visitor: string; status: string; attempts: number }[] };
    const deliveries = async () =>
      ((await (await call("GET", `/v1/triggers/${trigger}/deliveries`, ADMIN)).json()) as Listed)
        .deliveries;
    for (let i = 0; i < 10 && (await deliveries())[0]?.status !== "delivered"; i++)
      await runDurableObjectAlarm(stub);

    expect(await deliveries()).toEqual([
      expect.objectContaining({
        visitor: v,
        status: "delivered",
        attempts: 3,
        lastStatus: 200,
        lastError: null,
      }),
    ]);
    expect(seen).toHaveLength(3);
    const [first, , last] = seen;
    expect(last!.body).toBe(first!.body);
    expect(JSON.parse(last!.body)).toMatchObject({
      trigger: { id: trigger, name: "checkout webhook" },
      visitor: v,
      event: { name: "checkout_start" },
    });
    expect(last!.headers.get(SIGNATURE_HEADER)).toBe(
      `sha256=${await sign("checkout-secret", last!.body)}`,
    );
    expect(last!.headers.get("idempotency-key")).toBe(JSON.parse(last!.body).id);
    expect(first!.headers.get("idempotency-key")).toBe(last!.headers.get("idempotency-key"));
  });

  it("counts purchases in a one-hour window ending at each event", async () => {
    const trigger = await createTrigger({
      name: "three purchases in an hour",
      when: { event: "purchase" },
      segment: { did: "purchase", atLeast: 3, within: "1h" },
      frequency: { oncePer: "visitor" },
      actions: [{ type: "inPage", payload: { offer: "free shipping" } }],
    });
    const purchases = async (v: string, minutes: number[]) => {
      const out: boolean[] = [];
      for (const m of minutes)
        out.push(fires(await send(v, "purchase", { price: 10 }, T0 + m * MIN), trigger));
      return out;
    };

    expect(await purchases("window-inside", [0, 20, 59])).toEqual([false, false, true]);
    // An event exactly one hour old still counts.
    expect(await purchases("window-edge", [0, 1, 60])).toEqual([false, false, true]);
    // The first purchase is 61 minutes old at the third: two in the window. A fourth at minute
    // 70 sees 30, 61 and 70: three again.
    expect(await purchases("window-expired", [0, 30, 61, 70])).toEqual([false, false, false, true]);
  });

  it("fires once per visit, a visit ending after the gap", async () => {
    const trigger = await createTrigger({
      name: "greet each visit",
      when: { event: "greet" },
      segment: { did: "greet", inARow: 2 },
      frequency: { oncePer: "visit", gap: "10m" },
      actions: [{ type: "inPage", payload: { hello: true } }],
    });
    const v = "visit-visitor";
    const at = async (name: string, minute: number) =>
      fires(await send(v, name, {}, T0 + minute * MIN), trigger);
    expect(await at("greet", 0)).toBe(false);
    expect(await at("greet", 1)).toBe(true); // entered the segment: fires
    expect(await at("noise", 2)).toBe(false); // out
    expect(await at("greet", 3)).toBe(false);
    expect(await at("greet", 4)).toBe(false); // in again, same visit: held back
    expect(await at("noise", 15)).toBe(false); // 11 minutes later: a new visit
    expect(await at("greet", 16)).toBe(false);
    expect(await at("greet", 17)).toBe(true); // in again, new visit: fires
  });

  it("fires at most every hour, by event time", async () => {
    const trigger = await createTrigger({
      name: "nudge hourly",
      when: { event: "nudge" },
      segment: { did: "nudge", inARow: 1 },
      frequency: { atMostEvery: "1h" },
      actions: [{ type: "inPage", payload: { nudge: true } }],
    });
    const v = "hourly-visitor";
    const at = async (name: string, minute: number) =>
      fires(await send(v, name, {}, T0 + minute * MIN), trigger);
    expect(await at("nudge", 0)).toBe(true);
    expect(await at("noise", 1)).toBe(false);
    expect(await at("nudge", 2)).toBe(false); // a new entry 2 minutes after firing: held back
    expect(await at("noise", 61)).toBe(false);
    expect(await at("nudge", 62)).toBe(true); // 62 minutes since the last firing
    expect(await at("noise", 63)).toBe(false);
    expect(await at("nudge", 70)).toBe(false);
    expect(await at("nudge", 200)).toBe(false); // still in the segment: no new transition
  });
});
