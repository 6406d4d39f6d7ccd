/**
 * The tracker's delivery rules in Node, over fake-indexeddb and a scripted fetch: batching by
 * size and time, backoff and Retry-After, dropping undeliverable batches, the outbox surviving a
 * reload, leases, actions and visitor ids. Timers and Date are fake; IndexedDB runs on
 * setImmediate, which stays real.
 */
import "fake-indexeddb/auto";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createTracker, type Tracker, type TrackerOptions } from "../../src/client/tracker.ts";
import type { WireEvent } from "../../src/client/tracker/types.ts";

interface Call {
  at: number;
  url: string;
  events: WireEvent[];
  sentAt: number;
}

let calls: Call[];
let answer: (call: Call) => Response | Promise<Response>;
let trackers: Tracker[];
let storageKey: string;

const ok = (call: Call, actions: unknown[] = []): Response =>
  Response.json({
    results: call.events.map((e) => ({ status: "accepted", id: e.id })),
    actions,
  });

/** Lets IndexedDB (setImmediate) work through what is queued. */
async function idle(): Promise<void> {
  for (let i = 0; i < 50; i++) await new Promise((r) => setImmediate(r));
}

/** Advances fake time by `ms` in 10 ms steps, letting IndexedDB run between them. */
async function runFor(ms: number): Promise<void> {
  for (let t = 0; t < ms; t += 10) {
    await vi.advanceTimersByTimeAsync(10);
    await idle();
  }
}

/** The ids of the events in the current test's outbox, read with the plain IndexedDB API. */
async function stored(): Promise<string[]> {
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    const open = indexedDB.open(`${storageKey}-outbox`);
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => reject(open.error);
  });
  const all = db.transaction("outbox").objectStore("outbox").getAll();
  const entries = await new Promise<{ e: WireEvent }[]>((resolve) => {
    all.onsuccess = () => resolve(all.result as { e: WireEvent }[]);
  });
  db.close();
  return entries.map((x) => x.e.id);
}

function start(options: Partial<TrackerOptions> = {}): Tracker {
  const t = createTracker({ host: "https://edge.test", writeKey: "wk 1", storageKey, ...options });
  trackers.push(t);
  return t;
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"], now: 1_764_000_000_000 });
  calls = [];
  trackers = [];
  storageKey = `t-${crypto.randomUUID()}`;
  answer = ok;
  vi.stubGlobal("fetch", async (url: string, init: RequestInit) => {
    const body = JSON.parse(init.body as string) as { events: WireEvent[]; sentAt: number };
    const call = { at: Date.now(), url, ...body };
    calls.push(call);
    return answer(call);
  });
});

afterEach(async () => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
  await Promise.race([Promise.all(trackers.map((t) => t.shutdown())), idle()]);
});

describe("the tracker's batching", () => {
  it("sends a full batch at once and a partial one after flushIntervalMs", async () => {
    const t = start({ batchSize: 3, flushIntervalMs: 1000 });
    for (const n of [1, 2, 3]) t.track("step", { n });
    await runFor(10);
    expect(calls.map((c) => c.events.map((e) => e.properties.n))).toEqual([[1, 2, 3]]);

    t.track("step", { n: 4 });
    await runFor(980);
    expect(calls).toHaveLength(1);
    await runFor(30);
    expect(calls.map((c) => c.events.length)).toEqual([3, 1]);
  });

  it("splits a long outbox into batches of batchSize, oldest first", async () => {
    const t = start({ batchSize: 20 });
    for (let n = 0; n < 45; n++) t.track("step", { n });
    await t.flush();
    expect(calls.map((c) => c.events.length)).toEqual([20, 20, 5]);
    expect(calls.flatMap((c) => c.events.map((e) => e.properties.n))).toEqual([
      ...Array(45).keys(),
    ]);
  });

  it("posts the native format to /v1/events with the key in the query, the track time and sentAt", async () => {
    const t = start({ flushIntervalMs: 1000 });
    await runFor(100);
    const tracked = Date.now();
    t.track("search", { q: "deal" });
    await runFor(1010);
    const [call] = calls;
    expect(call!.url).toBe("https://edge.test/v1/events?key=wk%201");
    expect(call!.events).toEqual([
      {
        id: expect.stringMatching(
          /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
        ),
        visitor: t.visitor(),
        name: "search",
        time: tracked,
        properties: { q: "deal" },
      },
    ]);
    expect(call!.sentAt).toBe(tracked + 1000);
  });
});

