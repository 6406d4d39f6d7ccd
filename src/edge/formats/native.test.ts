import { describe, expect, test } from "vitest";
import { FormatError } from "./format-error.ts";
import { parseNative } from "./native.ts";

const T0 = 1704067200000;

describe("parseNative", () => {
  test("reads every field of a complete event", () => {
    const batch = parseNative({
      sentAt: "2024-01-01T00:00:01Z",
      events: [
        {
          id: "e1",
          visitor: "v1",
          name: "purchase",
          time: "2024-01-01T00:00:00Z",
          properties: { price: 10, cart: { items: 2 } },
          visitorProperties: { plan: "pro" },
        },
      ],
    });
    expect(batch).toEqual({
      sentAt: T0 + 1000,
      events: [
        {
          id: "e1",
          visitor: "v1",
          name: "purchase",
          time: T0,
          properties: { price: 10, cart: { items: 2 } },
          visitorProperties: { plan: "pro" },
        },
      ],
    });
  });

  test("leaves optional fields out rather than undefined, and gives empty maps", () => {
    const [event] = parseNative({ events: [{ visitor: "v1", name: "signup" }] }).events;
    expect(event).toStrictEqual({
      visitor: "v1",
      name: "signup",
      properties: Object.create(null),
      visitorProperties: Object.create(null),
    });
  });

  test("reads time given as epoch ms", () => {
    const [event] = parseNative({ events: [{ visitor: "v", name: "n", time: T0 }] }).events;
    expect(event).toMatchObject({ time: T0 });
  });

  test("treats null optional fields as absent", () => {
    const [event] = parseNative({
      events: [{ visitor: "v", name: "n", id: null, time: null, properties: null }],
    }).events;
    expect(event).toEqual({ visitor: "v", name: "n", properties: {}, visitorProperties: {} });
  });

  test("replaces each bad event with a failure naming its index and field, keeping the others", () => {
    const batch = parseNative({
      events: [
        { visitor: "v", name: "ok" },
        { visitor: 42, name: "n" },
        { visitor: "", name: "n" },
        { visitor: "v" },
        { visitor: "v", name: "n", id: 7 },
        { visitor: "v", name: "n", time: "yesterday" },
        { visitor: "v", name: "n", time: -5 },
        { visitor: "v", name: "n", properties: [1] },
        { visitor: "v", name: "n", visitorProperties: "pro" },
        "not an event",
        { visitor: "v", name: "also ok" },
      ],
    });
    expect(batch.events).toEqual([
      { visitor: "v", name: "ok", properties: {}, visitorProperties: {} },
      {
        code: "missing_visitor",
        message: "events[1].visitor must be a non-empty string, got a number",
      },
      {
        code: "missing_visitor",
        message: "events[2].visitor must be a non-empty string, got an empty string",
      },
      { code: "missing_name", message: "events[3].name must be a non-empty string, got undefined" },
      { code: "invalid_id", message: "events[4].id must be a non-empty string, got a number" },
      {
        code: "invalid_time",
        message: "events[5].time must be ISO 8601 text or epoch ms at or after 1970",
      },
      {
        code: "invalid_time",
        message: "events[6].time must be ISO 8601 text or epoch ms at or after 1970",
      },
      {
        code: "invalid_properties",
        message: "events[7].properties must be an object, got an array",
      },
      {
        code: "invalid_properties",
        message: "events[8].visitorProperties must be an object, got a string",
      },
      { code: "not_an_object", message: "events[9] must be an object, got a string" },
      { visitor: "v", name: "also ok", properties: {}, visitorProperties: {} },
    ]);
  });

  test.each([null, [], "events", 1, {}, { events: {} }, { events: "[]" }])(
    "throws FormatError for a body without an events array: %j",
    (body) => {
      expect(() => parseNative(body)).toThrow(FormatError);
    },
  );

  test("throws FormatError with code invalid_body for an unreadable sentAt", () => {
    expect(() => parseNative({ events: [], sentAt: "soon" })).toThrow(
      expect.objectContaining({ code: "invalid_body", message: expect.stringContaining("sentAt") }),
    );
  });

  test("accepts an empty batch", () => {
    expect(parseNative({ events: [] })).toEqual({ events: [] });
  });

  test("copies property maps, so later changes to the body do not reach the event", () => {
    const properties = { a: 1 };
    const [event] = parseNative({ events: [{ visitor: "v", name: "n", properties }] }).events;
    properties.a = 2;
    expect(event).toMatchObject({ properties: { a: 1 } });
  });
});
