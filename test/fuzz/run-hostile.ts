/**
 * The long hostile-input run (test/fuzz/hostile.ts) that `npm run fuzz` does after the FlaM
 * decoder fuzz: 100,000 generated inputs per parser by default (`HOSTILE_CASES` to change it),
 * under the same seed as the FlaM run, so a failure reproduces with `run.ts <cases> <seed>`.
 */
import { runHostile } from "./hostile.ts";
import { hostileTargets } from "./hostile-targets.ts";

/**
 * Runs every parser target; prints one line each, and every failure. True when all passed.
 *
 * @example
 * const ok = runHostileFuzz(100_000, 42);
 */
export function runHostileFuzz(runs: number, seed: number): boolean {
  let ok = true;
  for (const target of hostileTargets()) {
    const started = performance.now();
    const s = runHostile(target, { runs, seed });
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `hostile: ${s.target}: ${s.runs} inputs in ${seconds.toFixed(1)} s, ${s.answered} answered, ${s.refused} refused, slowest ${s.slowestMs.toFixed(1)} ms`,
    );
    if (s.failure !== null) console.error(`FAIL ${s.target}: ${s.failure}`);
    if (s.after !== null) console.error(`FAIL ${s.target} after fuzzing: ${s.after}`);
    ok &&= s.failure === null && s.after === null && s.runs === runs;
  }
  return ok;
}
