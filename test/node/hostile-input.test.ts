/**
 * Hostile input to every parser of untrusted JSON (test/fuzz/hostile.ts): 2,000 generated inputs
 * per parser in every test run, a fixed seed so a failure reproduces. `npm run fuzz` runs 100,000
 * per parser with a fresh seed.
 */
import { describe, expect, it } from "vitest";
import { runHostile } from "../fuzz/hostile.ts";
import { hostileTargets } from "../fuzz/hostile-targets.ts";

const SEED = 20_261_127;
const RUNS = 2000;

describe.each(hostileTargets())("$name under hostile input", (target) => {
  it(
    `answers or throws its documented error for ${RUNS} inputs, never anything else`,
    { timeout: 120_000 },
    () => {
      const stats = runHostile(target, { runs: RUNS, seed: SEED });
      expect(stats.failure).toBeNull();
      expect(stats.after).toBeNull();
      expect(stats.runs).toBe(RUNS);
      // The generators reach both outcomes (parsers that never throw: only answers), so neither
      // branch goes untested.
      expect(stats.answered).toBeGreaterThan(RUNS / 50);
      if (target.expected !== null) expect(stats.refused).toBeGreaterThan(RUNS / 50);
    },
  );
});
