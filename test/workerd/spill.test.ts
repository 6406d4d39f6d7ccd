/**
 * The spike buffer (issue 8, docs/reliability.md "The spike buffer"): an overloaded partition's
 * batches are answered `queued`, go through the real spill Queue (Miniflare's, from wrangler.toml)
 * and are stored by the consumer once the partition recovers, each event once; past the backlog
 * bound the answer is 429 with Retry-After and nothing of the request is stored; a message
 * delivered again stores nothing twice. Each test uses its own partition settings and names.
 *
 * A partition is made overloaded as a spike would: one batch holds its call queue (the debug
 * stall) while the gate's bound is 0 pending events, so every batch offered meanwhile is refused.
 */
import { env as bindings, exports } from "cloudflare:workers";
import {
  createExecutionContext,
  createMessageBatch,
  evictDurableObject,
  getQueueResult,
  runDurableObjectAlarm,
  runInDurableObject,
} from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import type { Env } from "../../src/edge/env.ts";
import worker from "../../src/edge/index.ts";
import { DEFAULT_OVERLOAD } from "../../src/edge/partition/overload.ts";
import type { Project } from "../../src/edge/registry/project.ts";
import { bucketOf, partitionObjectName, partitionOf } from "../../src/edge/routing.ts";
import type { BacklogStats, SpillMessage } from "../../src/edge/spill/index.ts";
import { LIMITS } from "../../src/edge/limits.ts";

const env = bindings as Env;
const origin = "http://flamingo.test";
const WRITE = "demo-write-key";
const READ = "demo-read-key";
const run = Date.now().toString(36);

function call(path: string, key: string | null, body: unknown, init: RequestInit = {}) {
  return exports.default.fetch(`${origin}${path}`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(key === null ? {} : { authorization: `Bearer ${key}` }),
    },
    body: JSON.stringify(body),
    ...init,
  });
}

async function demoProject(): Promise<Project> {
  await (await call("/v1/query", READ, { from: "events", select: [{ fn: "count" }] })).text();
  const project = await env.REGISTRY.getByName("registry").project("demo");
  if (project === undefined) throw new Error("the demo project does not exist");
  return project as Project;
}

/** `n` visitors `${tag}-k` that all land in the `index`-th partition. */
function visitorsIn(project: Project, index: number, tag: string, n: number) {
  const partition = project.partitions[index]!.partition;
  const visitors: string[] = [];
  for (let k = 0; visitors.length < n; k++) {
    const v = `${tag}-${k}`;
    if (partitionOf(project, bucketOf(project.id, v)) === partition) visitors.push(v);
  }
  return { partition, visitors };
}

const partitionStub = (p: string) => env.PARTITION.getByName(partitionObjectName("demo", p));
const backlogStub = (p: string) => env.SPILL_BACKLOG.getByName(partitionObjectName("demo", p));

const touched = new Set<string>();
afterEach(async () => {
  for (const p of touched) {
    await partitionStub(p).configureOverload({ ...DEFAULT_OVERLOAD });
    await backlogStub(p).configure({
      maxBacklogEvents: LIMITS.spillBacklogEvents,
      sweepAfterMs: 15 * 60 * 1000,
    });
  }
  touched.clear();
});

/**
 * Makes partition `p` overloaded for about `ms`: a one-event batch holds its call queue that
 * long, and the gate refuses any batch while anything is pending. Resolves once the hold is in
 * place; `.done` settles when it ends.
 */
async function overload(
  p: string,
  visitor: string,
  ms: number,
): Promise<{ done: Promise<unknown> }> {
  touched.add(p);
  const stub = partitionStub(p);
  await stub.configureOverload({ stallMs: ms, maxPendingEvents: 0 });
  const event = {
    id: `blocker-${run}-${crypto.randomUUID()}`,
    visitor,
    name: "spill-blocker",
    time: Date.now(),
    receivedAt: Date.now(),
    properties: {},
    visitorProperties: {},
  };
  const done = stub.offer([event]);
  while ((await stub.overloadState()).pendingEvents === 0) await sleep(5);
  // Only the blocker stalls: batches admitted later (the drain) run at full speed.
  await stub.configureOverload({ stallMs: 0 });
  return { done };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  ms = 20_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** Ids of the stored events named `name`, through rawEvents pages. */
async function storedIds(name: string): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  do {
    const res = await call("/v1/query", READ, {
      from: "rawEvents",
      where: { field: "name", op: "eq", value: name },
      limit: 1000,
      ...(cursor === undefined ? {} : { cursor }),
    });
    expect(res.status).toBe(200);
    const page = (await res.json()) as { columns: string[]; rows: unknown[][]; next?: string };
    const id = page.columns.indexOf("id");
    for (const row of page.rows) ids.push(row[id] as string);
    cursor = page.next;
  } while (cursor !== undefined);
  return ids.sort();
}

