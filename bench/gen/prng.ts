/**
 * A small seeded random source for the event generator: mulberry32 (Tommy Ettinger, public
 * domain; https://gist.github.com/tommyettinger/46a874533244883189143505d203312c). Fast, 32-bit
 * state, good enough for synthetic data and, above all, identical on every platform.
 *
 * @example
 * const rng = createRng(1);
 * rng.int(10); // an integer in [0, 10)
 */
export interface Rng {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [0, n). */
  int(n: number): number;
  /** An integer in [min, max]. */
  range(min: number, max: number): number;
  /** True with probability p. */
  chance(p: number): boolean;
  /** A uniformly chosen element of a non-empty array. */
  pick<T>(items: readonly T[]): T;
  /** `n` lowercase hex digits. */
  hex(n: number): string;
  /** A canonical lowercase UUID v4 (RFC 9562 section 5.4), drawn from this generator. */
  uuid(): string;
}

export function createRng(seed: number): Rng {
  let state = seed >>> 0;
  const u32 = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
  const next = (): number => u32() / 4294967296;
  const int = (n: number): number => Math.floor(next() * n);
  const hex8 = (): string => u32().toString(16).padStart(8, "0");
  return {
    next,
    int,
    range: (min, max) => min + int(max - min + 1),
    chance: (p) => next() < p,
    pick: (items) => items[int(items.length)]!,
    hex: (n) => {
      let s = "";
      while (s.length < n) s += hex8();
      return s.slice(0, n);
    },
    uuid: () => {
      const a = hex8();
      const b = hex8();
      const c = hex8();
      const d = hex8();
      // Version nibble 4; variant bits 10xx in the first nibble of the fourth group.
      const variant = ((parseInt(c[0]!, 16) & 0x3) | 0x8).toString(16);
      return `${a}-${b.slice(0, 4)}-4${b.slice(5, 8)}-${variant}${c.slice(1, 4)}-${c.slice(4)}${d}`;
    },
  };
}

/**
 * Draws from `items` with Zipf-like skew: the item at rank r (0-based) has weight 1 / (r + 1)^s,
 * so the first items dominate and the tail is long, as with real event names and countries.
 *
 * @example
 * const country = zipf(["US", "GB", "DE"], 1); // US about half the time
 * country(rng);
 */
export function zipf<T>(items: readonly T[], s: number): (rng: Rng) => T {
  const cumulative: number[] = [];
  let total = 0;
  for (let r = 0; r < items.length; r++) {
    total += 1 / Math.pow(r + 1, s);
    cumulative.push(total);
  }
  return (rng) => {
    const x = rng.next() * total;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cumulative[mid]! > x) hi = mid;
      else lo = mid + 1;
    }
    return items[lo]!;
  };
}
