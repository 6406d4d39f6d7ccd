import { describe, expect, it } from "vitest";
import { idHash } from "./id-hash.ts";

describe("idHash", () => {
  it("is a 52-bit non-negative integer, the same for the same id", () => {
    for (const id of ["", "a", "e-1", "0b5c2e7a-8d7f-4a0e-9a53-2f7e1c3d9b10", "é✓😀"]) {
      const h = idHash(id);
      expect(Number.isSafeInteger(h)).toBe(true);
      expect(h).toBeGreaterThanOrEqual(0);
      expect(h).toBeLessThan(2 ** 52);
      expect(idHash(id)).toBe(h);
    }
  });

  it("gives 200,000 similar ids 200,000 different hashes", () => {
    const seen = new Set<number>();
    for (let i = 0; i < 100_000; i++) {
      seen.add(idHash(`e-${i}`));
      seen.add(idHash(`0b5c2e7a-8d7f-4a0e-9a53-${String(i).padStart(12, "0")}`));
    }
    expect(seen.size).toBe(200_000);
  });

  it("spreads ids over both halves of its high and low bits", () => {
    let high = 0;
    let low = 0;
    for (let i = 0; i < 10_000; i++) {
      const h = idHash(`id-${i}`);
      if (h >= 2 ** 51) high++;
      if (h % 2 === 1) low++;
    }
    expect(high).toBeGreaterThan(4_700);
    expect(high).toBeLessThan(5_300);
    expect(low).toBeGreaterThan(4_700);
    expect(low).toBeLessThan(5_300);
  });
});
