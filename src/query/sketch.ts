/**
 * The two sketches of the engine, both mergeable and both exact while small (docs/query.md,
 * "Accuracy"): distinct values (an exact set, then HyperLogLog) and percentiles (exact values,
 * then a logarithmic-bucket quantile sketch). Their wire forms are plain arrays so partials
 * cross RPC and JSON unchanged.
 */
import { EXACT_VALUES } from "./limits.ts";

// ---- distinct values -------------------------------------------------------------------------

const HLL_P = 14;
const HLL_M = 1 << HLL_P;

/** Wire form: the exact typed keys, or the HLL registers. */
export type DistinctPartial = { values: string[] } | { hll: number[] };

/** FNV-1a then a murmur finalizer: a well mixed 32-bit hash of a typed key, for HLL. */
function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Distinct typed keys of one group: exact up to EXACT_VALUES, then HyperLogLog (2^14 registers). */
export class Distinct {
  private values: Set<string> | null = new Set();
  private registers: Uint8Array | null = null;

  add(key: string): void {
    if (this.values !== null) {
      this.values.add(key);
      if (this.values.size > EXACT_VALUES) this.toSketch();
    } else this.addHash(key);
  }

  merge(p: DistinctPartial): void {
    if ("values" in p) {
      for (const v of p.values) this.add(v);
      return;
    }
    this.toSketch();
    const r = this.registers!;
    p.hll.forEach((x, i) => {
      if (x > r[i]!) r[i] = x;
    });
  }

  estimate(): number {
    if (this.values !== null) return this.values.size;
    const r = this.registers!;
    let sum = 0;
    let zeros = 0;
    for (let i = 0; i < HLL_M; i++) {
      sum += 2 ** -r[i]!;
      if (r[i] === 0) zeros++;
    }
    const alpha = 0.7213 / (1 + 1.079 / HLL_M);
    const raw = (alpha * HLL_M * HLL_M) / sum;
    // Linear counting is the better estimate while many registers are still empty.
    if (raw <= 2.5 * HLL_M && zeros > 0) return Math.round(HLL_M * Math.log(HLL_M / zeros));
    return Math.round(raw);
  }

  toPartial(): DistinctPartial {
    return this.values !== null ? { values: [...this.values] } : { hll: [...this.registers!] };
  }

  private toSketch(): void {
    if (this.registers !== null) return;
    this.registers = new Uint8Array(HLL_M);
    const values = this.values ?? new Set<string>();
    this.values = null;
    for (const v of values) this.addHash(v);
  }

  private addHash(key: string): void {
    const h = hash32(key);
    const index = h >>> (32 - HLL_P);
    const rest = (h << HLL_P) | (1 << (HLL_P - 1));
    const rank = Math.clz32(rest) + 1;
    const r = this.registers!;
    if (rank > r[index]!) r[index] = rank;
  }
}

// ---- percentiles -----------------------------------------------------------------------------

/** Relative accuracy of the quantile sketch. */
const ALPHA = 0.01;
const GAMMA = (1 + ALPHA) / (1 - ALPHA);
const LOG_GAMMA = Math.log(GAMMA);
/** Magnitudes below this count as zero. */
const ZERO = 1e-9;

/** Wire form: the exact values, or the sketch's bucket counts as [index, count] pairs. */
export type PercentilePartial =
  { values: number[] } | { pos: [number, number][]; neg: [number, number][]; zero: number };

/** Numeric values of one group: exact up to EXACT_VALUES, then a DDSketch-style sketch. */
export class Percentile {
  private values: number[] | null = [];
  private pos = new Map<number, number>();
  private neg = new Map<number, number>();
  private zero = 0;
  private n = 0;

  add(v: number): void {
    this.n++;
    if (this.values !== null) {
      this.values.push(v);
      if (this.values.length > EXACT_VALUES) this.toSketch();
    } else this.addSketch(v, 1);
  }

  merge(p: PercentilePartial): void {
    if ("values" in p) {
      for (const v of p.values) this.add(v);
      return;
    }
    this.toSketch();
    for (const [i, c] of p.pos) this.pos.set(i, (this.pos.get(i) ?? 0) + c);
    for (const [i, c] of p.neg) this.neg.set(i, (this.neg.get(i) ?? 0) + c);
    this.zero += p.zero;
    this.n += p.zero + p.pos.reduce((s, [, c]) => s + c, 0) + p.neg.reduce((s, [, c]) => s + c, 0);
  }

  /** The nearest-rank percentile: the value at rank ceil(p * n), the smallest for rank 0. */
  quantile(p: number): number | null {
    if (this.n === 0) return null;
    // p * n in decimal, not binary: 0.7 * 10 is rank 7, though the float product is 7.000000000000001.
    const rank = Math.max(1, Math.ceil(Number((p * this.n).toPrecision(12))));
    if (this.values !== null) {
      const sorted = Float64Array.from(this.values).sort();
      return sorted[rank - 1]!;
    }
    let seen = 0;
    for (const i of [...this.neg.keys()].sort((a, b) => b - a)) {
      seen += this.neg.get(i)!;
      if (seen >= rank) return -estimate(i);
    }
    seen += this.zero;
    if (seen >= rank) return 0;
    const keys = [...this.pos.keys()].sort((a, b) => a - b);
    for (const i of keys) {
      seen += this.pos.get(i)!;
      if (seen >= rank) return estimate(i);
    }
    return estimate(keys.at(-1)!);
  }

  toPartial(): PercentilePartial {
    if (this.values !== null) return { values: this.values };
    return { pos: [...this.pos], neg: [...this.neg], zero: this.zero };
  }

  private toSketch(): void {
    if (this.values === null) return;
    const values = this.values;
    this.values = null;
    for (const v of values) this.addSketch(v, 1);
  }

  private addSketch(v: number, count: number): void {
    if (Math.abs(v) < ZERO) this.zero += count;
    else {
      const store = v > 0 ? this.pos : this.neg;
      const i = Math.ceil(Math.log(Math.abs(v)) / LOG_GAMMA);
      store.set(i, (store.get(i) ?? 0) + count);
    }
  }
}

/** The representative of bucket i: within ALPHA of every value in (GAMMA^(i-1), GAMMA^i]. */
function estimate(i: number): number {
  return (2 * GAMMA ** i) / (GAMMA + 1);
}
