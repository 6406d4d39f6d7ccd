import { describe, expect, it } from "vitest";
import { parseSegment, parseTrigger, referencedSegments } from "./definition.ts";
import { DefinitionError } from "./errors.ts";
import type { SegmentSpec } from "./spec.ts";
import { AIRLINE } from "./visitor-sim.test-helper.ts";

const frequent: SegmentSpec = {
  name: "frequent",
  definition: { did: "flight", count: "atLeast", n: 2 },
};
const segments = new Map([["frequent", frequent]]);

/** The path and message of the error a trigger's JSON fails with. */
function failure(json: unknown): { path: string; message: string } {
  try {
    parseTrigger(json, segments);
  } catch (e) {
    if (e instanceof DefinitionError) return { path: e.path, message: e.message };
    throw e;
  }
  throw new Error("accepted");
}

const base = {
  name: "t",
  when: { event: "search" },
  segment: { did: "search", atLeast: 1 },
  frequency: { everyTime: true },
  actions: [{ type: "inPage", payload: {} }],
};
const nested = (depth: number): unknown =>
  depth === 1 ? { did: "a", atLeast: 1 } : { not: nested(depth - 1) };

describe("parseTrigger", () => {
  it("reads the airline trigger exactly as written", () => {
    expect(parseTrigger(AIRLINE, new Map())).toEqual({
      name: "repeat deal searcher",
      when: { event: "search" },
      segment: {
        all: [
          { did: "search", inARow: 4, sameValue: "deal" },
          { not: { visitor: "booked", op: "eq", value: true } },
        ],
      },
      frequency: { oncePer: "visitor" },
      actions: [
        { type: "inPage", payload: { banner: "Save 20% if you book today!" } },
        { type: "webhook", url: "https://hooks.example.com/promo", secret: "s3cr3t" },
        { type: "tag", set: { promo_sent: true } },
      ],
    });
  });

  it("turns durations into ms, fills the visit gap, reads filters and resolves segments", () => {
    const t = parseTrigger(
      {
        ...base,
        when: { event: "pageview", where: { field: "time", op: "gte", value: "2026-01-01" } },
        segment: {
          any: [
            { segment: "frequent" },
            {
              did: "purchase",
              where: { field: "price", op: "gt", value: 100 },
              exactly: 2,
              within: "30d",
            },
          ],
        },
        frequency: { oncePer: "visit" },
      },
      segments,
    );
    expect(t.when.where).toEqual({ field: "time", op: "gte", value: Date.parse("2026-01-01") });
    expect(t.segment).toEqual({
      any: [
        { segment: "frequent", definition: frequent.definition },
        {
          did: "purchase",
          where: { field: "price", op: "gt", value: 100 },
          count: "exactly",
          n: 2,
          within: 30 * 86_400_000,
        },
      ],
    });
    expect(t.frequency).toEqual({ oncePer: "visit", gap: 30 * 60_000 });
    expect(referencedSegments(t.segment)).toEqual(["frequent"]);
    expect(
      parseTrigger({ ...base, frequency: { atMostEvery: "90s" } }, segments).frequency,
    ).toEqual({
      atMostEvery: 90_000,
    });
  });

  it("accepts http webhooks to this machine only, and 8 levels of nesting", () => {
    const hook = (url: string) => ({ ...base, actions: [{ type: "webhook", url, secret: "k" }] });
    expect(parseTrigger(hook("http://127.0.0.1:8787/hook"), segments).actions[0]).toMatchObject({
      url: "http://127.0.0.1:8787/hook",
    });
    expect(failure(hook("http://example.com/hook")).path).toBe("/actions/0/url");
    expect(() => parseTrigger({ ...base, segment: nested(8) }, segments)).not.toThrow();
  });

  const big = "x".repeat(5000);
  it.each([
    ["a missing name", { ...base, name: undefined }, "/name", "must be a name of 1 to 128"],
    ["an unknown top-level key", { ...base, trigger: 1 }, "/trigger", "unknown key"],
    [
      "a when on a system event",
      { ...base, when: { event: "$tag" } },
      "/when/event",
      "system events",
    ],
    [
      "visitor.<prop> in a when filter",
      { ...base, when: { event: "a", where: { field: "visitor.plan", op: "eq", value: "pro" } } },
      "/when/where/field",
      "not allowed",
    ],
    [
      "a bad operator in a did filter",
      { ...base, segment: { did: "a", where: { field: "x", op: "like", value: 1 }, atLeast: 1 } },
      "/segment/where/op",
      "must be one of eq",
    ],
    [
      "an unknown constraint",
      { ...base, segment: { did2: "a" } },
      "/segment",
      "must be a constraint",
    ],
    ["a did without a count", { ...base, segment: { did: "a" } }, "/segment", "needs one of"],
    [
      "two counts",
      { ...base, segment: { did: "a", atLeast: 1, atMost: 3 } },
      "/segment/atMost",
      "exactly one of",
    ],
    ["a count of 0", { ...base, segment: { did: "a", atLeast: 0 } }, "/segment/atLeast", "1..1000"],
    [
      "a run of 1001",
      { ...base, segment: { did: "a", inARow: 1001 } },
      "/segment/inARow",
      "1..1000",
    ],
    [
      "within on a run",
      { ...base, segment: { did: "a", inARow: 2, within: "1h" } },
      "/segment/within",
      "unknown key",
    ],
    [
      "a duration without a unit",
      { ...base, segment: { did: "a", atLeast: 2, within: "30" } },
      "/segment/within",
      "must be a duration",
    ],
    [
      "a duration past 400 days",
      { ...base, segment: { did: "a", atLeast: 2, within: "401d" } },
      "/segment/within",
      "between 1s and 400d",
    ],
    [
      "a visitor constraint with a bad value",
      { ...base, segment: { all: [{ visitor: "age", op: "gt", value: true }] } },
      "/segment/all/0/value",
      "compares with a number or a string",
    ],
    ["an empty all", { ...base, segment: { all: [] } }, "/segment/all", "must not be empty"],
    [
      "an unknown segment",
      { ...base, segment: { not: { segment: "nope" } } },
      "/segment/not/segment",
      'no segment is named "nope"',
    ],
    [
      "nine levels",
      { ...base, segment: nested(9) },
      "/segment/not/not/not/not/not/not/not/not",
      "nest at most 8",
    ],
    [
      "65 constraints",
      { ...base, segment: { any: Array.from({ length: 64 }, () => ({ did: "a", atLeast: 1 })) } },
      "/segment/any/63",
      "at most 64 constraints",
    ],
    [
      "an unknown frequency",
      { ...base, frequency: { oncePer: "day" } },
      "/frequency/oncePer",
      '"visitor" or "visit"',
    ],
    [
      "everyTime false",
      { ...base, frequency: { everyTime: false } },
      "/frequency/everyTime",
      "must be true",
    ],
    ["no actions", { ...base, actions: [] }, "/actions", "1 to 10 actions"],
    [
      "an unknown action",
      { ...base, actions: [{ type: "email" }] },
      "/actions/0/type",
      "must be one of",
    ],
    [
      "a payload over 4 KiB",
      { ...base, actions: [{ type: "inPage", payload: { big } }] },
      "/actions/0/payload",
      "at most 4096 bytes",
    ],
    [
      "a webhook with an empty secret",
      { ...base, actions: [{ type: "webhook", url: "https://h.example/x", secret: "" }] },
      "/actions/0/secret",
      "1 to 256",
    ],
    [
      "a webhook with headers",
      {
        ...base,
        actions: [{ type: "webhook", url: "https://h.example/x", secret: "k", headers: {} }],
      },
      "/actions/0/headers",
      "unknown key",
    ],
    [
      "a tag of an array",
      { ...base, actions: [{ type: "tag", set: { "a/b": [1] } }] },
      "/actions/0/set/a~1b",
      "must be a string, number, boolean or null",
    ],
  ])("refuses %s", (_name, json, path, reason) => {
    const { path: at, message } = failure(json);
    expect(at).toBe(path);
    expect(message).toContain(reason);
    expect(message.startsWith(`${path}: `)).toBe(true);
  });

  it("counts a referenced segment's constraints and levels", () => {
    const deep: SegmentSpec = {
      name: "deep",
      definition: { not: { not: { not: { did: "a", count: "atLeast", n: 1 } } } },
    };
    const err = () => parseTrigger({ ...base, segment: nested(6) }, new Map([["deep", deep]]));
    expect(err).not.toThrow();
    const at6 = { not: { not: { not: { not: { not: { segment: "deep" } } } } } };
    try {
      parseTrigger({ ...base, segment: at6 }, new Map([["deep", deep]]));
      throw new Error("accepted");
    } catch (e) {
      expect((e as DefinitionError).path).toBe("/segment/not/not/not/not/not/segment");
    }
  });
});

describe("parseSegment", () => {
  it("reads a segment and refuses one referencing itself", () => {
    expect(
      parseSegment(
        { name: "vip", definition: { visitor: "vip", op: "eq", value: true } },
        segments,
      ),
    ).toEqual({
      name: "vip",
      definition: { visitor: "vip", op: "eq", value: true },
    });
    expect(() =>
      parseSegment({ name: "frequent", definition: { segment: "frequent" } }, segments),
    ).toThrow("/definition/segment: a segment cannot reference itself");
    expect(() =>
      parseSegment({ name: "x", definition: { visitor: "a", op: "eq" } }, segments),
    ).toThrow("/definition/value: is required");
  });
});
