import { describe, expect, it } from "vitest";
import { QueryError } from "./errors.ts";
import { parseQuery } from "./parse.ts";

function pathOf(input: unknown): string {
  try {
    parseQuery(input);
  } catch (e) {
    if (e instanceof QueryError) return e.path;
    throw e;
  }
  throw new Error("accepted");
}

const count = [{ fn: "count" }];

describe("parseQuery", () => {
  it("names columns and fills defaults", () => {
    const q = parseQuery({
      from: "events",
      select: [
        { fn: "count" },
        { fn: "percentile", field: "price", p: 0.995 },
        { fn: "sum", field: "price", as: "revenue" },
      ],
      groupBy: ["country", { time: "week", tz: "Europe/Berlin" }],
      time: { from: "2026-01-01", to: 1767830400000 },
    });
    expect(q).toMatchObject({
      select: [{ column: "count" }, { column: "p99.5_price" }, { column: "revenue" }],
      groupBy: [
        { field: "country", column: "country" },
        { time: "week", tz: "Europe/Berlin", column: "week" },
      ],
      time: { from: Date.parse("2026-01-01T00:00:00Z"), to: 1767830400000 },
      orderBy: [],
      limit: 1000,
    });
  });

  it("turns ISO text on time fields into epoch ms", () => {
    const q = parseQuery({
      from: "rawEvents",
      where: { field: "time", op: "gte", value: "2026-01-02T00:00:00+01:00" },
    });
    expect(q.where).toEqual({
      field: "time",
      op: "gte",
      value: Date.parse("2026-01-01T23:00:00Z"),
    });
  });

  it("points at the offending part", () => {
    expect(pathOf({ from: "events", select: count, time: { from: "2026-01-01T00:00:00" } })).toBe(
      "/time/from",
    );
    expect(pathOf({ from: "events", select: count, where: { all: [] } })).toBe("/where/all");
    expect(
      pathOf({
        from: "events",
        select: count,
        where: { any: [{ field: "a", op: "in", value: [] }] },
      }),
    ).toBe("/where/any/0/value");
    expect(
      pathOf({ from: "events", select: count, where: { field: "a", op: "lt", value: true } }),
    ).toBe("/where/value");
    expect(
      pathOf({
        from: "events",
        select: count,
        where: { not: { field: "a", op: "eq", value: 1, x: 2 } },
      }),
    ).toBe("/where/not/x");
    expect(pathOf({ from: "events", select: [{ fn: "percentile", field: "p", p: 2 }] })).toBe(
      "/select/0/p",
    );
    expect(pathOf({ from: "events", select: [{ fn: "sum" }] })).toBe("/select/0/field");
    expect(pathOf({ from: "visitors", select: count })).toBe("/select");
    expect(pathOf({ from: "visitors", cursor: "bm9wZQ" })).toBe("/cursor");
    expect(pathOf({ from: "events", select: count, "a/b": 1 })).toBe("/a~1b");
    expect(pathOf([])).toBe("");
  });

  it("limits nesting and size", () => {
    let deep: unknown = { field: "a", op: "eq", value: 1 };
    for (let i = 0; i < 16; i++) deep = { not: deep };
    expect(pathOf({ from: "events", select: count, where: deep })).toMatch(/^\/where(\/not)+$/);
    const many = Array.from({ length: 257 }, () => ({ field: "a", op: "eq", value: 1 }));
    expect(pathOf({ from: "events", select: count, where: { any: many } })).toBe("/where/any/256");
    expect(
      pathOf({ from: "events", select: Array.from({ length: 33 }, () => ({ fn: "count" })) }),
    ).toBe("/select");
  });
});
