import { describe, expect, it } from "vitest";
import { LIMITS } from "./limits.ts";
import { normalizeEvent, SKEW_DEAD_ZONE_MS, skewOf } from "./normalize.ts";

const now = Date.parse("2026-11-27T12:00:00Z");
const ctx = { receivedAt: now, skew: 0, newId: () => "generated-id" };
const base = { visitor: "v1", name: "search", properties: {}, visitorProperties: {} };

describe("normalizeEvent", () => {
  it("assigns an id, stamps times and flattens properties", () => {
    expect(
      normalizeEvent({ ...base, properties: { deal: { from: "SFO", to: "NYC" } } }, ctx),
    ).toEqual({
      id: "generated-id",
      visitor: "v1",
      name: "search",
      time: now,
      receivedAt: now,
      properties: { "deal.from": "SFO", "deal.to": "NYC" },
      visitorProperties: {},
    });
  });

  it("moves event times onto the server clock by the batch's skew", () => {
    const e = normalizeEvent({ ...base, time: now - 600_000 }, { ...ctx, skew: 600_000 });
    expect("time" in e && e.time).toBe(now);
  });

  it("leaves skews inside the dead zone alone, so network transit cannot reorder a device's batches", () => {
    expect(skewOf(now, now - 800)).toBe(0);
    expect(skewOf(now, now - SKEW_DEAD_ZONE_MS - 1)).toBe(SKEW_DEAD_ZONE_MS + 1);
    expect(skewOf(now, undefined)).toBe(0);
  });

  const refusals: [string, object, string][] = [
    ["an empty visitor", { visitor: "" }, "invalid_event"],
    ["a visitor over the id limit", { visitor: "v".repeat(LIMITS.idBytes + 1) }, "field_too_long"],
    ["a time far in the future", { time: now + LIMITS.futureMs + 1 }, "time_in_future"],
    ["a time before 2000", { time: Date.UTC(1999, 0, 1) }, "time_too_old"],
    [
      "too many properties",
      { properties: Object.fromEntries(Array.from({ length: 256 }, (_, i) => [`k${i}`, i])) },
      "too_many_properties",
    ],
    ["a key over 255 bytes", { properties: { ["k".repeat(256)]: 1 } }, "key_too_long"],
    [
      "a value over 8 KiB",
      { properties: { s: "x".repeat(LIMITS.valueBytes + 1) } },
      "value_too_long",
    ],
    ["a lone surrogate", { properties: { s: "\uD800" } }, "invalid_property"],
  ];
  for (const [what, over, code] of refusals) {
    it(`refuses ${what} with ${code}`, () => {
      const r = normalizeEvent({ ...base, ...over }, ctx);
      expect(r).toMatchObject({ code });
      expect((r as { message: string }).message.length).toBeGreaterThan(10);
    });
  }
});