describe("the tracker's retries", () => {
  it("retries a failed batch with exponential backoff, keeping its event ids", async () => {
    vi.spyOn(Math, "random").mockReturnValue(0); // the shortest wait of each step: 500, 1000, 2000 ms
    const statuses = [503, 500, 0, 200];
    answer = (call) => {
      const status = statuses.shift()!;
      if (status === 0) throw new TypeError("Failed to fetch");
      return status === 200 ? ok(call) : new Response("down", { status });
    };
    const t = start();
    t.track("a");
    t.track("b");
    await t.flush();
    await runFor(4000);

    expect(calls).toHaveLength(4);
    expect(calls.slice(1).map((c, i) => c.at - calls[i]!.at)).toEqual([500, 1000, 2000]);
    const ids = calls.map((c) => c.events.map((e) => e.id).join());
    expect(new Set(ids).size).toBe(1);
    await t.flush();
    expect(calls).toHaveLength(4); // acknowledged: gone from the outbox
  });

  it("waits as long as a 429's Retry-After says", async () => {
    answer = (call) =>
      calls.length === 1
        ? new Response("slow down", { status: 429, headers: { "retry-after": "7" } })
        : ok(call);
    const t = start();
    t.track("a");
    await t.flush();
    await runFor(6990);
    expect(calls).toHaveLength(1);
    await runFor(20);
    expect(calls).toHaveLength(2);
    expect(calls[1]!.at - calls[0]!.at).toBe(7000);
  });

  it("does not send tracked events early while a backoff runs", async () => {
    vi.spyOn(Math, "random").mockReturnValue(0);
    answer = (call) => (calls.length === 1 ? new Response("", { status: 503 }) : ok(call));
    const t = start({ batchSize: 2, flushIntervalMs: 100 });
    t.track("a");
    await t.flush();
    t.track("b");
    t.track("c"); // a full batch, but the first retry is due in 500 ms
    await runFor(490);
    expect(calls).toHaveLength(1);
    await runFor(20);
    expect(calls[1]!.events.map((e) => e.name)).toEqual(["a", "b"]);
  });

  it("drops an undeliverable batch on a 4xx and warns once", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    answer = () => Response.json({ error: { code: "invalid_key" } }, { status: 401 });
    const t = start({ batchSize: 1 });
    t.track("a");
    t.track("b");
    await t.flush();
    expect(calls).toHaveLength(2);
    await t.flush();
    expect(calls).toHaveLength(2);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0])).toContain("401");
  });

  it("counts a 2xx answer as acknowledged even for rejected events", async () => {
    vi.spyOn(console, "warn").mockImplementation(() => {});
    answer = (call) =>
      Response.json({
        results: call.events.map((e, i) =>
          i === 0
            ? { status: "rejected", code: "INVALID", message: "x" }
            : { status: "accepted", id: e.id },
        ),
        actions: [],
      });
    const t = start();
    t.track("a");
    t.track("b");
    await t.flush();
    await t.flush();
    expect(calls).toHaveLength(1);
  });
  it("counts queued events (the edge's spike buffer) as acknowledged: removed from the outbox, never resent", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    answer = (call) =>
      Response.json({
        results: call.events.map((e) => ({ status: "queued", id: e.id, delayMs: 3000 })),
        actions: [],
      });
    const t = start();
    t.track("a");
    t.track("b");
    await t.flush();
    await idle();
    expect(await stored()).toEqual([]);
    await runFor(5_000);
    await t.flush();
    expect(calls).toHaveLength(1);
    expect(warn).not.toHaveBeenCalled();
  });
});

