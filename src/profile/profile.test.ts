import { describe, expect, it } from "vitest";
import type { FlamEvent } from "../flam/index.ts";
import { MAX_PROFILE_UNITS, applyEvent, applyEvents } from "./profile.ts";

const T0 = Date.UTC(2026, 0, 1);

function event(over: Partial<FlamEvent> = {}): FlamEvent {
  return {
    id: "e",
    visitor: "v1",
    name: "pageview",
    time: T0,
    receivedAt: T0,
    properties: {},
    visitorProperties: {},
    ...over,
  };
}

describe("applyEvent", () => {
  it("starts a profile from a visitor's first event", () => {
    expect(applyEvent(null, event({ name: "signup", visitorProperties: { plan: "pro" } }))).toEqual(
      {
        visitor: "v1",
        properties: { plan: "pro" },
        firstSeen: T0,
        lastSeen: T0,
        eventCount: 1,
        counts: { signup: 1 },
      },
    );
  });

  it("merges visitor properties in log order, later values winning and null kept as a value", () => {
    const p = applyEvents(null, [
      event({ visitorProperties: { plan: "free", country: "FR", tags: ["a"] } }),
      event({ visitorProperties: { plan: "pro", country: null } }),
      event({ visitorProperties: {} }),
    ]);
    expect(p?.properties).toEqual({ plan: "pro", country: null, tags: ["a"] });
  });

  it("takes firstSeen and lastSeen from event times, whatever the log order", () => {
    const p = applyEvents(null, [
      event({ time: T0 + 5000 }),
      event({ time: T0 + 1000 }),
      event({ time: T0 + 9000 }),
      event({ time: T0 + 2000 }),
    ]);
    expect([p?.firstSeen, p?.lastSeen]).toEqual([T0 + 1000, T0 + 9000]);
  });

  it("counts events in total and per name", () => {
    const names = ["search", "search", "purchase", "search"];
    const p = applyEvents(
      null,
      names.map((name) => event({ name })),
    );
    expect(p?.eventCount).toBe(4);
    expect(p?.counts).toEqual({ search: 3, purchase: 1 });
  });

  it("counts names that are also Object.prototype keys as plain names", () => {
    const p = applyEvents(null, [event({ name: "__proto__" }), event({ name: "toString" })]);
    expect(p?.counts).toEqual(JSON.parse('{"__proto__": 1, "toString": 1}'));
    expect(Object.getPrototypeOf(p?.counts)).toBe(Object.prototype);
  });

  it("keeps a visitor property named __proto__ as a plain property", () => {
    const p = applyEvent(null, event({ visitorProperties: JSON.parse('{"__proto__": "x"}') }));
    expect(Object.hasOwn(p.properties, "__proto__")).toBe(true);
    expect(JSON.parse(JSON.stringify(p.properties))).toEqual(p.properties);
    expect(Object.getPrototypeOf(p.properties)).toBe(Object.prototype);
  });

  it("does not change the profile it is given", () => {
    const p = applyEvent(null, event({ visitorProperties: { plan: "free" } }));
    const frozen = structuredClone(p);
    applyEvent(p, event({ name: "buy", visitorProperties: { plan: "pro" } }));
    expect(p).toEqual(frozen);
  });

  it("refuses an event of another visitor", () => {
    const p = applyEvent(null, event());
    expect(() => applyEvent(p, event({ visitor: "v2" }))).toThrow(RangeError);
  });

  it("leaves out new values that would pass the size bound, and still counts the event", () => {
    const big = "x".repeat(60_000);
    let p = applyEvent(null, event({ visitorProperties: { small: 1 } }));
    for (let i = 0; i < 6; i++) p = applyEvent(p, event({ visitorProperties: { [`k${i}`]: big } }));
    expect(Object.keys(p.properties)).toEqual(["small", "k0", "k1", "k2", "k3"]);
    expect(p.eventCount).toBe(7);
    // An existing key still updates when the result fits.
    p = applyEvent(p, event({ visitorProperties: { small: 2, k0: "short" } }));
    expect([p.properties["small"], p.properties["k0"]]).toEqual([2, "short"]);
    const longName = "n".repeat(MAX_PROFILE_UNITS);
    p = applyEvent(p, event({ name: longName }));
    expect(Object.hasOwn(p.counts, longName)).toBe(false);
    expect(p.eventCount).toBe(9);
  });
});
