/**
 * One behavioural suite over every parser: whatever JSON arrives, a parser returns a well-formed
 * batch or throws `FormatError`, never pollutes a prototype, and still parses correctly after.
 */
import { describe, expect, test } from "vitest";
import { fixtureJson, fixtureQuery, fixtures } from "./fixtures.ts";
import { FormatError } from "./format-error.ts";
import { isFailure, type ParsedBatch } from "./incoming.ts";
import { parseNative } from "./native.ts";
import { parsePostHog } from "./posthog.ts";
import { parseSegment } from "./segment.ts";
import { parseWoopra, parseWoopraPush } from "./woopra.ts";

interface Case {
  name: string;
  /** Parses a body shaped like `template`. */
  parse: (body: unknown) => ParsedBatch;
  /** A body with one valid event, whose fields the suite replaces. */
  template: () => Record<string, unknown>;
  /** Where the event's fields live inside `template`. */
  event: (body: Record<string, unknown>) => Record<string, unknown>;
}

/** Woopra's parameters as a JSON object: sent as a beacon line, and as a query string. */
function woopraParams(): Record<string, unknown> {
  return { website: "w", cookie: "c", event: "e", cv_plan: "pro", ce_x: "1", timestamp: 1 };
}

function toQuery(body: unknown): URLSearchParams {
  const params = new URLSearchParams();
  if (typeof body === "object" && body !== null) {
    for (const [key, value] of Object.entries(body)) {
      params.append(key, typeof value === "string" ? value : JSON.stringify(value));
    }
  }
  return params;
}

const cases: Case[] = [
  {
    name: "parseNative",
    parse: parseNative,
    template: () => ({ events: [{ visitor: "v", name: "n", properties: { a: 1 } }] }),
    event: (b) => (b.events as Record<string, unknown>[])[0] as Record<string, unknown>,
  },
  {
    name: "parseSegment batch",
    parse: (b) => parseSegment("batch", b),
    template: () => ({
      writeKey: "WK",
      batch: [{ type: "track", userId: "u", event: "e", properties: { a: 1 }, context: {} }],
    }),
    event: (b) => (b.batch as Record<string, unknown>[])[0] as Record<string, unknown>,
  },
  {
    name: "parseSegment identify",
    parse: (b) => parseSegment("identify", b),
    template: () => ({ userId: "u", traits: { a: 1 } }),
    event: (b) => b,
  },
  {
    name: "parsePostHog",
    parse: parsePostHog,
    template: () => ({
      api_key: "k",
      batch: [{ event: "e", distinct_id: "d", properties: { a: 1, $set: { b: 2 } } }],
    }),
    event: (b) => (b.batch as Record<string, unknown>[])[0] as Record<string, unknown>,
  },
  {
    name: "parseWoopraPush",
    parse: (b) => parseWoopraPush(JSON.stringify(b)),
    template: () => ({ endpoint: "ce", params: woopraParams() }),
    event: (b) => b.params as Record<string, unknown>,
  },
  {
    name: "parseWoopra",
    parse: (b) => parseWoopra("ce", toQuery(b)),
    template: woopraParams,
    event: (b) => b,
  },
];

const HOSTILE: unknown[] = [
  null,
  true,
  0,
  -0,
  -1,
  1.5,
  1e308,
  "",
  "x",
  "[object Object]",
  "2024-01-01T00:00:00Z",
  [],
  [null],
  [[[]]],
  {},
  { __proto__: null, polluted: true },
  JSON.parse('{"__proto__":{"polluted":true}}'),
];

/** Asserts the shape the lead's normalizer relies on. */
function expectWellFormed(batch: ParsedBatch): void {
  expect(Array.isArray(batch.events)).toBe(true);
  for (const e of batch.events) {
    if (isFailure(e)) {
      expect(e.code).toMatch(/^[a-z_]+$/);
      expect(typeof e.message).toBe("string");
      continue;
    }
    expect(typeof e.visitor === "string" && e.visitor !== "").toBe(true);
    expect(typeof e.name === "string" && e.name !== "").toBe(true);
    if (e.id !== undefined) expect(typeof e.id === "string" && e.id !== "").toBe(true);
    if (e.time !== undefined) expect(Number.isSafeInteger(e.time) && e.time >= 0).toBe(true);
    expect(Object.getPrototypeOf(e.properties)).toBeNull();
    expect(Object.getPrototypeOf(e.visitorProperties)).toBeNull();
  }
  if (batch.sentAt !== undefined) expect(Number.isSafeInteger(batch.sentAt)).toBe(true);
  if (batch.writeKey !== undefined) expect(typeof batch.writeKey).toBe("string");
  if (batch.site !== undefined) expect(typeof batch.site).toBe("string");
}