describe("the tracker's outbox", () => {
  it("keeps events queued while offline for the next tracker over the same database", async () => {
    answer = () => {
      throw new TypeError("Failed to fetch");
    };
    const first = start();
    for (const n of [1, 2, 3, 4, 5]) first.track("offline", { n });
    await first.flush();
    await first.shutdown();
    const sent = calls[0]!.events;

    answer = ok;
    calls = [];
    const second = start();
    await second.flush();
    expect(calls).toHaveLength(1);
    expect(calls[0]!.events).toEqual(sent);
    await second.flush();
    expect(calls).toHaveLength(1);
    expect(await stored()).toEqual([]);
  });

  it("resends a dead tab's in-flight events once their lease has expired", async () => {
    answer = () => new Promise<Response>(() => {}); // the first tab dies mid-send
    const dead = start();
    dead.track("a");
    void dead.flush();
    await runFor(10);
    expect(calls).toHaveLength(1);
    trackers.pop(); // never shut down: its send never ends

    answer = ok;
    const live = start();
    await live.flush();
    expect(calls).toHaveLength(1);
    vi.setSystemTime(Date.now() + 30_000); // the lease's length
    await live.flush();
    expect(calls).toHaveLength(2);
    expect(calls[1]!.events).toEqual(calls[0]!.events);
  });

  it("lets two trackers over one outbox (two tabs) send each event once", async () => {
    answer = async (call) => {
      await idle(); // a slow edge, so the two tabs' sends overlap
      return ok(call);
    };
    const [a, b] = [start({ batchSize: 5 }), start({ batchSize: 5 })];
    for (let n = 0; n < 20; n++) (n % 2 ? a : b).track("step", { n });
    await Promise.all([a.flush(), b.flush(), a.flush(), b.flush()]);
    const sent = calls.flatMap((c) => c.events.map((e) => e.properties.n));
    expect(sent.toSorted((x, y) => Number(x) - Number(y))).toEqual([...Array(20).keys()]);
  });

  it("has each event in IndexedDB while it is sent, and deletes it once acknowledged", async () => {
    const inOutbox: string[][] = [];
    answer = async (call) => {
      inOutbox.push(await stored());
      return ok(call);
    };
    const t = start();
    t.track("a");
    t.track("b");
    await t.flush();
    expect(inOutbox).toEqual([calls[0]!.events.map((e) => e.id)]);
    expect(await stored()).toEqual([]);
  });
});

describe("the tracker's actions and visitors", () => {
  it("hands every in-page action of an answer to each handler until it unsubscribes", async () => {
    const action = { trigger: "t1", name: "deal", event: "", payload: { banner: "Save 20%" } };
    answer = (call) => ok(call, [{ ...action, event: call.events[0]!.id }]);
    const t = start();
    const seen: unknown[] = [];
    const off = t.onAction((a) => seen.push(a));
    t.track("search");
    await t.flush();
    await idle();
    expect(seen).toEqual([{ ...action, event: calls[0]!.events[0]!.id }]);

    off();
    t.track("search");
    await t.flush();
    await idle();
    expect(seen).toHaveLength(1);
  });

  it("keeps the anonymous visitor id, and identify switches to the given id with the old one as anonymousId", async () => {
    const store = new Map<string, string>();
    vi.stubGlobal("localStorage", {
      getItem: (k: string) => store.get(k) ?? null,
      setItem: (k: string, v: string) => void store.set(k, v),
    });
    const first = start();
    const anonymous = first.visitor();
    expect(start().visitor()).toBe(anonymous);

    first.identify("user-42", { plan: "pro" });
    expect(first.visitor()).toBe("user-42");
    first.track("search");
    await first.flush();
    expect(
      calls[0]!.events.map(({ visitor, name, properties, visitorProperties }) => ({
        visitor,
        name,
        properties,
        visitorProperties,
      })),
    ).toEqual([
      {
        visitor: "user-42",
        name: "identify",
        properties: { anonymousId: anonymous },
        visitorProperties: { plan: "pro" },
      },
      { visitor: "user-42", name: "search", properties: {}, visitorProperties: undefined },
    ]);
    expect(start().visitor()).toBe("user-42");
  });
});