type Stats = {
  partitions: {
    partition: string;
    load: {
      pendingEvents: number;
      refused: number;
      maxPendingEvents: number;
      holdUntil: number | null;
    };
    spill: BacklogStats;
  }[];
};

async function spillStats(
  p: string,
): Promise<BacklogStats & { refused: number; holdUntil: number | null }> {
  const res = await exports.default.fetch(`${origin}/v1/stats`, {
    headers: { authorization: `Bearer ${READ}` },
  });
  expect(res.status).toBe(200);
  const row = ((await res.json()) as Stats).partitions.find((x) => x.partition === p)!;
  return { ...row.spill, refused: row.load.refused, holdUntil: row.load.holdUntil };
}

/**
 * Waits until partition `p`'s spill backlog is empty and the partition admits live batches again
 * (the consumer ends the hold just after the ledger empties); answers its stats.
 */
const drained = (p: string) =>
  until(`the spill backlog of ${p} to drain`, async () => {
    const s = await spillStats(p);
    return s.backlog.events === 0 && s.holdUntil === null ? s : undefined;
  });

type Result = { status: string; id?: string; delayMs?: number; code?: string };

describe("the spike buffer", () => {
  it(
    "answers an overloaded partition's batch queued, drains it through the Queue and stores each event once",
    { timeout: 40_000 },
    async () => {
      const project = await demoProject();
      const { partition, visitors } = visitorsIn(project, 0, `sq-${run}`, 5);
      const name = `spill-queued-${run}`;
      const before = await spillStats(partition);
      const hold = await overload(partition, visitors[0]!, 2_500);

      const events = Array.from({ length: 30 }, (_, i) => ({
        id: `sq-${run}-${i}`,
        visitor: visitors[i % visitors.length]!,
        name,
        properties: { i },
      }));
      const res = await call("/v1/events", WRITE, { events });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { results: Result[]; actions: unknown[] };
      expect(body.results.map((r) => r.status)).toEqual(events.map(() => "queued"));
      expect(body.results.map((r) => r.id)).toEqual(events.map((e) => e.id));
      // The estimate: at least the consumer's batch wait, and no more than a minute here.
      for (const r of body.results) expect(r.delayMs).toBeGreaterThanOrEqual(1_000);
      expect(body.actions).toEqual([]);

      // Acknowledged but not stored yet: the backlog shows it, queries do not.
      const waiting = await spillStats(partition);
      expect(waiting.backlog.events).toBe(30);
      expect(waiting.refused).toBeGreaterThan(before.refused);
      expect(await storedIds(name)).toEqual([]);

      await hold.done;
      const after = await drained(partition);
      expect(await storedIds(name)).toEqual(events.map((e) => e.id).sort());
      expect(after.drained.events - before.drained.events).toBe(30);
      // The delay from enqueue to stored is visible, and at least the hold that caused it.
      expect(after.drained.delayMs.max).toBeGreaterThanOrEqual(1_000);
      expect(after.drained.delayMs.p50).not.toBeNull();
      expect(after.drained.lastAt).toBeGreaterThan(0);

      // Sending the batch again (a client retrying after all) stores nothing twice.
      const again = (await (await call("/v1/events", WRITE, { events })).json()) as {
        results: Result[];
      };
      expect(again.results.map((r) => r.status)).toEqual(events.map(() => "duplicate"));
      expect(await storedIds(name)).toHaveLength(30);
    },
  );

  it(
    "answers 429 with Retry-After past the backlog bound, and stores nothing of that request",
    { timeout: 40_000 },
    async () => {
      const project = await demoProject();
      const { partition, visitors } = visitorsIn(project, 1, `sf-${run}`, 4);
      const name = `spill-full-${run}`;
      await backlogStub(partition).configure({ maxBacklogEvents: 15 });
      const hold = await overload(partition, visitors[0]!, 2_000);

      const batch = (tag: string) =>
        Array.from({ length: 10 }, (_, i) => ({
          id: `sf-${run}-${tag}-${i}`,
          visitor: visitors[i % visitors.length]!,
          name,
        }));
      const first = await call("/v1/events", WRITE, { events: batch("a") });
      expect(first.status).toBe(200);
      const second = await call("/v1/events", WRITE, { events: batch("b") });
      expect(second.status).toBe(429);
      const retryAfter = Number(second.headers.get("retry-after"));
      expect(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 3600).toBe(true);
      const error = ((await second.json()) as { error: Record<string, unknown> }).error;
      expect(error).toMatchObject({ code: "overloaded", partition, retryAfter });
      expect(error.message).toContain("10 of 15 events");

      await hold.done;
      await drained(partition);
      expect(await storedIds(name)).toEqual(
        batch("a")
          .map((e) => e.id)
          .sort(),
      );

      // Retried once the partition has recovered, the refused request is stored, once.
      const retried = await call("/v1/events", WRITE, { events: batch("b") });
      expect(retried.status).toBe(200);
      const ids = await storedIds(name);
      expect(ids).toHaveLength(20);
      expect(new Set(ids).size).toBe(20);
    },
  );

  it("answers queued events as a success in every wire format", { timeout: 40_000 }, async () => {
    const project = await demoProject();
    const { partition, visitors } = visitorsIn(project, 2, `sw-${run}`, 2);
    const name = `spill-wire-${run}`;
    const hold = await overload(partition, visitors[1]!, 2_000);
    const v = visitors[0]!;

    const segment = await call("/v1/batch", WRITE, {
      batch: [{ type: "track", userId: v, event: name, messageId: `sw-${run}-segment` }],
    });
    expect(segment.status).toBe(200);
    expect(await segment.json()).toMatchObject({
      success: true,
      results: [{ status: "queued", id: `sw-${run}-segment` }],
    });

    const posthog = await call("/batch/", null, {
      api_key: WRITE,
      batch: [{ event: name, distinct_id: v, uuid: `sw-${run}-posthog` }],
    });
    expect(posthog.status).toBe(200);
    expect(await posthog.json()).toMatchObject({
      status: 1,
      results: [{ status: "queued", id: `sw-${run}-posthog` }],
    });

    const v1 = await call("/i/v1/analytics/events", WRITE, {
      batch: [{ event: name, distinct_id: v, uuid: `sw-${run}-posthog-v1` }],
    });
    expect(v1.status).toBe(200);
    expect(await v1.json()).toEqual({ results: { [`sw-${run}-posthog-v1`]: { result: "ok" } } });

    const woopra = await exports.default.fetch(
      `${origin}/track/ce?website=demo&cookie=${v}&event=${name}&idptnc=sw-${run}-woopra&response=json`,
    );
    expect(woopra.status).toBe(200);
    expect(await woopra.json()).toMatchObject({
      success: true,
      results: [{ status: "queued" }],
    });

    await hold.done;
    await drained(partition);
    expect(await storedIds(name)).toHaveLength(4);
  });
});

