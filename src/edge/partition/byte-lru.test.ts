import { describe, expect, it } from "vitest";
import { ByteLru } from "./byte-lru.ts";

describe("ByteLru", () => {
  it("evicts the least recently used entries once the sizes pass the bound", () => {
    const lru = new ByteLru<string, number>(10);
    lru.set("a", 1, 4);
    lru.set("b", 2, 4);
    expect(lru.get("a")).toBe(1);
    lru.set("c", 3, 4);
    expect([lru.get("a"), lru.get("b"), lru.get("c")]).toEqual([1, undefined, 3]);
    expect(lru.bytes).toBe(8);
  });

  it("counts a replaced entry once, at its new size", () => {
    const lru = new ByteLru<string, number>(10);
    lru.set("a", 1, 6);
    lru.set("a", 2, 3);
    expect([lru.get("a"), lru.bytes, lru.size]).toEqual([2, 3, 1]);
  });

  it("does not keep an entry larger than the whole bound, nor an older copy of it", () => {
    const lru = new ByteLru<string, number>(10);
    lru.set("a", 1, 2);
    lru.set("a", 2, 11);
    expect([lru.get("a"), lru.bytes]).toEqual([undefined, 0]);
  });

  it("forgets deleted and cleared entries", () => {
    const lru = new ByteLru<string, number>(10);
    lru.set("a", 1, 2);
    lru.set("b", 2, 2);
    lru.delete("a");
    expect([lru.get("a"), lru.bytes]).toEqual([undefined, 2]);
    lru.clear();
    expect([lru.get("b"), lru.bytes, lru.size]).toEqual([undefined, 0, 0]);
  });
});
