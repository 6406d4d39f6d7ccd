import { describe, expect, it } from "vitest";
import { jsonChunks } from "./sql-json.ts";

describe("jsonChunks", () => {
  it("returns nothing for no values", () => {
    expect(jsonChunks([])).toEqual([]);
  });

  it("keeps every value, in order, in arrays under the size bound", () => {
    const values = Array.from({ length: 100 }, (_, i) => [i, `id-${i}`]);
    const chunks = jsonChunks(values, 100);
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.every((c) => c.length <= 100)).toBe(true);
    expect(chunks.flatMap((c) => JSON.parse(c) as unknown[])).toEqual(values);
  });

  it("gives a value larger than the bound an array of its own", () => {
    const chunks = jsonChunks(["a", "x".repeat(50), "b"], 20);
    expect(chunks.map((c) => JSON.parse(c) as unknown[])).toEqual([["a"], ["x".repeat(50)], ["b"]]);
  });
});