/** The ids of `visitor`'s events named `name`, in the partition's log order. */
async function logOrder(p: string, visitor: string, name: string): Promise<string[]> {
  const view = await partitionStub(p).visitor(visitor, 1000);
  return view.events
    .filter((e) => e.name === name)
    .map((e) => e.id)
    .reverse();
}

describe("the spike buffer's order", () => {
  it(
    "spills a live batch behind an earlier spilled one after the overload ends, and stores them in that order",
    { timeout: 40_000 },
    async () => {
      const project = await demoProject();
      const { partition, visitors } = visitorsIn(project, 2, `so-${run}`, 1);
      const v = visitors[0]!;
      const name = `spill-order-${run}`;
      const hold = await overload(partition, v, 3_000);
      const batch = (tag: string) =>
        Array.from({ length: 8 }, (_, i) => ({ id: `so-${run}-${tag}-${i}`, visitor: v, name }));

      const a = (await (await call("/v1/events", WRITE, { events: batch("a") })).json()) as {
        results: Result[];
      };
      expect(a.results.map((r) => r.status)).toEqual(batch("a").map(() => "queued"));
      // The overload ends: B alone would be admitted now (8 events under the bound of 10,000),
      // into the call queue where the blocker still runs, while A still waits in the ledger.
      await partitionStub(partition).configureOverload({ maxPendingEvents: 10_000 });
      expect((await spillStats(partition)).holdUntil).toBeGreaterThan(Date.now());
      const b = (await (await call("/v1/events", WRITE, { events: batch("b") })).json()) as {
        results: Result[];
      };
      expect(b.results.map((r) => r.status)).toEqual(batch("b").map(() => "queued"));

      await hold.done;
      await drained(partition);
      const ids = [...batch("a"), ...batch("b")].map((e) => e.id);
      expect(await logOrder(partition, v, name)).toEqual(ids);
      expect(await storedIds(name)).toEqual([...ids].sort());
      // Drained and the hold ended: the next batch goes straight in.
      const c = (await (await call("/v1/events", WRITE, { events: batch("c") })).json()) as {
        results: Result[];
      };
      expect(c.results.map((r) => r.status)).toEqual(batch("c").map(() => "accepted"));
    },
  );
});

