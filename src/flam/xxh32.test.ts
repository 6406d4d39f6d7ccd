import { describe, expect, it } from "vitest";
import { xxh32 } from "./xxh32.ts";

const text = (s: string) => new TextEncoder().encode(s);

describe("xxh32", () => {
  it("matches the reference implementation's published values", () => {
    expect(xxh32(new Uint8Array(0))).toBe(0x02cc5d05);
    expect(xxh32(text("a"))).toBe(0x550d7456);
    expect(xxh32(text("abc"))).toBe(0x32d153ff);
    expect(xxh32(text("Nobody inspects the spammish repetition"))).toBe(0xe2293b2f);
  });

  it("hashes a sub-range like the same bytes on their own", () => {
    const all = text("xxabcdefghijklmnopqrstuvwxyz0123456789yy");
    expect(xxh32(all, 2, all.length - 2)).toBe(xxh32(all.subarray(2, all.length - 2)));
  });
});
