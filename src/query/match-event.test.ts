import { describe, expect, it } from "vitest";
import type { FlamEvent, PropertyValue } from "../flam/index.ts";
import { queryCases, queryDataSet } from "../../test/helpers/query-cases.ts";
import { buildProfiles, evaluateQuery } from "../../test/helpers/query-reference.ts";
import { matchEvent, valueTest } from "./match-event.ts";
import { parseFilter } from "./parse-filter.ts";
import type { Filter } from "./query.ts";

const event = (properties: Record<string, PropertyValue>, name = "search"): FlamEvent => ({
  id: "e1",
  visitor: "v1",
  name,
  time: 1_767_225_600_000,
  receivedAt: 1_767_225_600_100,
  properties,
  visitorProperties: {},
});

const where = (json: unknown): Filter => parseFilter(json, "/where");

describe("valueTest", () => {
  it.each([
    ["eq", 42, 42, true],
    ["eq", 42, "42", false],
    ["eq", 1, true, false],
    ["eq", null, null, true],
    ["eq", null, undefined, false],
    ["eq", '["a","b"]', ["a", "b"], true],
    ["ne", 42, undefined, true],
    ["ne", null, null, false],
    ["in", ["a", 1, null], 1, true],
    ["in", ["a", 1, null], "1", false],
    ["in", ["a", 1, null], undefined, false],
    ["nin", ["a", 1], undefined, true],
    ["nin", ["a", 1], "a", false],
    ["lt", 10, 9, true],
    ["lt", 10, "9", false],
    ["gte", "b", "b", true],
    ["gt", "Z", ["b"], true],
    ["lt", "\uffff", "\u{1F600}", true],
    ["lt", 10, null, false],
    ["contains", "b", ["a", "b"], true],
    ["contains", 1, ["1"], false],
    ["contains", "ell", "hello", true],
    ["contains", "a", undefined, false],
    ["startsWith", '["a', ["a"], true],
    ["startsWith", "he", "hello", true],
    ["startsWith", "1", 12, false],
    ["exists", true, null, false],
    ["exists", false, null, true],
    ["exists", false, undefined, true],
    ["exists", true, 0, true],
  ] as const)("%s %j on %j is %s", (op, value, input, expected) => {
    expect(valueTest(op, value as never)(input as PropertyValue | undefined)).toBe(expected);
  });
});

describe("matchEvent", () => {
  it("reads system fields and properties, and an own property only", () => {
    const e = event({ deal: "SFO-NYC", constructor: 1 });
    expect(matchEvent(where({ field: "name", op: "eq", value: "search" }), e)).toBe(true);
    expect(matchEvent(where({ field: "time", op: "gte", value: "2026-01-01" }), e)).toBe(true);
    expect(matchEvent(where({ field: "receivedAt", op: "lt", value: e.time }), e)).toBe(false);
    expect(matchEvent(where({ field: "toString", op: "exists", value: true }), e)).toBe(false);
    expect(matchEvent(where({ field: "constructor", op: "eq", value: 1 }), e)).toBe(true);
  });

  it("combines with all, any and not", () => {
    const e = event({ deal: "SFO-NYC", price: 99 });
    const f = where({
      all: [
        { field: "deal", op: "startsWith", value: "SFO" },
        {
          any: [
            { field: "price", op: "lt", value: 50 },
            { not: { field: "x", op: "exists", value: true } },
          ],
        },
      ],
    });
    expect(matchEvent(f, e)).toBe(true);
    expect(matchEvent(f, event({ deal: "SFO-NYC", price: 99, x: 1 }))).toBe(false);
  });

  it("reads visitor.<prop> from the profile given, and as absent without one", () => {
    const f = where({ field: "visitor.plan", op: "eq", value: "pro" });
    expect(matchEvent(f, event({}), { plan: "pro" })).toBe(true);
    expect(matchEvent(f, event({}))).toBe(false);
  });

  // Every named filter of the query correctness suite, on every one of its 20,019 events, must
  // match exactly the events the suite's reference evaluator of docs/query.md counts.
  it("agrees with the reference evaluator on every filter of the correctness suite", () => {
    const events = queryDataSet();
    const profiles = buildProfiles(events);
    const filters = queryCases(events)
      .map((c) => c.query.where)
      .filter((w) => w !== undefined);
    expect(filters.length).toBeGreaterThan(30);
    for (const w of filters) {
      const f = where(w);
      const got = events.filter((e) => matchEvent(f, e, profiles.get(e.visitor)!.properties));
      const reference = evaluateQuery(
        { from: "events", select: [{ fn: "count" }], where: w },
        events,
        profiles,
      );
      expect([w, got.length]).toEqual([w, reference.rows[0]![0]]);
    }
  }, 60_000);
});
