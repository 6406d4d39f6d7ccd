/**
 * Fuzzing the WASM FlaM decoder against the TypeScript reference (test/fuzz/fuzz.ts): 100,000
 * mutated blocks per run for build/flam.wasm, most with their checksum recomputed so the
 * structural checks are reached, and the first 25,000 of the same cases for the scalar build.
 * Long runs: `npm exec -- node --experimental-strip-types test/fuzz/run.ts 2000000`.
 */
import { describe, expect, it } from "vitest";
import { FlamWasm } from "../../src/flam/wasm/index.ts";
import { checkStillWorks, runFuzz } from "../fuzz/fuzz.ts";
import { loadFlamWasmModule, type FlamBinary } from "../helpers/load-wasm-node.ts";

const SEED = 20_260_101;
const RUNS: { binary: FlamBinary; cases: number }[] = [
  { binary: "flam.wasm", cases: 100_000 },
  { binary: "flam-scalar.wasm", cases: 25_000 },
];

describe.each(RUNS)("the WASM FlaM decoder (build/$binary) under $cases mutated blocks", (run) => {
  const flam = FlamWasm.fromModule(loadFlamWasmModule(run.binary));

  it(
    "never crashes or stalls, and agrees with the reference on every outcome",
    { timeout: 120_000 },
    () => {
      const stats = runFuzz(flam, { cases: run.cases, seed: SEED });
      expect(stats.failures).toEqual([]);
      expect(stats.cases).toBe(run.cases);
      // A hang would be seconds; the slowest open of a small block is a few ms (GC pauses included).
      expect(stats.slowestMs).toBeLessThan(1000);
      // The mutations reach every check of docs/flam.md section 9, not only the checksum: each
      // code at least 50 times in 100,000 cases.
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
        expect(stats.codes[code] ?? 0, code).toBeGreaterThan(run.cases / 2000);
      }
      expect(stats.opened).toBeGreaterThan(run.cases / 100);
    },
  );

  it("still opens and projects a valid block exactly afterwards", () => {
    expect(checkStillWorks(flam)).toBeNull();
  });
});