/** Runs a parser, allowing only `FormatError` to escape. */
function survive(parse: (body: unknown) => ParsedBatch, body: unknown): void {
  let batch: ParsedBatch;
  try {
    batch = parse(body);
  } catch (error) {
    expect(error).toBeInstanceOf(FormatError);
    return;
  }
  expectWellFormed(batch);
}

/** A small deterministic PRNG (mulberry32), so a failing fuzz case is reproducible. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe.each(cases)("$name", ({ parse, template, event }) => {
  test("parses its template into one well-formed event", () => {
    const batch = parse(template());
    expectWellFormed(batch);
    expect(batch.events).toHaveLength(1);
    expect(isFailure(batch.events[0] as never)).toBe(false);
  });

  test.each(HOSTILE.map((v) => [v]))("survives the whole body being %j", (value) => {
    survive(parse, value);
  });

  test("survives any JSON value in any field of the body and of its event", () => {
    for (const scope of ["body", "event"] as const) {
      for (const field of Object.keys(scope === "body" ? template() : event(template()))) {
        for (const value of HOSTILE) {
          const body = template();
          (scope === "body" ? body : event(body))[field] = value;
          survive(parse, body);
        }
      }
    }
  });

  test("keeps __proto__ keys as ordinary keys and pollutes no prototype", () => {
    // Beside each property key, a "__proto__" key (Woopra: "ce___proto__", "cv___proto__").
    const text = JSON.stringify(template()).replace(
      /"(a|b|ce_x|cv_plan)":/g,
      (_, key: string) =>
        `"${key.length > 1 ? key.slice(0, 3) : ""}__proto__":{"polluted":true},"${key}":`,
    );
    const batch = parse(JSON.parse(text));
    expectWellFormed(batch);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const [e] = batch.events;
    if (!e || isFailure(e)) throw new Error("expected an event");
    for (const map of [e.properties, e.visitorProperties]) expect(map.polluted).toBeUndefined();
    const keys = [...Object.keys(e.properties), ...Object.keys(e.visitorProperties)];
    expect(keys.filter((k) => k === "__proto__").length).toBeGreaterThan(0);
  });

  test("survives 2,000 random bodies and still parses its template afterwards", () => {
    const next = random(0x5eed);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)] as T;
    for (let i = 0; i < 2000; i++) {
      const body = template();
      const target = next() < 0.5 ? body : event(body);
      const keys = [...Object.keys(target), "__proto__", "constructor", "batch", "events"];
      for (let n = 1 + Math.floor(next() * 3); n > 0; n--) target[pick(keys)] = pick(HOSTILE);
      survive(parse, next() < 0.05 ? pick(HOSTILE) : body);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expectWellFormed(parse(template()));
    expect(parse(template()).events).toHaveLength(1);
  });
});

describe("every fixture", () => {
  const parsed: [string, ParsedBatch][] = [
    ["woopraNodeTrack", parseWoopra("ce", fixtureQuery(fixtures.woopraNodeTrack))],
    ["woopraNodeIdentify", parseWoopra("identify", fixtureQuery(fixtures.woopraNodeIdentify))],
    ["woopraBrowserTrack", parseWoopra("ce", fixtureQuery(fixtures.woopraBrowserTrack))],
    ["woopraBrowserUpdate", parseWoopra("update", fixtureQuery(fixtures.woopraBrowserUpdate))],
    ["woopraQuirks", parseWoopra("ce", fixtureQuery(fixtures.woopraQuirks))],
    ["woopraPush", parseWoopraPush(fixtures.woopraPush.form.payload)],
    ["segmentBatch", parseSegment("batch", fixtureJson(fixtures.segmentBatch))],
    [
      "segmentBatchWriteKeyInBody",
      parseSegment("batch", fixtureJson(fixtures.segmentBatchWriteKeyInBody)),
    ],
    ["segmentTrack", parseSegment("track", fixtureJson(fixtures.segmentTrack))],
    ["posthogBatch", parsePostHog(fixtureJson(fixtures.posthogBatch))],
    ["posthogCapture", parsePostHog(fixtureJson(fixtures.posthogCapture))],
    ["posthogV1", parsePostHog(fixtureJson(fixtures.posthogV1))],
  ];

  test.each(parsed)("%s parses into well-formed events without a failure", (_, batch) => {
    expectWellFormed(batch);
    expect(batch.events.length).toBeGreaterThan(0);
    expect(batch.events.filter(isFailure)).toEqual([]);
  });
});
