import { describe, expect, test } from "vitest";
import { parseIsoTime, parseMsText, parseTime } from "./time.ts";

const T0 = 1704067200000; // 2024-01-01T00:00:00Z

describe("parseIsoTime", () => {
  test.each([
    ["2024-01-01T00:00:00.000Z", T0],
    ["2024-01-01T00:00:00Z", T0],
    ["2024-01-01t00:00:00z", T0],
    ["2024-01-01 00:00:00Z", T0],
    ["2024-01-01T00:00Z", T0],
    ["2024-01-01", T0],
    ["2024-01-01T01:00:00+01:00", T0],
    ["2024-01-01T01:00:00+0100", T0],
    ["2024-01-01T01:00:00+01", T0],
    ["2023-12-31T19:30:00-04:30", T0],
    ["2024-01-01T00:00:00.123456789Z", T0 + 123],
    ["2024-01-01T00:00:00,5Z", T0 + 500],
    ["2024-02-29T00:00:00Z", Date.UTC(2024, 1, 29)],
    ["1970-01-01T00:00:00Z", 0],
  ])("reads %s", (text, expected) => {
    expect(parseIsoTime(text)).toBe(expected);
  });

  test("reads a date-time without an offset as UTC, whatever the host's time zone", () => {
    expect(parseIsoTime("2024-01-01T00:00:00")).toBe(T0);
  });

  test.each([
    "2023-02-29",
    "2024-13-01",
    "2024-00-10",
    "2024-04-31",
    "2024-01-01T24:00:00Z",
    "2024-01-01T00:60:00Z",
    "2024-01-01T00:00:60Z",
    "2024-01-01T00:00:00+24:00",
    "1969-12-31T23:59:59Z",
    "0099-01-01",
    "Jan 1 2024",
    "2024/01/01",
    "1704067200000",
    " 2024-01-01",
    "",
  ])("refuses %j", (text) => {
    expect(parseIsoTime(text)).toBeUndefined();
  });
});

describe("parseTime", () => {
  test("reads epoch ms numbers and drops fractions of a ms", () => {
    expect(parseTime(T0)).toBe(T0);
    expect(parseTime(T0 + 0.9)).toBe(T0);
    expect(parseTime(0)).toBe(0);
  });

  test.each([[-1], [Number.NaN], [Infinity], [9e15], [true], [null], [{}], [[T0]]])(
    "refuses %j",
    (value) => {
      expect(parseTime(value)).toBeUndefined();
    },
  );
});

describe("parseMsText", () => {
  test("reads decimal digits only", () => {
    expect(parseMsText("1704067200000")).toBe(T0);
    expect(parseMsText("0")).toBe(0);
    expect(parseMsText("-1")).toBeUndefined();
    expect(parseMsText("1e12")).toBeUndefined();
    expect(parseMsText("12.5")).toBeUndefined();
    expect(parseMsText("99999999999999999")).toBeUndefined();
  });
});
