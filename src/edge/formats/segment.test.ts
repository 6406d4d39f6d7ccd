import { describe, expect, test } from "vitest";
import { fixtureJson, fixtures } from "./fixtures.ts";
import { FormatError } from "./format-error.ts";
import { parseSegment, segmentWriteKeyFromBasicAuth } from "./segment.ts";

const T0 = 1704067200000;
const LIBRARY = { name: "@segment/analytics-node", version: "3.1.0" };

describe("parseSegment on the analytics-node batch fixture", () => {
  const batch = parseSegment("batch", fixtureJson(fixtures.segmentBatch));

  test("reads sentAt and leaves writeKey to the Authorization header", () => {
    expect(batch.sentAt).toBe(T0 + 1000);
    expect(batch.writeKey).toBeUndefined();
    expect(batch.events).toHaveLength(6);
  });

  test("maps track to its event name, keeping anonymousId and context but not context.traits", () => {
    expect(batch.events[0]).toEqual({
      id: "node-next-1704067200000-m1",
      visitor: "u-1",
      name: "Order Completed",
      time: T0,
      properties: {
        orderId: "o-1",
        total: 99.5,
        products: [{ sku: "A" }],
        anonymousId: "anon-1",
        "context.library": LIBRARY,
        "context.ip": "1.2.3.4",
      },
      visitorProperties: {},
    });
  });

  test("maps identify traits to visitor properties", () => {
    expect(batch.events[1]).toEqual({
      id: "node-next-1704067200001-m2",
      visitor: "u-1",
      name: "identify",
      time: T0 + 1,
      properties: { "context.library": LIBRARY },
      visitorProperties: { email: "a@b.c", plan: "pro" },
    });
  });

  test("maps page to pageview with its name, category and page context, visitor from anonymousId", () => {
    expect(batch.events[2]).toEqual({
      id: "node-next-1704067200002-m3",
      visitor: "anon-1",
      name: "pageview",
      time: T0 + 2,
      properties: {
        url: "https://example.com/pricing",
        name: "Pricing",
        category: "Docs",
        "context.library": LIBRARY,
        "context.page": { url: "https://example.com/pricing", referrer: "https://google.com/" },
        "context.userAgent": "Mozilla/5.0",
      },
      visitorProperties: {},
    });
  });

  test("maps screen to screen with its name", () => {
    expect(batch.events[3]).toMatchObject({
      name: "screen",
      properties: { variant: "b", name: "Home" },
    });
  });

  test("maps group to groupId and group-prefixed traits", () => {
    expect(batch.events[4]).toMatchObject({
      name: "group",
      visitor: "u-1",
      properties: { groupId: "g-1", "group.name": "Acme", "group.employees": 50 },
      visitorProperties: {},
    });
  });

  test("maps alias to previousId, with the new userId as visitor", () => {
    expect(batch.events[5]).toMatchObject({
      name: "alias",
      visitor: "u-1",
      properties: { previousId: "anon-1" },
    });
  });
});

