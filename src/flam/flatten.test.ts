import { describe, expect, it } from "vitest";
import { flattenProperties, MAX_DEPTH } from "./flatten.ts";

describe("flattenProperties", () => {
  it("turns nested objects into dotted keys and keeps scalar arrays", () => {
    expect(
      flattenProperties({ cart: { total: 10, items: ["a", 2, null] }, x: null, ok: true }),
    ).toEqual({
      "cart.total": 10,
      "cart.items": ["a", 2, null],
      x: null,
      ok: true,
    });
  });

  it("keeps arrays of objects as JSON text, and drops what JSON drops", () => {
    expect(flattenProperties({ items: [{ sku: "A" }], u: undefined, f: () => 1 })).toEqual({
      items: '[{"sku":"A"}]',
    });
  });

  it("turns non-finite numbers into null, as JSON does", () => {
    expect(flattenProperties({ a: Infinity, b: [NaN] })).toEqual({ a: null, b: [null] });
  });

  it("stops descending at the depth limit and keeps the rest as JSON text", () => {
    let deep: Record<string, unknown> = { leaf: 1 };
    for (let i = 0; i < MAX_DEPTH + 2; i++) deep = { d: deep };
    const flat = flattenProperties(deep);
    const [key, value] = Object.entries(flat)[0]!;
    expect(key.split(".")).toHaveLength(MAX_DEPTH);
    expect(JSON.parse(value as string)).toEqual({ d: { d: { leaf: 1 } } });
  });
});
