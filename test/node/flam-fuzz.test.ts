/**
 * Fuzzing the WASM FlaM decoder against the TypeScript reference (test/fuzz/fuzz.ts): 100,000
 * mutated blocks per run, most with their checksum recomputed so the structural checks are
 * reached. Long runs: `npm exec -- node --experimental-strip-types test/fuzz/run.ts 2000000`.
 */
import { describe, expect, it } from "vitest";
import { FlamWasm } from "../../src/flam/wasm/index.ts";
import { checkStillWorks, runFuzz } from "../fuzz/fuzz.ts";
import { loadFlamWasmModule } from "../helpers/load-wasm-node.ts";

const CASES = 100_000;
const SEED = 20_260_101;

describe("the WASM FlaM decoder under 100,000 mutated blocks", () => {
  const flam = FlamWasm.fromModule(loadFlamWasmModule());

  it(
    "never crashes or stalls, and agrees with the reference on every outcome",
    { timeout: 120_000 },
    () => {
      const stats = runFuzz(flam, { cases: CASES, seed: SEED });
      expect(stats.failures).toEqual([]);
      expect(stats.cases).toBe(CASES);
      // A hang would be seconds; the slowest open of a small block is a few ms (GC pauses included).
      expect(stats.slowestMs).toBeLessThan(1000);
      // The mutations reach every check of docs/flam.md section 9, not only the checksum.
      for (const code of [
        "TRUNCATED",
        "BAD_MAGIC",
        "UNSUPPORTED_VERSION",
        "BAD_HEADER",
        "BAD_LENGTH",
        "CHECKSUM",
        "BAD_VARINT",
        "BAD_KEY",
        "BAD_STRING",
        "BAD_SHAPE",
        "BAD_RECORD",
        "LIMIT",
      ]) {
        expect(stats.codes[code] ?? 0, code).toBeGreaterThan(50);
      }
      expect(stats.opened).toBeGreaterThan(1000);
    },
  );

  it("still opens and projects a valid block exactly afterwards", () => {
    expect(checkStillWorks(flam)).toBeNull();
  });
});
