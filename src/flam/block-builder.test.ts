import { describe, expect, it } from "vitest";
import { BlockBuilder, encodeBlock } from "./block-builder.ts";
import { openBlock } from "./decode-block.ts";
import { readHeader } from "./header.ts";
import { FlamEncodeError } from "./encode-error.ts";
import type { FlamEvent } from "./event.ts";
import { sampleEvents } from "./test-events.ts";

const T0 = Date.UTC(2026, 0, 1);
const ev = (over: Partial<FlamEvent> = {}): FlamEvent => ({
  id: "e1",
  visitor: "v",
  name: "n",
  time: T0,
  receivedAt: T0,
  properties: {},
  visitorProperties: {},
  ...over,
});

/** Property order within an event is not part of its meaning; compare as sorted entries. */
const canonical = (events: FlamEvent[]) =>
  events.map((e) => ({
    ...e,
    properties: Object.entries(e.properties).sort(([a], [b]) => a.localeCompare(b)),
    visitorProperties: Object.entries(e.visitorProperties).sort(([a], [b]) => a.localeCompare(b)),
  }));

describe("BlockBuilder", () => {
  it("round-trips every value kind exactly, in append order", () => {
    const events = sampleEvents();
    expect(canonical(openBlock(encodeBlock(events)).events())).toEqual(canonical(events));
  });

  it("keeps -0, doubles that are not short decimals, and unicode exact", () => {
    const events = [ev({ properties: { z: -0, third: 1 / 3, pi: Math.PI, s: "😀\u0000\uFEFF" } })];
    const [back] = openBlock(encodeBlock(events)).events();
    expect(Object.is(back!.properties.z, -0)).toBe(true);
    expect(back!.properties.third).toBe(1 / 3);
    expect(back!.properties.pi).toBe(Math.PI);
    expect(back!.properties.s).toBe("😀\u0000\uFEFF");
  });

  it("stores the time range in the header", () => {
    const block = openBlock(encodeBlock(sampleEvents()));
    expect(block.minTime).toBe(T0);
    expect(block.maxTime).toBe(T0 + 86_400_000 * 40);
    expect(block.eventCount).toBe(4);
  });

  it("writes prices as 2-byte scaled decimals and repeated strings once", () => {
    const one = encodeBlock([ev({ properties: { price: 19.99, country: "US" } })]).length;
    const many = encodeBlock(
      Array.from({ length: 101 }, (_, i) =>
        ev({ id: `e${i}`, properties: { price: 19.99 + i, country: "US" } }),
      ),
    ).length;
    // 100 more events cost their ids (in the dictionary), a shape id, and the fixed fields.
    expect((many - one) / 100).toBeLessThan(16);
  });

  it("stores UUID ids as 16 bytes instead of dictionary text", () => {
    const uuid = (i: number) => `0b0c8f3a-1234-4abc-8def-${String(i).padStart(12, "0")}`;
    const asUuid = encodeBlock(Array.from({ length: 100 }, (_, i) => ev({ id: uuid(i) }))).length;
    const asText = encodeBlock(
      Array.from({ length: 100 }, (_, i) => ev({ id: uuid(i).toUpperCase() })),
    ).length;
    expect(asText - asUuid).toBeGreaterThan(100 * 20);
  });

  it("uses two-byte shape ids when a block has more than 256 shapes", () => {
    const events = Array.from({ length: 300 }, (_, i) =>
      ev({ id: `e${i}`, name: `name-${i}`, properties: { [`k${i}`]: i } }),
    );
    const back = openBlock(encodeBlock(events)).events();
    expect(back.map((e) => e.name)).toEqual(events.map((e) => e.name));
    expect(back[299]!.properties).toEqual({ k299: 299 });
  });

  it("merges events of one name with different optional keys into one shape", () => {
    const events = [
      ev({ id: "a", name: "search", properties: { q: "x", page: 1 } }),
      ev({ id: "b", name: "search", properties: { q: "y", coupon: "SAVE" } }),
      ev({ id: "c", name: "search", properties: { q: "z" } }),
      ev({ id: "d", name: "other", properties: { q: "z" } }),
    ];
    const bytes = encodeBlock(events);
    expect(readHeader(bytes).shapeCount).toBe(2);
    expect(canonical(openBlock(bytes).events())).toEqual(canonical(events));
  });

  it("keeps a key whose values change type in separate shapes", () => {
    const events = [
      ev({ id: "a", properties: { v: "x" } }),
      ev({ id: "b", properties: { v: 1 } }),
      ev({ id: "c", properties: { v: null } }),
    ];
    const bytes = encodeBlock(events);
    expect(readHeader(bytes).shapeCount).toBe(3);
    expect(
      openBlock(bytes)
        .events()
        .map((e) => e.properties.v),
    ).toEqual(["x", 1, null]);
  });

  it("rejects an invalid event with the field at fault and leaves the block unchanged", () => {
    const b = new BlockBuilder();
    b.append(ev({ id: "good-1" }));
    const bad: [Partial<FlamEvent>, string][] = [
      [{ id: "" }, "id"],
      [{ visitor: 5 as unknown as string }, "visitor"],
      [{ time: 1.5 }, "time"],
      [{ time: -1 }, "time"],
      [{ properties: { x: NaN } }, "properties.x"],
      [{ properties: { x: { nested: 1 } as unknown as string } }, "properties.x"],
      [{ properties: { x: "\uD800" } }, "properties.x"],
      [{ properties: { ["k".repeat(256)]: 1 } }, `properties.${"k".repeat(256)} (key)`],
      [{ properties: { s: "x".repeat(70_000) } }, "properties.s"],
      [{ properties: { a: [{}] as unknown as string[] } }, "properties.a"],
    ];
    for (const [over, field] of bad) {
      const error = (() => {
        try {
          b.append(ev(over));
        } catch (e) {
          return e;
        }
      })();
      expect(error).toBeInstanceOf(FlamEncodeError);
      expect((error as FlamEncodeError).field).toBe(field);
    }
    b.append(ev({ id: "good-2" }));
    expect(
      openBlock(b.seal())
        .events()
        .map((e) => e.id),
    ).toEqual(["good-1", "good-2"]);
  });

  it("refuses more properties than the limit, naming the limit", () => {
    const properties = Object.fromEntries(Array.from({ length: 1025 }, (_, i) => [`k${i}`, i]));
    expect(() => new BlockBuilder().append(ev({ properties }))).toThrow(/at most 1024 properties/);
  });

  it("reports FULL once the size budget is reached, and the sealed block stays within it", () => {
    const b = new BlockBuilder({ maxBytes: 4096 });
    let appended = 0;
    expect(() => {
      for (let i = 0; i < 1000; i++) {
        b.append(ev({ id: `event-${i}`, properties: { url: `/page/${i}`, n: i * 1000.5 } }));
        appended++;
      }
    }).toThrow(expect.objectContaining({ code: "FULL" }));
    const block = b.seal();
    expect(block.length).toBeLessThanOrEqual(4096);
    expect(openBlock(block).eventCount).toBe(appended);
  });

  it("empties itself on seal and can build the next block", () => {
    const b = new BlockBuilder();
    b.append(ev());
    b.seal();
    expect(b.count).toBe(0);
    const empty = openBlock(b.seal());
    expect(empty.eventCount).toBe(0);
    expect(empty.events()).toEqual([]);
  });

  it("is deterministic: the same events give the same bytes", () => {
    expect(encodeBlock(sampleEvents())).toEqual(encodeBlock(sampleEvents()));
  });
});
