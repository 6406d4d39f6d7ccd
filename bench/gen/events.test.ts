import { describe, expect, it } from "vitest";
import { generateEvents, PURCHASE, START_TIME } from "./events.ts";
import { EVENT_NAMES } from "./schemas.ts";

const events = generateEvents(20_000);

describe("generateEvents", () => {
  it("returns identical events for the same count and seed", () => {
    expect(generateEvents(2_000, 7)).toEqual(generateEvents(2_000, 7));
  });

  it("returns different events for a different seed", () => {
    const [a, b] = [generateEvents(200, 1), generateEvents(200, 2)];
    expect(a.map((e) => e.id)).not.toEqual(b.map((e) => e.id));
    expect(a.map((e) => e.name)).not.toEqual(b.map((e) => e.name));
  });

  it("uses about fifty event names, every one of them in 20k events", () => {
    expect(EVENT_NAMES.length).toBeGreaterThanOrEqual(45);
    expect(EVENT_NAMES.length).toBeLessThanOrEqual(55);
    expect(new Set(events.map((e) => e.name))).toEqual(new Set(EVENT_NAMES));
  });

  it("skews names so pageview is the most common and purchase is 3-5% of events", () => {
    const count = (name: string): number => events.filter((e) => e.name === name).length;
    expect(count("pageview")).toBeGreaterThan(count("product_view"));
    expect(count(PURCHASE) / events.length).toBeGreaterThan(0.03);
    expect(count(PURCHASE) / events.length).toBeLessThan(0.05);
  });

  it("gives every event between 12 and 40 properties", () => {
    for (const e of events) {
      const n = Object.keys(e.properties).length;
      expect(n).toBeGreaterThanOrEqual(12);
      expect(n).toBeLessThanOrEqual(40);
    }
  });

  it("writes prices with at most two decimals, on purchases and carts but never on pageviews", () => {
    const priced = events.filter((e) => "price" in e.properties);
    for (const e of priced) expect(String(e.properties["price"])).toMatch(/^\d+(\.\d{1,2})?$/);
    const pricedNames = new Set(priced.map((e) => e.name));
    expect(pricedNames).toContain(PURCHASE);
    expect(pricedNames).toContain("add_to_cart");
    expect(pricedNames).not.toContain("pageview");
  });

  it("includes missing and null countries, so queries must group them", () => {
    expect(events.some((e) => !("country" in e.properties))).toBe(true);
    expect(events.some((e) => e.properties["country"] === null)).toBe(true);
  });

  it("orders events in time over seven days from 2026-01-01, received 0-2000 ms later", () => {
    expect(events[0]!.time).toBeGreaterThanOrEqual(START_TIME);
    expect(events.at(-1)!.time).toBeLessThan(START_TIME + 7 * 86_400_000);
    events.forEach((e, i) => {
      if (i > 0) expect(e.time).toBeGreaterThanOrEqual(events[i - 1]!.time);
      expect(e.receivedAt - e.time).toBeGreaterThanOrEqual(0);
      expect(e.receivedAt - e.time).toBeLessThanOrEqual(2000);
    });
  });

  it("gives each event a unique lowercase UUID v4", () => {
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
    for (const e of events) expect(e.id).toMatch(uuid);
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
  });

  it("gives purchases unique order ids", () => {
    const orders = events.filter((e) => e.name === PURCHASE).map((e) => e.properties["order_id"]);
    expect(new Set(orders).size).toBe(orders.length);
  });

  it("spreads events over thousands of visitors, about 5% with visitor properties", () => {
    expect(new Set(events.map((e) => e.visitor)).size).toBeGreaterThan(5_000);
    const withProps = events.filter((e) => Object.keys(e.visitorProperties).length > 0).length;
    expect(withProps / events.length).toBeGreaterThan(0.03);
    expect(withProps / events.length).toBeLessThan(0.07);
  });
});
