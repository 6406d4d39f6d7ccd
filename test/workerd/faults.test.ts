/**
 * Faults inside the Worker (issue 8, docs/reliability.md "Faults and load"): a partition that
 * fails or goes silent during a query makes the answer a 503 naming it, never a partial answer;
 * webhook receivers that hang, fail or answer slowly never slow ingest, and deliveries resume.
 * Each test uses its own visitors, event names and trigger.
 */
import { env as bindings, exports } from "cloudflare:workers";
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Env } from "../../src/edge/env.ts";
import type { Partition } from "../../src/edge/partition/partition.ts";
import type { Project } from "../../src/edge/registry/project.ts";
import { bucketOf, partitionObjectName, partitionOf } from "../../src/edge/routing.ts";

// The Worker's bindings (the test pool types `env` as the empty `Cloudflare.Env`).
const env = bindings as Env;

const origin = "http://flamingo.test";
const WRITE = "demo-write-key";
const READ = "demo-read-key";
const ADMIN = "demo-admin-key";

function call(path: string, key: string, body: unknown) {
  return exports.default.fetch(`${origin}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
    body: JSON.stringify(body),
  });
}

type Failure = { error: { code: string; message: string; partitions?: string[] } };

async function demoProject(): Promise<Project> {
  // Any authorized request creates the demo project on first use.
  await (await call("/v1/query", READ, { from: "events", select: [{ fn: "count" }] })).text();
  const project = await env.REGISTRY.getByName("registry").project("demo");
  if (project === undefined) throw new Error("the demo project does not exist");
  return project as Project;
}

/** Visitors `${tag}-0..n-1` with the partition each lands in. */
function visitorsOf(project: Project, tag: string, n: number) {
  return Array.from({ length: n }, (_, i) => {
    const visitor = `${tag}-${i}`;
    return { visitor, partition: partitionOf(project, bucketOf(project.id, visitor)) };
  });
}

const stubOf = (project: Project, partition: string) =>
  env.PARTITION.getByName(partitionObjectName(project.id, partition));

/** What a sabotage reaches inside the object: its private members. */
type Internals = { resident: { begin(): void }; state: Promise<unknown> | undefined };

describe("a partition failing during a query", () => {
  const probe = (visitor?: string) => ({
    from: "events",
    select: [{ fn: "count" }],
    where: {
      all: [
        { field: "name", op: "eq", value: "fault-probe" },
        ...(visitor === undefined ? [] : [{ field: "visitor", op: "eq", value: visitor }]),
      ],
    },
  });

  it("answers 503 partition_unavailable naming the failed partition, never a partial count", async () => {
    const project = await demoProject();
    const visitors = visitorsOf(project, "qfail", 40);
    const events = visitors.map(({ visitor }, i) => ({
      id: `qf-${i}`,
      visitor,
      name: "fault-probe",
    }));
    expect((await call("/v1/events", WRITE, { events })).status).toBe(200);
    const full = await call("/v1/query", READ, probe());
    expect(((await full.json()) as { rows: number[][] }).rows).toEqual([[40]]);

    const broken = visitors[0]!.partition;
    const healthy = visitors.find((v) => v.partition !== broken)!;
    const stub = stubOf(project, broken);
    await runInDurableObject(stub, (instance: Partition) => {
      (instance as unknown as Internals).resident.begin = () => {
        throw new Error("disk on fire");
      };
    });

    const res = await call("/v1/query", READ, probe());
    expect(res.status).toBe(503);
    const body = (await res.json()) as Failure;
    expect(body.error).toMatchObject({ code: "partition_unavailable", partitions: [broken] });
    expect(body.error.message).toContain(broken);
    // The internal error stays inside: the answer names the partition, not the cause.
    expect(JSON.stringify(body)).not.toContain("disk on fire");

    // A query that reaches only healthy partitions still answers; one that reaches the broken one does not.
    const other = await call("/v1/query", READ, probe(healthy.visitor));
    expect(((await other.json()) as { rows: number[][] }).rows).toEqual([[1]]);
    expect((await call("/v1/query", READ, probe(visitors[0]!.visitor))).status).toBe(503);

    // Ingest into the broken partition still works: the fault is in its query path only.
    const late = [{ id: "qf-late", visitor: visitors[0]!.visitor, name: "fault-probe" }];
    expect((await call("/v1/events", WRITE, { events: late })).status).toBe(200);
    // A fresh instance (what an eviction gives) answers in full again.
    await evictDurableObject(stub);
    const again = await call("/v1/query", READ, probe());
    expect(again.status).toBe(200);
    expect(((await again.json()) as { rows: number[][] }).rows).toEqual([[41]]);
  });

  it(
    "answers 503 when a partition does not answer within the task timeout",
    { timeout: 30_000 },
    async () => {
      const project = await demoProject();
      const { visitor, partition } = visitorsOf(project, "qhang", 1)[0]!;
      const events = [{ id: "qh-0", visitor, name: "fault-probe" }];
      expect((await call("/v1/events", WRITE, { events })).status).toBe(200);
      const stub = stubOf(project, partition);
      await runInDurableObject(stub, (instance: Partition) => {
        // Every queued call now waits forever on an open that never finishes.
        (instance as unknown as Internals).state = new Promise<never>(() => {});
      });

      const started = Date.now();
      const res = await call("/v1/query", READ, probe());
      expect(res.status).toBe(503);
      expect(Date.now() - started).toBeGreaterThanOrEqual(9_000);
      expect(((await res.json()) as Failure).error).toMatchObject({
        code: "partition_unavailable",
        partitions: [partition],
      });

      await evictDurableObject(stub);
      expect((await call("/v1/query", READ, probe(visitor))).status).toBe(200);
    },
  );
});

describe("webhook receivers that hang, fail or answer slowly", () => {
  it(
    "never slow ingest, and the alarm delivers once the receiver recovers",
    { timeout: 30_000 },
    async () => {
      const create = await call("/v1/triggers", ADMIN, {
        name: "hook probe (faults)",
        when: { event: "hook-probe" },
        segment: { did: "hook-probe", atLeast: 1 },
        frequency: { oncePer: "visitor" },
        actions: [
          { type: "webhook", url: "https://hooks.example.com/faults", secret: "faults-secret" },
        ],
      });
      expect(create.status).toBe(201);
      const trigger = ((await create.json()) as { id: string }).id;
      const project = await demoProject();
      const { visitor, partition } = visitorsOf(project, "hooked", 1)[0]!;
      const stub = stubOf(project, partition);

      // The receiver: attempt 1 hangs until the outbox gives up on it, attempt 2 answers 503,
      // attempt 3 answers 200 after a second. Alarms run on their own (as deployed), so the test
      // only waits for them.
      const receiver = { attempts: 0, inFlight: 0, log: [] as string[] };
      await runInDurableObject(stub, (instance: Partition) => {
        instance.outbox.options.baseDelayMs = 0;
        instance.outbox.options.timeoutMs = 1_500;
        instance.outbox.send = async (req) => {
          const attempt = ++receiver.attempts;
          const started = Date.now();
          receiver.inFlight++;
          try {
            if (attempt === 1)
              return await new Promise<Response>((_, reject) =>
                req.signal.addEventListener("abort", () => {
                  receiver.log.push(`hung ${Date.now() - started >= 1_400 ? ">=1.4s" : "<1.4s"}`);
                  reject(new Error("aborted"));
                }),
              );
            if (attempt === 2) {
              receiver.log.push("503");
              return new Response("down", { status: 503 });
            }
            await new Promise((r) => setTimeout(r, 1_000));
            receiver.log.push("slow 200");
            return new Response("ok");
          } finally {
            receiver.inFlight--;
          }
        };
      });
      const ingest = async (i: number, name = "pageview") => {
        const started = Date.now();
        const events = [{ id: `hook-${i}`, visitor, name }];
        const res = await call("/v1/events", WRITE, { events });
        expect(res.status).toBe(200);
        await res.text();
        return Date.now() - started;
      };
      const until = async (what: () => boolean | Promise<boolean>) => {
        const deadline = Date.now() + 10_000;
        while (!(await what())) {
          if (Date.now() > deadline) throw new Error("timed out waiting");
          await new Promise((r) => setTimeout(r, 10));
        }
      };
      const delivery = () =>
        runInDurableObject(
          stub,
          (instance: Partition) => instance.outbox.list(trigger, null, 1)[0],
        );

      await ingest(0, "hook-probe"); // fires the webhook: one pending delivery, alarm set
      // Attempt 1 hangs: ten ingests into the same partition answer promptly all the while.
      await until(() => receiver.inFlight === 1);
      const hung: number[] = [];
      for (let i = 1; i <= 10; i++) hung.push(await ingest(i));
      expect(receiver).toMatchObject({ attempts: 1, inFlight: 1 }); // still hanging after all ten
      expect(Math.max(...hung)).toBeLessThan(1_000);

      // Attempt 2 fails at once; attempt 3 is slow: ingest again unaffected while it waits.
      await until(() => receiver.attempts === 3 && receiver.inFlight === 1);
      const slow: number[] = [];
      for (let i = 11; i <= 15; i++) slow.push(await ingest(i));
      expect(receiver.inFlight).toBe(1);
      expect(Math.max(...slow)).toBeLessThan(1_000);

      await until(async () => (await delivery())?.status === "delivered");
      expect(receiver.log).toEqual(["hung >=1.4s", "503", "slow 200"]);
      expect(await delivery()).toMatchObject({
        status: "delivered",
        attempts: 3,
        lastStatus: 200,
        visitor,
      });
      // Nothing more to send: no alarm is left set.
      expect(await runDurableObjectAlarm(stub)).toBe(false);
      const view = await (
        await exports.default.fetch(`${origin}/v1/visitors/${visitor}`, {
          headers: { authorization: `Bearer ${READ}` },
        })
      ).json();
      // Every ingest stored: 16 events and the `$fired` record of the firing.
      expect((view as { profile: { eventCount: number } }).profile.eventCount).toBe(17);
    },
  );
});
