import { describe, expect, it } from "vitest";
import { bucketLabel, bucketOf, checkTimeZone } from "./time-bucket.ts";
import type { TimeUnit } from "./query.ts";

const at = (iso: string, unit: TimeUnit, tz: string) => {
  const b = bucketOf(Date.parse(iso), unit, tz);
  return [bucketLabel(b.start, tz), (b.end - b.start) / 3_600_000];
};

describe("time buckets", () => {
  it("follow the wall clock across daylight saving", () => {
    expect(at("2026-03-29T12:00:00Z", "day", "Europe/Berlin")).toEqual([
      "2026-03-29T00:00:00+01:00",
      23,
    ]);
    expect(at("2026-10-25T12:00:00Z", "day", "Europe/Berlin")).toEqual([
      "2026-10-25T00:00:00+02:00",
      25,
    ]);
    expect(at("2026-11-01T05:30:00Z", "hour", "America/New_York")).toEqual([
      "2026-11-01T01:00:00-04:00",
      1,
    ]);
    expect(at("2026-11-01T06:30:00Z", "hour", "America/New_York")).toEqual([
      "2026-11-01T01:00:00-05:00",
      1,
    ]);
    expect(at("2026-03-08T07:30:00Z", "hour", "America/New_York")).toEqual([
      "2026-03-08T03:00:00-04:00",
      1,
    ]);
  });

  it("handle half-hour zones, Monday weeks, months and UTC", () => {
    expect(at("2026-01-03T12:10:00Z", "hour", "Asia/Kolkata")).toEqual([
      "2026-01-03T17:00:00+05:30",
      1,
    ]);
    expect(at("2026-01-07T12:10:00Z", "week", "Asia/Kolkata")).toEqual([
      "2026-01-05T00:00:00+05:30",
      168,
    ]);
    expect(at("2026-01-31T20:10:00Z", "month", "Asia/Kolkata")).toEqual([
      "2026-02-01T00:00:00+05:30",
      672,
    ]);
    expect(at("2026-01-04T23:59:59Z", "week", "UTC")).toEqual(["2025-12-29T00:00:00Z", 168]);
    expect(at("2026-01-04T23:59:59Z", "minute", "UTC")).toEqual(["2026-01-04T23:59:00Z", 1 / 60]);
    expect(at("2026-01-15T10:00:00Z", "day", "Europe/London")).toEqual([
      "2026-01-15T00:00:00Z",
      24,
    ]);
  });

  it("know which zones exist", () => {
    expect(checkTimeZone("Europe/Berlin")).toBe(true);
    expect(checkTimeZone("Mars/Olympus")).toBe(false);
    expect(checkTimeZone("")).toBe(false);
  });
});
