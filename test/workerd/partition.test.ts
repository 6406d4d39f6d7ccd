import { env as bindings } from "cloudflare:workers";
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { openBlock, type FlamEvent } from "../../src/flam/index.ts";
import type { Partition } from "../../src/edge/partition/partition.ts";
import { openPartition } from "../../src/edge/partition/open-partition.ts";
import { ingest } from "../../src/edge/partition/ingest.ts";
import { FLUSH_EVENTS } from "../../src/edge/partition/derived-state.ts";
import { SqliteLogStore } from "../../src/edge/partition/sqlite-log-store.ts";
import { Log } from "../../src/log/index.ts";
import type { Env } from "../../src/edge/env.ts";
import type { VisitorProfile } from "../../src/edge/partition/contract.ts";
import { idHash } from "../../src/edge/partition/id-hash.ts";

// The Worker's bindings (the test pool types `env` as the empty `Cloudflare.Env`).
const env = bindings as Env;

const T0 = Date.UTC(2026, 0, 1);
let objects = 0;

/** A partition of its own: storage is shared by every test of this file. */
function partition() {
  return env.PARTITION.getByName(`partition-test-${objects++}`);
}

/** `n` events of `visitors` visitors, ids `${tag}-${i}`, a name and properties that vary. */
function events(n: number, tag: string, start = 0, visitors = 7): FlamEvent[] {
  return Array.from({ length: n }, (_, k): FlamEvent => {
    const i = start + k;
    return {
      id: `${tag}-${i}`,
      visitor: `v-${i % visitors}`,
      name: i % 5 === 0 ? "purchase" : "pageview",
      time: T0 + i * 1000,
      receivedAt: T0 + i * 1000 + 5,
      properties: { country: ["US", "CA", "FR"][i % 3]!, price: (i % 50) + 0.99 },
      visitorProperties: i % 10 === 0 ? { plan: i % 20 === 0 ? "pro" : "free", seen: i } : {},
    };
  });
}

/** Every event id in the partition's log, in log order. */
function logIds(stub: DurableObjectStub<Partition>): Promise<string[]> {
  return runInDurableObject(stub, async (_, state) => {
    const { source } = await openPartition(state.storage);
    const ids: string[] = [];
    for await (const block of source.log.read())
      for (const e of openBlock(block.bytes).events()) ids.push(e.id);
    return ids;
  });
}

async function profiles(stub: DurableObjectStub<Partition>, visitors: number) {
  const out: (VisitorProfile | null)[] = [];
  for (let v = 0; v < visitors; v++) out.push((await stub.visitor(`v-${v}`, 0)).profile);
  return out;
}

