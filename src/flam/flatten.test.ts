import { describe, expect, it } from "vitest";
import { flattenProperties, MAX_DEPTH } from "./flatten.ts";
import { encodeBlock } from "./block-builder.ts";
import { openBlock } from "./decode-block.ts";

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

  it("keeps a key named __proto__ as data, through flattening and a block round trip", () => {
    const input = JSON.parse('{"__proto__": {"x": 1}, "a": {"__proto__": [1]}}') as Record<
      string,
      unknown
    >;
    expect(Object.keys(flattenProperties(input)).sort()).toEqual(["__proto__.x", "a.__proto__"]);
    const properties = flattenProperties(JSON.parse('{"__proto__": 5}') as Record<string, unknown>);
    const e = {
      id: "e",
      visitor: "v",
      name: "n",
      time: 0,
      receivedAt: 0,
      properties,
      visitorProperties: {},
    };
    const [back] = openBlock(encodeBlock([e])).events();
    expect(Object.keys(back!.properties)).toEqual(["__proto__"]);
    expect(Object.getOwnPropertyDescriptor(back!.properties, "__proto__")?.value).toBe(5);
    expect(Object.getPrototypeOf(back!.properties)).toBe(Object.prototype);
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