describe("the spike buffer's order across a restart", () => {
  it(
    "keeps a restarted partition's hold, so a live batch still spills behind the batch spilled before",
    { timeout: 40_000 },
    async () => {
      const project = await demoProject();
      const { partition, visitors } = visitorsIn(project, 1, `sr-${run}`, 1);
      const v = visitors[0]!;
      const name = `spill-restart-${run}`;
      const blocker = await overload(partition, v, 3_000);
      const batch = (tag: string) =>
        Array.from({ length: 6 }, (_, i) => ({ id: `sr-${run}-${tag}-${i}`, visitor: v, name }));
      const a = (await (await call("/v1/events", WRITE, { events: batch("a") })).json()) as {
        results: Result[];
      };
      expect(a.results.map((r) => r.status)).toEqual(batch("a").map(() => "queued"));

      // The object restarts while A waits: its in-memory state (the stall, the bound, pending
      // work) is gone, so without a stored hold B would be admitted at once, ahead of A.
      await evictDurableObject(partitionStub(partition));
      await blocker.done.catch(() => undefined); // the eviction cut the blocker's call
      expect((await spillStats(partition)).holdUntil).toBeGreaterThan(Date.now());
      const b = (await (await call("/v1/events", WRITE, { events: batch("b") })).json()) as {
        results: Result[];
      };
      expect(b.results.map((r) => r.status)).toEqual(batch("b").map(() => "queued"));

      await drained(partition);
      const ids = [...batch("a"), ...batch("b")].map((e) => e.id);
      expect(await logOrder(partition, v, name)).toEqual(ids);
      expect(await storedIds(name)).toEqual([...ids].sort());
    },
  );
});