describe("a partition", () => {
  it("reads its own writes: visitor() returns the profile and the newest events first", async () => {
    const stub = partition();
    const batch = events(20, "own");
    const outcomes = await stub.ingest(batch);
    expect(outcomes).toEqual(batch.map((_, i) => ({ status: "accepted", offset: i })));

    const view = await stub.visitor("v-3", 2);
    expect(view.events.map((e) => e.id)).toEqual(["own-17", "own-10"]);
    expect(view.events[0]).toEqual(batch[17]);
    expect(view.profile).toEqual({
      visitor: "v-3",
      properties: { plan: "free", seen: 10 },
      firstSeen: T0 + 3000,
      lastSeen: T0 + 17000,
      eventCount: 3,
      counts: { pageview: 2, purchase: 1 },
    });
    expect(await stub.visitor("nobody")).toEqual({ profile: null, events: [] });
  });

  it("stores a retried batch once and answers each event duplicate with its first offset", async () => {
    const stub = partition();
    const batch = events(10, "retry");
    await stub.ingest(batch.slice(0, 4));
    const again = await stub.ingest(batch);
    expect(again.slice(0, 4)).toEqual(
      [0, 1, 2, 3].map((offset) => ({ status: "duplicate", offset })),
    );
    expect(again.slice(4)).toEqual(
      [4, 5, 6, 7, 8, 9].map((offset) => ({ status: "accepted", offset })),
    );
    expect(await stub.ingest(batch)).toEqual(
      batch.map((_, offset) => ({ status: "duplicate", offset })),
    );
    expect(await logIds(stub)).toEqual(batch.map((e) => e.id));
    expect((await stub.visitor("v-0")).profile?.eventCount).toBe(2);
  });

  it("answers a copy of an id within one batch like its first copy", async () => {
    const stub = partition();
    const [a, b] = events(2, "inbatch");
    const bad = { ...events(1, "inbatch-bad")[0]!, time: Number.NaN };
    const outcomes = await stub.ingest([a!, b!, a!, bad, a!, bad]);
    expect(outcomes.slice(0, 3)).toEqual([
      { status: "accepted", offset: 0 },
      { status: "accepted", offset: 1 },
      { status: "duplicate", offset: 0 },
    ]);
    expect(outcomes[3]).toMatchObject({ status: "rejected", code: "INVALID" });
    expect(outcomes[4]).toEqual({ status: "duplicate", offset: 0 });
    expect(outcomes[5]).toEqual(outcomes[3]);
    expect(await logIds(stub)).toEqual(["inbatch-0", "inbatch-1"]);
  });

  it("rejects an invalid event alone and stores the others of its batch", async () => {
    const stub = partition();
    const batch = events(5, "reject");
    batch[2] = { ...batch[2]!, properties: { price: Number.POSITIVE_INFINITY } };
    const outcomes = await stub.ingest(batch);
    expect(outcomes.map((o) => o.status)).toEqual([
      "accepted",
      "accepted",
      "rejected",
      "accepted",
      "accepted",
    ]);
    expect(outcomes[2]).toEqual({
      status: "rejected",
      code: "INVALID",
      message: expect.stringContaining("properties.price"),
    });
    expect(outcomes[3]).toEqual({ status: "accepted", offset: 2 });
    expect(await logIds(stub)).toEqual(["reject-0", "reject-1", "reject-3", "reject-4"]);
    // The rejected id was never stored, so a corrected copy is accepted.
    expect(await stub.ingest([events(5, "reject")[2]!])).toEqual([
      { status: "accepted", offset: 4 },
    ]);
  });

  it("keeps what it acknowledged across an eviction: events, profiles and the dedup window", async () => {
    const stub = partition();
    const batch = events(30, "durable");
    await stub.ingest(batch);
    const before = await stub.visitor("v-2", 100);
    await evictDurableObject(stub);
    expect(await stub.visitor("v-2", 100)).toEqual(before);
    expect(before.events.map((e) => e.id)).toEqual([
      "durable-23",
      "durable-16",
      "durable-9",
      "durable-2",
    ]);
    expect(await stub.ingest(batch.slice(0, 2))).toEqual([
      { status: "duplicate", offset: 0 },
      { status: "duplicate", offset: 1 },
    ]);
    expect((await stub.ingest(events(1, "durable", 30)))[0]).toEqual({
      status: "accepted",
      offset: 30,
    });
  });

  it("writes profile rows behind the log and replays the unwritten ones after an eviction", async () => {
    const stub = partition();
    const stored = () =>
      runInDurableObject(stub, (_, state) =>
        state.storage.sql
          .exec<{ n: number; through: number }>(
            "SELECT (SELECT count(*) FROM profiles) AS n, profiles_through AS through FROM derived_state",
          )
          .one(),
      );
    await stub.ingest(events(500, "behind", 0, 20));
    expect(await stored()).toEqual({ n: 0, through: 0 });
    // The first batch to reach FLUSH_EVENTS writes the rows; the next ones stay staged.
    const written = Math.ceil(FLUSH_EVENTS / 500) * 500;
    for (let i = 500; i < written + 1000; i += 500) await stub.ingest(events(500, "behind", i, 20));
    expect(await stored()).toEqual({ n: 20, through: written });
    const before = await profiles(stub, 20);
    expect(before[3]?.eventCount).toBe((written + 1000) / 20);
    await evictDurableObject(stub);
    expect(await profiles(stub, 20)).toEqual(before);
  });

  it("catches the derived state up from the log after a crash between the two writes", async () => {
    const stub = partition();
    await stub.ingest(events(3, "crash"));
    // A log append whose dedup rows and profile updates never committed.
    await runInDurableObject(stub, async (_, state) => {
      const { source } = await openPartition(state.storage);
      await source.log.append(events(2, "crash", 3));
    });
    await evictDurableObject(stub);
    expect(await stub.ingest(events(6, "crash"))).toEqual([
      ...[0, 1, 2, 3, 4].map((offset) => ({ status: "duplicate", offset })),
      { status: "accepted", offset: 5 },
    ]);
    expect((await stub.visitor("v-3")).profile?.eventCount).toBe(1);
  });

  it("rebuilds profiles and the dedup window from the log alone, equal to the incremental ones", async () => {
    const stub = partition();
    for (let i = 0; i < 3000; i += 500) await stub.ingest(events(500, "rebuild", i, 40));
    const views = [];
    for (let v = 0; v < 40; v++) views.push(await stub.visitor(`v-${v}`, 200));
    expect(await stub.rebuild()).toEqual({ events: 3000, visitors: 40 });
    for (let v = 0; v < 40; v++) expect(await stub.visitor(`v-${v}`, 200)).toEqual(views[v]);
    expect((await stub.ingest(events(1, "rebuild", 2999, 40)))[0]).toEqual({
      status: "duplicate",
      offset: 2999,
    });
  });

  it("remembers ids for the last `dedupWindow` offsets only", async () => {
    const stub = partition();
    await runInDurableObject(stub, async (_, state) => {
      const { source, derived } = await openPartition(state.storage, { dedupWindow: 3 });
      const batch = events(5, "window");
      await ingest(source, derived, batch);
      const again = await ingest(source, derived, batch);
      // Offsets 2..4 are the last three: remembered; 0 and 1 fell out and are stored again.
      expect(again).toEqual([
        { status: "accepted", offset: 5 },
        { status: "accepted", offset: 6 },
        { status: "duplicate", offset: 2 },
        { status: "duplicate", offset: 3 },
        { status: "duplicate", offset: 4 },
      ]);
    });
  });

  it("answers a hash collision in the dedup window as a new event, not a duplicate", async () => {
    const stub = partition();
    await runInDurableObject(stub, async (_, state) => {
      const { source, derived } = await openPartition(state.storage, { flushEvents: 1 });
      await ingest(source, derived, events(3, "collide"));
      // Offset 2 (which holds collide-2) now carries the hash of an id never stored.
      state.storage.sql.exec(
        "UPDATE dedup_hashes SET hash = ? WHERE log_offset = 2",
        idHash("collide-9"),
      );
      expect(await ingest(source, derived, events(1, "collide", 9))).toEqual([
        { status: "accepted", offset: 3 },
      ]);
      const again = [...events(2, "collide"), ...events(1, "collide", 9)];
      expect(await ingest(source, derived, again)).toEqual([
        { status: "duplicate", offset: 0 },
        { status: "duplicate", offset: 1 },
        { status: "duplicate", offset: 3 },
      ]);
    });
  });

  it("keeps the dedup window of a partition whose ids were stored as text (schema 1)", async () => {
    const stub = partition();
    await runInDurableObject(stub, async (_, state) => {
      // What the code of dedup schema 1 left: log rows, text dedup rows, derived state level.
      const log = await Log.open(new SqliteLogStore(state.storage));
      await log.append(events(3, "legacy"));
      const { sql } = state.storage;
      sql.exec("INSERT INTO schema_versions VALUES ('dedup', 1), ('derived', 1)");
      sql.exec("CREATE TABLE dedup_ids (log_offset INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE)");
      sql.exec("CREATE TABLE derived_state (id INTEGER PRIMARY KEY, through INTEGER NOT NULL)");
      sql.exec("INSERT INTO derived_state VALUES (0, 3)");
      for (let i = 0; i < 3; i++)
        sql.exec("INSERT INTO dedup_ids (log_offset, id) VALUES (?, ?)", i, `legacy-${i}`);
    });
    expect(await stub.ingest(events(4, "legacy"))).toEqual([
      { status: "duplicate", offset: 0 },
      { status: "duplicate", offset: 1 },
      { status: "duplicate", offset: 2 },
      { status: "accepted", offset: 3 },
    ]);
  });

  it(
    "keeps 20,000 events readable across seals, in batches of 500",
    { timeout: 60_000 },
    async () => {
      const stub = partition();
      const all = events(20_000, "many", 0, 1000);
      const started = Date.now();
      for (let i = 0; i < all.length; i += 500) {
        const outcomes = await stub.ingest(all.slice(i, i + 500));
        expect(outcomes.every((o) => o.status === "accepted")).toBe(true);
      }
      const seconds = (Date.now() - started) / 1000;
      console.log(
        `partition ingest over RPC: ${Math.round(all.length / seconds)} events/s (batches of 500)`,
      );
      expect(await logIds(stub)).toEqual(all.map((e) => e.id));
      const sealed = await runInDurableObject(stub, async (_, state) => {
        const { source } = await openPartition(state.storage);
        return source.log.metas().filter((m) => m.count >= 8192).length;
      });
      expect(sealed).toBe(2);
      // 20 events per visitor: the recent-offsets index path and, past it, the scan path.
      const view = await stub.visitor("v-123", 10);
      expect(view.events.map((e) => e.id)).toEqual(
        Array.from({ length: 10 }, (_, k) => `many-${19123 - k * 1000}`),
      );
      expect(view.profile?.eventCount).toBe(20);
      const visitors = await profiles(stub, 50);
      expect(visitors.every((p) => p?.eventCount === 20)).toBe(true);
      // A rebuild reading sealed blocks as well as tail segments reaches the same profiles.
      expect(await stub.rebuild()).toEqual({ events: 20_000, visitors: 1000 });
      expect(await profiles(stub, 50)).toEqual(visitors);
      expect(await stub.visitor("v-123", 10)).toEqual(view);
    },
  );

  it("reads past the recent-offsets index by scanning the log, newest first", async () => {
    const stub = partition();
    const all = events(700, "scan", 0, 3);
    for (let i = 0; i < all.length; i += 100) await stub.ingest(all.slice(i, i + 100));
    const mine = all.filter((e) => e.visitor === "v-1").reverse();
    const view = await stub.visitor("v-1", 150);
    expect(view.profile?.eventCount).toBe(mine.length);
    expect(view.events.map((e) => e.id)).toEqual(mine.slice(0, 150).map((e) => e.id));
    expect((await stub.visitor("v-1", 5000)).events).toHaveLength(mine.length);
    expect((await stub.visitor("v-1", 40)).events).toEqual(view.events.slice(0, 40));
  });

  it(
    "prints how many events/s one partition appends in batches of 500",
    { timeout: 120_000 },
    async () => {
      const stub = partition();
      const all = events(100_000, "speed", 0, 5000);
      const batches = Array.from({ length: all.length / 500 }, (_, b) =>
        all.slice(b * 500, b * 500 + 500),
      );
      await stub.visitor("warm-up");
      const started = Date.now();
      const accepted = await runInDurableObject(stub, async (instance) => {
        let n = 0;
        for (const batch of batches)
          for (const o of await instance.ingest(batch)) if (o.status === "accepted") n++;
        return n;
      });
      const seconds = (Date.now() - started) / 1000;
      expect(accepted).toBe(all.length);
      console.log(
        `partition ingest inside the object: ${Math.round(all.length / seconds)} events/s ` +
          `(${all.length} events, batches of 500, ${seconds.toFixed(2)} s)`,
      );
    },
  );
});