describe("parseSegment", () => {
  test("reads the write key and sentAt of a retried batch from its body", () => {
    const batch = parseSegment("batch", fixtureJson(fixtures.segmentBatchWriteKeyInBody));
    expect(batch).toMatchObject({ writeKey: "WK", sentAt: T0 + 2000 });
    expect(batch.events[0]).toMatchObject({ visitor: "anon-2", name: "Signed Up" });
  });

  test("reads a single call, its type given by the path", () => {
    const batch = parseSegment("track", fixtureJson(fixtures.segmentTrack));
    expect(batch).toEqual({
      sentAt: T0 + 500,
      events: [
        {
          id: "m-8",
          visitor: "u-3",
          name: "Search",
          time: T0,
          properties: { query: "shoes", "context.library": LIBRARY },
          visitorProperties: {},
        },
      ],
    });
  });

  test("lets the path decide the type of a single call", () => {
    const [event] = parseSegment("identify", {
      type: "track",
      userId: "u",
      traits: { a: 1 },
    }).events;
    expect(event).toMatchObject({ name: "identify", visitorProperties: { a: 1 } });
  });

  test("accepts numeric ids as their decimal text and falls back from an empty userId", () => {
    const [a, b] = parseSegment("batch", {
      batch: [
        { type: "track", event: "e", userId: 42, messageId: 7 },
        { type: "track", event: "e", userId: "", anonymousId: "anon" },
      ],
    }).events;
    expect(a).toMatchObject({ visitor: "42", id: "7" });
    expect(b).toMatchObject({ visitor: "anon" });
    expect(b).not.toHaveProperty("properties.anonymousId");
  });

  test("falls back to originalTimestamp when timestamp is absent", () => {
    const [event] = parseSegment("track", {
      userId: "u",
      event: "e",
      originalTimestamp: "2024-01-01T00:00:00Z",
    }).events;
    expect(event).toMatchObject({ time: T0 });
  });

  test("does not let context overwrite a property of the same name", () => {
    const [event] = parseSegment("track", {
      userId: "u",
      event: "e",
      properties: { "context.ip": "mine" },
      context: { ip: "1.2.3.4" },
    }).events;
    expect(event).toMatchObject({ properties: { "context.ip": "mine" } });
  });

  test("replaces each bad message with a failure naming its index and field", () => {
    const batch = parseSegment("batch", {
      batch: [
        { type: "track", event: "ok", userId: "u" },
        { type: "track", event: "e" },
        { type: "track", userId: "u" },
        { type: "launch", userId: "u" },
        { event: "e", userId: "u" },
        { type: "track", event: "e", userId: "u", timestamp: "later" },
        { type: "track", event: "e", userId: "u", messageId: { id: 1 } },
        { type: "track", event: "e", userId: "u", properties: "x" },
        { type: "identify", userId: "u", traits: [1] },
        7,
      ],
      sentAt: "not a time",
    });
    expect(batch.sentAt).toBeUndefined();
    expect(batch.events.map((e) => ("code" in e ? e : "event"))).toEqual([
      "event",
      {
        code: "missing_visitor",
        message: "batch[1].userId or anonymousId is required (a non-empty string)",
      },
      { code: "missing_name", message: "batch[2].event must be a non-empty string, got undefined" },
      {
        code: "unknown_type",
        message: "batch[3].type must be one of track, identify, page, screen, group, alias",
      },
      {
        code: "unknown_type",
        message: "batch[4].type must be one of track, identify, page, screen, group, alias",
      },
      {
        code: "invalid_time",
        message: "batch[5].timestamp must be ISO 8601 text at or after 1970",
      },
      { code: "invalid_id", message: "batch[6].messageId must be a string" },
      {
        code: "invalid_properties",
        message: "batch[7].properties must be an object, got a string",
      },
      { code: "invalid_properties", message: "batch[8].traits must be an object, got an array" },
      { code: "not_an_object", message: "batch[9] must be an object, got a number" },
    ]);
  });

  test("names fields of a single call without an index", () => {
    expect(parseSegment("track", { event: "e" }).events).toEqual([
      {
        code: "missing_visitor",
        message: "userId or anonymousId is required (a non-empty string)",
      },
    ]);
  });

  test.each([
    ["batch", { batch: {} }],
    ["batch", { events: [] }],
    ["batch", []],
    ["track", null],
    ["track", "body"],
  ] as const)("throws FormatError for a %s body of %j", (kind, body) => {
    expect(() => parseSegment(kind, body)).toThrow(FormatError);
  });
});

describe("segmentWriteKeyFromBasicAuth", () => {
  test("reads the user name of the fixture's header", () => {
    expect(segmentWriteKeyFromBasicAuth(fixtures.segmentBatch.headers.Authorization)).toBe("WK");
  });

  test.each([
    ["Basic " + btoa("wk_live_123:"), "wk_live_123"],
    ["basic " + btoa("wk:ignored-password"), "wk"],
    ["  Basic   " + btoa("wk:") + "  ", "wk"],
    ["Basic " + btoa("wk-no-colon"), "wk-no-colon"],
    ["Basic " + btoa("clé:").replace(/=/g, ""), undefined], // latin-1 bytes are not UTF-8
    ["Basic " + btoa(String.fromCharCode(...new TextEncoder().encode("clé:"))), "clé"],
  ])("reads %j as %j", (header, key) => {
    expect(segmentWriteKeyFromBasicAuth(header)).toBe(key);
  });

  test.each([undefined, "", "Basic", "Basic ", "Bearer V0s6", "Basic " + btoa(":pw"), "Basic !!!"])(
    "finds no key in %j",
    (header) => {
      expect(segmentWriteKeyFromBasicAuth(header)).toBeUndefined();
    },
  );
});
