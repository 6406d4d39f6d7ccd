import { describe, expect, it } from "vitest";
import { encodeBlock, openBlock, type FlamEvent } from "../flam/index.ts";
import { Log } from "./log.ts";
import { MemoryLogStore } from "./memory-store.ts";
import type { StoredBlock } from "./log-store.ts";
import { makeEvents } from "../../test/conformance/log-store.case.ts";

async function ids(log: Log): Promise<string[]> {
  const out: string[] = [];
  for await (const b of log.read())
    out.push(
      ...openBlock(b.bytes)
        .events()
        .map((e) => e.id),
    );
  return out;
}

describe("Log", () => {
  it("seals the tail into the block that encoding its events at once gives, reopened or not", async () => {
    const events = makeEvents(1000);
    const store = new MemoryLogStore();
    const options = { sealEvents: 1000 };
    let log = await Log.open(store, options);
    await log.append(events.slice(0, 300));
    // A reopened log has no builder for the tail it loads: it seals by encoding again.
    log = await Log.open(store, options);
    await log.append(events.slice(300, 600));
    await log.append(events.slice(600, 1000));
    const other = new MemoryLogStore();
    const fresh = await Log.open(other, options);
    for (let i = 0; i < 1000; i += 100) await fresh.append(events.slice(i, i + 100));
    for (const s of [store, other]) {
      const [meta] = await s.blocks();
      expect(meta).toMatchObject({ first: 0, count: 1000 });
      expect(await s.readBlock(0)).toEqual(encodeBlock(events));
      expect(await s.tail()).toEqual([]);
    }
  });

  it("rejects a bad event alone and keeps the good ones of its batch", async () => {
    const log = await Log.open(new MemoryLogStore());
    const batch: FlamEvent[] = makeEvents(3);
    batch[1] = { ...batch[1]!, time: Number.NaN };
    const r = await log.append(batch);
    expect(r.rejected.map((x) => [x.index, x.error.field])).toEqual([[1, "time"]]);
    expect(r.offsets).toEqual([0, 1]);
    expect(await ids(log)).toEqual(["e-0", "e-2"]);
  });

  it("seals the tail's block where a batch fills it and goes on in a new one", async () => {
    const store = new MemoryLogStore();
    const log = await Log.open(store, { maxBlockBytes: 2048, sealEvents: 1e9, sealBytes: 1e9 });
    const events = makeEvents(200);
    await log.append(events.slice(0, 7));
    const r = await log.append(events.slice(7));
    expect(r.offsets).toEqual(events.slice(7).map((_, i) => 7 + i));
    const sealed = await store.blocks();
    expect(sealed.length).toBeGreaterThan(1);
    // Each sealed block is exactly its events encoded at once: nothing was encoded twice.
    for (const meta of sealed) {
      const slice = events.slice(meta.first, meta.first + meta.count);
      expect(await store.readBlock(meta.first)).toEqual(encodeBlock(slice));
    }
    expect(log.tailSize.segments).toBe(1);
    expect(log.metas().every((m) => m.bytes <= 2048)).toBe(true);
    expect(await ids(log)).toEqual(events.map((e) => e.id));
  });

  it("splits a batch larger than one block into several segments when the tail has no builder", async () => {
    const store = new MemoryLogStore();
    const options = { maxBlockBytes: 2048, sealEvents: 1e9, sealBytes: 1e9 };
    await (await Log.open(store, options)).append(makeEvents(3));
    const log = await Log.open(store, options); // a loaded tail: no builder for it
    const r = await log.append(makeEvents(200, 3));
    expect(r.offsets).toHaveLength(200);
    expect(log.tailSize.segments).toBeGreaterThan(2);
    expect(log.metas().every((m) => m.bytes <= 2048)).toBe(true);
    expect(await ids(log)).toEqual(makeEvents(203).map((e) => e.id));
  });

  it("sizes the tail's blocks by the real size its last seal saw, never past maxBlockBytes", async () => {
    const store = new MemoryLogStore();
    const max = 16 * 1024;
    const log = await Log.open(store, { maxBlockBytes: max, sealEvents: 1e9, sealBytes: 1e9 });
    const events = makeEvents(3000);
    for (let i = 0; i < events.length; i += 100) await log.append(events.slice(i, i + 100));
    const sealed = await store.blocks();
    expect(sealed.length).toBeGreaterThan(2);
    // The first block is cut by the strict estimate; the next ones hold more events, as their
    // real size allows.
    expect(sealed[1]!.count).toBeGreaterThan(1.5 * sealed[0]!.count);
    for (const meta of sealed) {
      expect(meta.bytes).toBeLessThanOrEqual(max);
      const slice = events.slice(meta.first, meta.first + meta.count);
      expect(await store.readBlock(meta.first)).toEqual(encodeBlock(slice));
    }
    expect(await ids(log)).toEqual(events.map((e) => e.id));
  });

  it("re-encodes a block, and cuts a segment, that the looser tail bound let grow past maxBlockBytes", async () => {
    const store = new MemoryLogStore();
    const max = 16 * 1024;
    const log = await Log.open(store, { maxBlockBytes: max, sealEvents: 1e9, sealBytes: 1e9 });
    const small = makeEvents(1500);
    for (let i = 0; i < small.length; i += 100) await log.append(small.slice(i, i + 100));
    await log.seal(); // an empty tail with the looser bound: the next batch's segment is large
    // Then events whose estimate is close to their real size (a new long string each): the
    // limit learned from the small ones lets the tail's builder take more than a row holds.
    const big = makeEvents(120, 1500).map((e, i) => ({
      ...e,
      properties: { note: `${i}-${"x".repeat(400)}` },
    }));
    const r = await log.append(big);
    expect(r.rejected).toEqual([]);
    expect(r.offsets).toHaveLength(120);
    await log.seal();
    const all = [...small, ...big];
    for (const meta of await store.blocks()) {
      expect(meta.bytes).toBeLessThanOrEqual(max);
      const slice = all.slice(meta.first, meta.first + meta.count);
      expect(await store.readBlock(meta.first)).toEqual(encodeBlock(slice));
    }
    expect(log.metas().every((m) => m.bytes <= max)).toBe(true);
    expect(await ids(log)).toEqual(all.map((e) => e.id));
  });

  it("keeps every event of a batch that fills the block when that seal fails", async () => {
    const store = new MemoryLogStore();
    const errors: unknown[] = [];
    store.seal = async () => {
      throw new Error("disk full");
    };
    const log = await Log.open(store, {
      maxBlockBytes: 2048,
      sealEvents: 1e9,
      sealBytes: 1e9,
      onError: (e) => errors.push(e),
    });
    const r = await log.append(makeEvents(200));
    expect(r.offsets).toHaveLength(200);
    expect(errors.length).toBeGreaterThan(0);
    expect(log.tailSize.events).toBe(200);
    expect(await ids(log)).toEqual(makeEvents(200).map((e) => e.id));
  });

  it("seals by the number of segments too", async () => {
    const store = new MemoryLogStore();
    const log = await Log.open(store, { sealEvents: 1e9, sealBytes: 1e9, sealSegments: 4 });
    for (let i = 0; i < 10; i++) await log.append(makeEvents(2, 2 * i));
    expect((await store.blocks()).map((m) => m.count)).toEqual([8, 8]);
    expect(log.tailSize.segments).toBe(2);
    expect(await ids(log)).toEqual(makeEvents(20).map((e) => e.id));
  });

  it("seals by size as well as by count", async () => {
    const log = await Log.open(new MemoryLogStore(), { sealEvents: 1e9, sealBytes: 1500 });
    for (let i = 0; i < 60; i += 10) await log.append(makeEvents(10, i));
    expect(log.metas().length).toBeLessThan(6);
    expect(await ids(log)).toEqual(makeEvents(60).map((e) => e.id));
  });

  it("keeps events in the tail and reports to onError when sealing fails", async () => {
    const store = new MemoryLogStore();
    const errors: unknown[] = [];
    store.seal = async () => {
      throw new Error("disk full");
    };
    const log = await Log.open(store, { sealEvents: 2, onError: (e) => errors.push(e) });
    const r = await log.append(makeEvents(3));
    expect(r.offsets).toEqual([0, 1, 2]);
    expect(errors).toHaveLength(1);
    expect(log.tailSize.events).toBe(3);
    expect(await ids(log)).toEqual(["e-0", "e-1", "e-2"]);
  });

  it("runs concurrent appends one at a time, in call order", async () => {
    const log = await Log.open(new MemoryLogStore(), { sealEvents: 5 });
    const results = await Promise.all([0, 3, 6, 9].map((i) => log.append(makeEvents(3, i))));
    expect(results.map((r) => r.offsets[0])).toEqual([0, 3, 6, 9]);
    expect(await ids(log)).toEqual(makeEvents(12).map((e) => e.id));
  });

  it("lets a read started before a seal finish with every event", async () => {
    const store = new MemoryLogStore();
    const log = await Log.open(store, { sealEvents: 1e9 });
    await log.append(makeEvents(4));
    const reader = log.read();
    const first = await reader.next();
    await log.seal();
    const rest: StoredBlock[] = [];
    for await (const b of reader) rest.push(b);
    const seen = [first.value!, ...rest].flatMap((b) =>
      openBlock(b.bytes)
        .events()
        .map((e) => e.id),
    );
    expect(seen).toEqual(["e-0", "e-1", "e-2", "e-3"]);
    expect(log.tailSize.events).toBe(0);
  });
});
