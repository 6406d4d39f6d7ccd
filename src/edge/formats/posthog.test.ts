import { describe, expect, test } from "vitest";
import { fixtureJson, fixtures } from "./fixtures.ts";
import { FormatError } from "./format-error.ts";
import { parsePostHog } from "./posthog.ts";

const T0 = 1704067200000;

describe("parsePostHog on the posthog-node batch fixture", () => {
  const batch = parsePostHog(fixtureJson(fixtures.posthogBatch));

  test("reads api_key and sent_at", () => {
    expect(batch).toMatchObject({ writeKey: "phc_test", sentAt: T0 + 1000 });
    expect(batch.events).toHaveLength(4);
  });

  test("keeps $pageview and its $groups as sent", () => {
    expect(batch.events[0]).toEqual({
      id: "0190c8a0-0000-7000-8000-000000000001",
      visitor: "d-1",
      name: "$pageview",
      time: T0,
      properties: {
        $current_url: "https://example.com/",
        $groups: { company: "acme" },
        $lib: "posthog-node",
        $lib_version: "5.70.0",
      },
      visitorProperties: {},
    });
  });

  test("moves $set to visitor properties and keeps $set_once on the event", () => {
    expect(batch.events[1]).toEqual({
      id: "0190c8a0-0000-7000-8000-000000000002",
      visitor: "d-1",
      name: "$identify",
      time: T0 + 1,
      properties: {
        $set_once: { $initial_referrer: "https://google.com/" },
        $anon_distinct_id: "anon-ph",
        $lib: "posthog-node",
      },
      visitorProperties: { email: "a@b.c", plan: "pro" },
    });
  });

  test("keeps $create_alias and $groupidentify as sent", () => {
    expect(batch.events[2]).toMatchObject({
      name: "$create_alias",
      properties: { alias: "anon-ph" },
    });
    expect(batch.events[3]).toMatchObject({
      name: "$groupidentify",
      visitor: "$company_acme",
      properties: { $group_type: "company", $group_key: "acme", $group_set: { name: "Acme Inc" } },
    });
  });
});

describe("parsePostHog", () => {
  test("reads a single-event capture body", () => {
    expect(parsePostHog(fixtureJson(fixtures.posthogCapture))).toEqual({
      writeKey: "phc_test",
      events: [
        {
          visitor: "d-2",
          name: "signed_up",
          time: T0,
          properties: { plan: "free" },
          visitorProperties: {},
        },
      ],
    });
  });

  test("reads the v1 body's created_at as sentAt, leaving the token to the Bearer header", () => {
    const batch = parsePostHog(fixtureJson(fixtures.posthogV1));
    expect(batch.sentAt).toBe(T0 + 1000);
    expect(batch.writeKey).toBeUndefined();
    expect(batch.events[0]).toMatchObject({
      id: "0190c8a0-0000-7000-8000-000000000005",
      visitor: "d-3",
      name: "clicked",
    });
  });

  test("reads a posthog-js array with distinct_id and token inside properties and $set on the event", () => {
    const batch = parsePostHog([
      {
        event: "$identify",
        properties: { distinct_id: "d-4", token: "phc_js", $browser: "Chrome" },
        $set: { email: "x@y.z" },
        $set_once: { first_seen: "2024" },
        timestamp: "2024-01-01T00:00:00Z",
      },
    ]);
    expect(batch).toEqual({
      writeKey: "phc_js",
      events: [
        {
          visitor: "d-4",
          name: "$identify",
          time: T0,
          properties: { $browser: "Chrome", $set_once: { first_seen: "2024" } },
          visitorProperties: { email: "x@y.z" },
        },
      ],
    });
  });

  test("merges $set_once from properties and from the event", () => {
    const [event] = parsePostHog({
      event: "e",
      distinct_id: "d",
      properties: { $set_once: { a: 1, b: 1 } },
      $set_once: { b: 2 },
    }).events;
    expect(event).toMatchObject({ properties: { $set_once: { a: 1, b: 2 } } });
  });

  test("accepts a numeric distinct_id as its decimal text", () => {
    expect(parsePostHog({ event: "e", distinct_id: 123 }).events[0]).toMatchObject({
      visitor: "123",
    });
  });

  test("reads the token of a body without api_key", () => {
    expect(parsePostHog({ token: "phc_t", batch: [] })).toEqual({ writeKey: "phc_t", events: [] });
  });

  test("replaces each bad event with a failure naming its index and field", () => {
    const batch = parsePostHog({
      batch: [
        { event: "ok", distinct_id: "d" },
        { distinct_id: "d" },
        { event: "e" },
        { event: "e", distinct_id: {} },
        { event: "e", distinct_id: "d", uuid: [1] },
        { event: "e", distinct_id: "d", timestamp: "now" },
        { event: "e", distinct_id: "d", properties: 5 },
        null,
      ],
      sent_at: 12,
    });
    expect(batch.sentAt).toBe(12);
    expect(batch.events.map((e) => ("code" in e ? e : "event"))).toEqual([
      "event",
      { code: "missing_name", message: "batch[1].event must be a non-empty string, got undefined" },
      {
        code: "missing_visitor",
        message: "batch[2].distinct_id is required (a non-empty string or a number)",
      },
      {
        code: "missing_visitor",
        message: "batch[3].distinct_id is required (a non-empty string or a number)",
      },
      { code: "invalid_id", message: "batch[4].uuid must be a string" },
      {
        code: "invalid_time",
        message: "batch[5].timestamp must be ISO 8601 text at or after 1970",
      },
      {
        code: "invalid_properties",
        message: "batch[6].properties must be an object, got a number",
      },
      { code: "not_an_object", message: "batch[7] must be an object, got null" },
    ]);
  });

  test.each([null, "x", 5, {}, { batch: {} }, { event: "e", batch: "x" }, { data: "eyJ9" }])(
    "throws FormatError for %j",
    (body) => {
      expect(() => parsePostHog(body)).toThrow(FormatError);
    },
  );
});
