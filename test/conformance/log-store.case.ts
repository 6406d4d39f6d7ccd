/**
 * The LogStore conformance suite: every adapter (memory, Durable Object SQLite, IndexedDB) runs
 * it, and so does the Log on top of it, so an adapter that passes can back a real log.
 *
 * @example
 * describeLogStore("memory", async () => new MemoryLogStore());
 */
import { describe, expect, it } from "vitest";
import { encodeBlock, openBlock, readHeader, type FlamEvent } from "../../src/flam/index.ts";
import { Log, type BlockMeta, type LogStore, type StoredBlock } from "../../src/log/index.ts";

const T0 = Date.UTC(2026, 0, 1);
const HOUR = 3_600_000;

export function makeEvents(n: number, start = 0, at = T0): FlamEvent[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `e-${start + i}`,
    visitor: `v-${(start + i) % 7}`,
    name: (start + i) % 5 === 0 ? "purchase" : "pageview",
    time: at + (start + i) * 1000,
    receivedAt: at + (start + i) * 1000 + 5,
    properties: { country: ["US", "CA", "FR"][(start + i) % 3]!, price: ((start + i) % 50) + 0.99 },
    visitorProperties: {},
  }));
}

function stored(first: number, events: FlamEvent[]): StoredBlock {
  const bytes = encodeBlock(events);
  const h = readHeader(bytes);
  return {
    meta: {
      first,
      count: h.eventCount,
      minTime: h.minTime,
      maxTime: h.maxTime,
      bytes: bytes.length,
    },
    bytes,
  };
}

async function allEvents(log: Log, range?: { from?: number; to?: number }): Promise<FlamEvent[]> {
  const out: FlamEvent[] = [];
  for await (const b of log.read(range)) out.push(...openBlock(b.bytes).events());
  return out;
}

/**
 * @param open returns a store; called again with the same `name` it must return a store over
 *   the same data (a reopen), with a new name an empty one.
 */
export function describeLogStore(adapter: string, open: (name: string) => Promise<LogStore>): void {
  let n = 0;
  const fresh = () => `${adapter}-${Date.now()}-${n++}`;

  describe(`LogStore conformance: ${adapter}`, () => {
    it("starts empty", async () => {
      const s = await open(fresh());
      expect(await s.blocks()).toEqual([]);
      expect(await s.tail()).toEqual([]);
      expect(await s.readBlock(0)).toBeUndefined();
    });

    it("returns tail segments in log order with their bytes intact", async () => {
      const s = await open(fresh());
      const a = stored(0, makeEvents(3));
      const b = stored(3, makeEvents(2, 3));
      await s.appendTail(b);
      await s.appendTail(a);
      const tail = await s.tail();
      expect(tail.map((t) => t.meta)).toEqual([a.meta, b.meta]);
      expect(tail.map((t) => [...t.bytes])).toEqual([[...a.bytes], [...b.bytes]]);
    });

    it("seals atomically: the blocks appear and the segments they replace are gone", async () => {
      const s = await open(fresh());
      const segs = [
        stored(0, makeEvents(3)),
        stored(3, makeEvents(2, 3)),
        stored(5, makeEvents(1, 5)),
      ];
      for (const seg of segs) await s.appendTail(seg);
      const block = stored(0, makeEvents(5));
      await s.seal([block], [0, 3]);
      expect(await s.blocks()).toEqual([block.meta]);
      expect([...((await s.readBlock(0)) ?? [])]).toEqual([...block.bytes]);
      expect((await s.tail()).map((t) => t.meta.first)).toEqual([5]);
    });

    it("filters sealed blocks by time overlap and orders them by offset", async () => {
      const s = await open(fresh());
      const early = stored(0, makeEvents(2, 0, T0));
      const late = stored(2, makeEvents(2, 0, T0 + 10 * HOUR));
      await s.seal([late, early], []);
      const firsts = async (from?: number, to?: number) =>
        (await s.blocks({ from, to })).map((m: BlockMeta) => m.first);
      expect(await firsts()).toEqual([0, 2]);
      expect(await firsts(T0 + 5 * HOUR)).toEqual([2]);
      expect(await firsts(undefined, T0 + 5 * HOUR)).toEqual([0]);
      expect(await firsts(T0 + 1000, T0 + 1000)).toEqual([0]);
      expect(await firsts(T0 + 2 * HOUR, T0 + 3 * HOUR)).toEqual([]);
    });

    it("keeps what it stored across a reopen", async () => {
      const name = fresh();
      const s = await open(name);
      await s.seal([stored(0, makeEvents(4))], []);
      await s.appendTail(stored(4, makeEvents(1, 4)));
      const again = await open(name);
      expect((await again.blocks()).map((m) => m.first)).toEqual([0]);
      expect((await again.tail()).map((t) => t.meta.first)).toEqual([4]);
    });

    it("does not let a caller mutate stored bytes", async () => {
      const s = await open(fresh());
      const seg = stored(0, makeEvents(2));
      await s.appendTail(seg);
      seg.bytes[0] = 0;
      const [back] = await s.tail();
      back!.bytes[1] = 0;
      expect(openBlock((await s.tail())[0]!.bytes).eventCount).toBe(2);
    });

    describe("under a Log", () => {
      it("makes appended events readable at once and seals at the threshold without losing any", async () => {
        const log = await Log.open(await open(fresh()), { sealEvents: 10 });
        for (let i = 0; i < 25; i += 3) {
          const r = await log.append(makeEvents(3, i));
          expect(r.rejected).toEqual([]);
          expect((await allEvents(log)).map((e) => e.id)).toEqual(
            makeEvents(i + 3).map((e) => e.id),
          );
        }
        const metas = log.metas();
        expect(
          metas
            .filter((m, i) => i < metas.length - 1)
            .every((m, i) => m.first + m.count === metas[i + 1]!.first),
        ).toBe(true);
        expect(log.tailSize.events).toBeLessThan(10);
      });

      it("reopens with the same events, offsets and tail", async () => {
        const name = fresh();
        const log = await Log.open(await open(name), { sealEvents: 4 });
        await log.append(makeEvents(5));
        await log.append(makeEvents(2, 5));
        const again = await Log.open(await open(name), { sealEvents: 4 });
        expect(again.nextOffset).toBe(7);
        expect(await allEvents(again)).toEqual(await allEvents(log));
        expect((await again.append(makeEvents(1, 7))).offsets).toEqual([7]);
      });

      it("reads only blocks overlapping a time range", async () => {
        const log = await Log.open(await open(fresh()), { sealEvents: 2 });
        await log.append(makeEvents(2, 0, T0));
        await log.append(makeEvents(2, 0, T0 + 10 * HOUR));
        const ids = (await allEvents(log, { from: T0 + 9 * HOUR })).map((e) => e.time);
        expect(ids.every((t) => t >= T0 + 10 * HOUR)).toBe(true);
        expect(ids).toHaveLength(2);
      });
    });
  });
}