describe("the spill consumer", () => {
  /** A message as the edge would send it, stored in the ledger (and not sent: tests deliver it). */
  async function spilled(partition: string, visitor: string, tag: string, n: number) {
    const now = Date.now();
    const body: SpillMessage = {
      id: crypto.randomUUID(),
      project: "demo",
      partition,
      enqueuedAt: now - 250,
      events: Array.from({ length: n }, (_, i) => ({
        id: `${tag}-${i}`,
        visitor,
        name: tag,
        time: now,
        receivedAt: now,
        properties: { i },
        visitorProperties: {},
      })),
    };
    const r = await backlogStub(partition).reserve([body], body.enqueuedAt, 0);
    expect(r.ok).toBe(true);
    return body;
  }

  async function deliver(body: SpillMessage, attempts: number) {
    const batch = createMessageBatch<SpillMessage>("flamingo-spill", [
      { id: `msg-${body.id}`, timestamp: new Date(body.enqueuedAt), attempts, body },
    ]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env);
    return getQueueResult(batch, ctx);
  }

  it("stores a message delivered twice once, and subtracts it from the backlog once", async () => {
    const project = await demoProject();
    const { partition, visitors } = visitorsIn(project, 3, `sr-${run}`, 1);
    const tag = `spill-redelivered-${run}`;
    const before = await spillStats(partition);
    const body = await spilled(partition, visitors[0]!, tag, 12);
    expect((await spillStats(partition)).backlog.events).toBe(before.backlog.events + 12);

    for (const attempts of [1, 2]) {
      const result = await deliver(body, attempts);
      expect(result.explicitAcks).toEqual([`msg-${body.id}`]);
      expect(result.retryMessages).toEqual([]);
    }
    expect(await storedIds(tag)).toEqual(body.events.map((e) => e.id).sort());
    const after = await spillStats(partition);
    expect(after.backlog.events).toBe(before.backlog.events);
    expect(after.drained.events - before.drained.events).toBe(12);
    expect(after.drained.messages - before.drained.messages).toBe(1);
  });

  it(
    "retries with a delay while the partition is overloaded, and forces the message in from its 10th attempt",
    { timeout: 20_000 },
    async () => {
      const project = await demoProject();
      const { partition, visitors } = visitorsIn(project, 3, `so-${run}`, 1);
      const tag = `spill-overloaded-${run}`;
      const body = await spilled(partition, visitors[0]!, tag, 5);
      const hold = await overload(partition, visitors[0]!, 1_500);

      // getQueueResult does not report a retry's delay, so this delivery records its own calls.
      const calls: string[] = [];
      const message = {
        id: `msg-${body.id}`,
        timestamp: new Date(body.enqueuedAt),
        attempts: 1,
        body,
        ack: () => calls.push("ack"),
        retry: (options?: QueueRetryOptions) => calls.push(`retry ${options?.delaySeconds}`),
      };
      const batch = {
        queue: "flamingo-spill",
        messages: [message],
        metadata: { metrics: { backlogCount: 1, backlogBytes: 0 } },
        ackAll: () => calls.push("ackAll"),
        retryAll: () => calls.push("retryAll"),
      };
      await worker.queue(batch, env);
      expect(calls).toHaveLength(1);
      expect(calls[0]).toMatch(/^retry [1-9][0-9]*$/);
      expect(await storedIds(tag)).toEqual([]);

      // Still overloaded, but the 10th attempt goes in behind the work already pending.
      const forced = await deliver(body, 10);
      expect(forced.explicitAcks).toEqual([`msg-${body.id}`]);
      await hold.done;
      expect(await storedIds(tag)).toHaveLength(5);
    },
  );

  it("stores messages delivered out of order in the order the edge spilled them, each event once", async () => {
    const project = await demoProject();
    const { partition, visitors } = visitorsIn(project, 3, `sx-${run}`, 1);
    const v = visitors[0]!;
    const tag = `spill-reordered-${run}`;
    const bodies = [];
    for (const k of [1, 2, 3]) bodies.push(await spilled(partition, v, `${tag}-m${k}`, 4));
    const [m1, m2, m3] = bodies as [SpillMessage, SpillMessage, SpillMessage];

    // The newest arrives first: its elders are taken from the ledger and stored ahead of it.
    const third = await deliver(m3, 1);
    expect(third.explicitAcks).toEqual([`msg-${m3.id}`]);
    const inOrder = bodies.flatMap((m) => m.events.map((e) => e.id));
    const order = async () =>
      (await partitionStub(partition).visitor(v, 1000)).events
        .filter((e) => e.name.startsWith(tag))
        .map((e) => e.id)
        .reverse();
    expect(await order()).toEqual(inOrder);

    // Their own deliveries come late: acknowledged, nothing stored again.
    for (const m of [m2, m1]) {
      const late = await deliver(m, 1);
      expect(late.explicitAcks).toEqual([`msg-${m.id}`]);
      expect(late.retryMessages).toEqual([]);
    }
    expect(await order()).toEqual(inOrder);
    expect((await spillStats(partition)).backlog.messages).toBe(0);
  });

  it(
    "sends a message the ledger holds but the Queue never delivered again from its alarm, and stores it once",
    { timeout: 30_000 },
    async () => {
      const project = await demoProject();
      const { partition, visitors } = visitorsIn(project, 0, `sl-${run}`, 1);
      const tag = `spill-lost-${run}`;
      const before = await spillStats(partition);
      // Stored in the ledger, as the edge does before answering `queued`, and never sent: the
      // edge died before `sendBatch`, or a local Queue lost it in a restart.
      const body = await spilled(partition, visitors[0]!, tag, 9);

      // Not due yet: the alarm sends nothing before its wait.
      expect(await runDurableObjectAlarm(backlogStub(partition))).toBe(true);
      await sleep(1_500);
      expect(await storedIds(tag)).toEqual([]);
      expect((await spillStats(partition)).drained.resent).toBe(before.drained.resent);

      // Past its wait (15 min by default), the sweep sends it again, and the consumer stores it.
      await runInDurableObject(backlogStub(partition), (_, state: DurableObjectState) => {
        state.storage.sql.exec("UPDATE spill_backlog SET resend_at = 0 WHERE id = ?", body.id);
      });
      expect(await runDurableObjectAlarm(backlogStub(partition))).toBe(true);
      const after = await drained(partition);
      expect(await storedIds(tag)).toEqual(body.events.map((e) => e.id).sort());
      expect(after.drained.resent - before.drained.resent).toBe(1);
      expect(after.drained.events - before.drained.events).toBe(9);

      // The first copy turns up after all: acknowledged, stored nothing twice.
      const late = await deliver(body, 1);
      expect(late.explicitAcks).toEqual([`msg-${body.id}`]);
      expect(await storedIds(tag)).toHaveLength(9);
      // Once the ledger is empty the alarm, having nothing left to sweep, does not set itself again.
      await runDurableObjectAlarm(backlogStub(partition));
      expect(await runDurableObjectAlarm(backlogStub(partition))).toBe(false);
    },
  );
});
