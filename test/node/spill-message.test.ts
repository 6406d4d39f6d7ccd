/**
 * The spill Queue's message packing (src/edge/spill/message.ts) checked against V8's own
 * serializer, which Queues uses for message bodies: here rather than beside the code because
 * `node:v8` exists in Node, not in the Worker's types.
 */
import { serialize } from "node:v8";
import { describe, expect, it } from "vitest";
import type { FlamEvent } from "../../src/flam/index.ts";
import {
  eventBytes,
  MESSAGE_BYTES,
  packMessages,
  sendGroups,
} from "../../src/edge/spill/message.ts";

const event = (i: number, properties: FlamEvent["properties"] = {}): FlamEvent => ({
  id: `e-${i}`,
  visitor: `v-${i % 7}`,
  name: "view",
  time: 1_764_230_400_000 + i,
  receivedAt: 1_764_230_400_000,
  properties,
  visitorProperties: {},
});

describe("spill messages", () => {
  it("bounds an event's V8 serialization from above, two-byte strings and numbers included", () => {
    const cases = [
      event(1),
      event(2, { note: "a".repeat(8000) }),
      // One non-Latin-1 character makes V8 store the whole string at two bytes a unit.
      event(3, { note: `${"a".repeat(8000)}\u20ac`, n: 1.5, big: 2 ** 53, list: [1, "x", null] }),
      event(4, Object.fromEntries(Array.from({ length: 255 }, (_, k) => [`k${k}`, -k - 0.25]))),
    ];
    for (const e of cases) expect(eventBytes(e)).toBeGreaterThanOrEqual(serialize(e).byteLength);
  });

  it("cuts a partition's share into messages under the limit, in order, each event once", () => {
    const events = Array.from({ length: 1000 }, (_, i) => event(i, { note: "é".repeat(500) }));
    const messages = packMessages("demo", "p1", events, 42);
    expect(messages).not.toBeNull();
    expect(messages!.length).toBeGreaterThan(1);
    expect(messages!.flatMap((m) => m.events)).toEqual(events);
    for (const m of messages!) {
      expect(m).toMatchObject({ project: "demo", partition: "p1", enqueuedAt: 42 });
      expect(serialize(m).byteLength).toBeLessThan(MESSAGE_BYTES);
    }
    expect(new Set(messages!.map((m) => m.id)).size).toBe(messages!.length);
    const groups = sendGroups(messages!);
    expect(groups.flat()).toEqual(messages);
    for (const g of groups) {
      expect(g.length).toBeLessThanOrEqual(100);
      expect(g.reduce((n, m) => n + serialize(m).byteLength, 0)).toBeLessThan(256_000);
    }
  });

  it("answers null when one event alone cannot fit a message", () => {
    const huge = event(0, { a: "x".repeat(8000), b: "y".repeat(8000) });
    const many = Object.fromEntries(
      Array.from({ length: 200 }, (_, k) => [`k${k}`, "z".repeat(400)]),
    );
    expect(packMessages("demo", "p0", [event(1), event(2, many)], 0)).toBeNull();
    expect(packMessages("demo", "p0", [huge], 0)).not.toBeNull();
  });
});
