import { describe, expect, it } from "vitest";
import { Distinct, Percentile } from "./sketch.ts";

/** Deterministic values: xorshift. */
function rng(seed: number) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

describe("Distinct", () => {
  it("is exact up to 10,000 values, across merges", () => {
    const a = new Distinct();
    const b = new Distinct();
    for (let i = 0; i < 6000; i++) a.add(`s${i}`);
    for (let i = 3000; i < 9000; i++) b.add(`s${i}`);
    a.merge(b.toPartial());
    expect(a.estimate()).toBe(9000);
    expect(a.toPartial()).toHaveProperty("values");
  });

  it("estimates large counts within 3 standard errors (3 x 0.81%), merged or not", () => {
    for (const n of [20_000, 300_000]) {
      const whole = new Distinct();
      const parts = [new Distinct(), new Distinct(), new Distinct()];
      for (let i = 0; i < n; i++) {
        whole.add(`n${i}`);
        parts[i % 3]!.add(`n${i}`);
      }
      const merged = new Distinct();
      for (const p of parts) merged.merge(p.toPartial());
      for (const d of [whole, merged]) expect(Math.abs(d.estimate() - n) / n).toBeLessThan(0.0243);
      expect(merged.estimate()).toBe(whole.estimate());
    }
  });
});

describe("Percentile", () => {
  it("is the exact nearest-rank value while small", () => {
    const p = new Percentile();
    for (const v of [5, 1, 4, 2, 3, 6, 7, 8, 9, 10]) p.add(v);
    expect(p.quantile(0)).toBe(1);
    expect(p.quantile(0.7)).toBe(7);
    expect(p.quantile(0.9)).toBe(9);
    expect(p.quantile(0.91)).toBe(10);
    expect(p.quantile(1)).toBe(10);
    expect(new Percentile().quantile(0.5)).toBeNull();
  });

  it("stays within 1% of the exact value once sketched, for negatives, zeros and merges", () => {
    const next = rng(7);
    const values: number[] = [];
    const parts = [new Percentile(), new Percentile()];
    for (let i = 0; i < 50_000; i++) {
      const u = next();
      const v = u < 0.1 ? -Math.exp(next() * 10) : u < 0.15 ? 0 : Math.exp(next() * 12) / 7;
      values.push(v);
      parts[i % 2]!.add(v);
    }
    const merged = new Percentile();
    for (const p of parts) merged.merge(p.toPartial());
    expect(merged.toPartial()).toHaveProperty("pos");
    const sorted = [...values].sort((a, b) => a - b);
    for (const q of [0, 0.01, 0.05, 0.1, 0.12, 0.5, 0.9, 0.99, 1]) {
      const exact = sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1]!;
      const got = merged.quantile(q)!;
      expect(Math.abs(got - exact)).toBeLessThanOrEqual(Math.abs(exact) * 0.01 + 1e-9);
    }
  });
});
