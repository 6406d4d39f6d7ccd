/**
 * Long fuzz runs of the FlaM decoders (the test suite runs a fixed 100,000 cases), then of every
 * parser of untrusted JSON under hostile input (test/fuzz/run-hostile.ts; the test suite runs
 * 2,000 per parser).
 *
 * Usage: npm exec -- node --experimental-strip-types test/fuzz/run.ts [cases] [seed]
 *   (or FUZZ_CASES / FUZZ_SEED; HOSTILE_CASES inputs per parser, 100,000 by default, 0 to skip);
 *   needs build/flam.wasm (`npm run build:wasm`).
 * Exits 1 and prints reproducible reports (seed and case index) on any failure.
 */
import { FlamWasm } from "../../src/flam/wasm/index.ts";
import { loadFlamWasmModule } from "../helpers/load-wasm-node.ts";
import { checkStillWorks, runFuzz } from "./fuzz.ts";
import { runHostileFuzz } from "./run-hostile.ts";

const cases = Number(process.argv[2] ?? process.env["FUZZ_CASES"] ?? 1_000_000);
const hostileCases = Number(process.env["HOSTILE_CASES"] ?? 100_000);
const seed = Number(
  process.argv[3] ?? process.env["FUZZ_SEED"] ?? Math.floor(Math.random() * 2 ** 31),
);
if (
  !Number.isSafeInteger(cases) ||
  cases < 0 ||
  !Number.isSafeInteger(seed) ||
  !Number.isSafeInteger(hostileCases) ||
  hostileCases < 0
) {
  console.error("usage: run.ts [cases] [seed]");
  process.exit(2);
}

const flam = FlamWasm.fromModule(loadFlamWasmModule());
const started = performance.now();
console.log(`fuzz: ${cases} cases, seed ${seed}`);
const stats = runFuzz(flam, {
  cases,
  seed,
  progress: (s) =>
    console.log(
      `fuzz: ${s.cases} cases, ${s.opened} opened, ${s.failures.length} failures, ${((performance.now() - started) / 1000).toFixed(1)} s`,
    ),
});
const after = checkStillWorks(flam);
const seconds = (performance.now() - started) / 1000;
console.log(
  `fuzz: ${stats.cases} cases in ${seconds.toFixed(1)} s (${Math.round(stats.cases / seconds)}/s), ${stats.resealed} resealed, ${stats.opened} opened both ways, slowest WASM open ${stats.slowestMs.toFixed(2)} ms`,
);
console.log(`fuzz: WASM outcomes ${JSON.stringify(stats.codes)}`);
for (const f of stats.failures) console.error(`FAIL ${f}`);
if (after !== null) console.error(`FAIL after fuzzing, a valid block: ${after}`);
const hostileOk = hostileCases === 0 || runHostileFuzz(hostileCases, seed);
process.exit(stats.failures.length > 0 || after !== null || !hostileOk ? 1 : 0);
