/**
 * The hostile-input loop, shared by test/node/hostile-input.test.ts (2,000 inputs per parser in
 * every test run) and test/fuzz/run.ts (100,000 per parser in `npm run fuzz`). For each input a
 * parser must answer a valid result or throw its documented error (FormatError, QueryError,
 * DefinitionError), within a second, without adding to or changing `Object.prototype` or
 * `Array.prototype`, and without changing its input; afterwards it must still parse a valid input
 * exactly as before. Failures are shrunk by fast-check and reported with the seed that finds them.
 */
import fc from "fast-check";
import type { HostileTarget } from "./hostile-targets.ts";
import { safeJson } from "./hostile-values.ts";

/** Longer than this for one input is a hang (a GC pause on a 1 MB input is tens of ms). */
export const HANG_MS = 1000;

export interface HostileStats {
  target: string;
  runs: number;
  /** Inputs answered with a valid result / refused with the documented error. */
  answered: number;
  refused: number;
  slowestMs: number;
  /** fast-check's report of the first failure (shrunk), or null. */
  failure: string | null;
  /** What is wrong with the parser after the run, or null. */
  after: string | null;
}

type Snapshot = Map<string, unknown>;

function snapshot(o: object): Snapshot {
  return new Map(
    Reflect.ownKeys(o).map((k) => [String(k), Object.getOwnPropertyDescriptor(o, k)?.value]),
  );
}

function changed(before: Snapshot, o: object): string | null {
  const now = snapshot(o);
  for (const [k, v] of now) if (!before.has(k) || before.get(k) !== v) return k;
  for (const k of before.keys()) if (!now.has(k)) return k;
  return null;
}

/**
 * Runs `runs` generated inputs through `target`.
 *
 * @example
 * const stats = runHostile(hostileTargets()[0]!, { runs: 2000, seed: 1 });
 * stats.failure // null
 */
export function runHostile(
  target: HostileTarget,
  options: { runs: number; seed: number },
): HostileStats {
  const objectProto = snapshot(Object.prototype);
  const arrayProto = snapshot(Array.prototype);
  const stats: HostileStats = {
    target: target.name,
    runs: 0,
    answered: 0,
    refused: 0,
    slowestMs: 0,
    failure: null,
    after: null,
  };
  const property = fc.property(target.input, (input) => {
    const before = safeJson(input);
    const started = performance.now();
    let result: unknown;
    let refused = false;
    try {
      result = target.run(input);
    } catch (error) {
      if (target.expected === null || !(error instanceof target.expected))
        throw new Error(
          `threw ${String(error)}, ${target.expected === null ? "it documents no error" : `not a ${target.expected.name}`}`,
          { cause: error },
        );
      refused = true;
    }
    const ms = performance.now() - started;
    stats.slowestMs = Math.max(stats.slowestMs, ms);
    if (ms > HANG_MS) throw new Error(`took ${ms.toFixed(0)} ms`);
    const polluted = changed(objectProto, Object.prototype) ?? changed(arrayProto, Array.prototype);
    if (polluted !== null) throw new Error(`changed a prototype's "${polluted}"`);
    if (safeJson(input) !== before) throw new Error("changed its input");
    if (!refused) {
      const bad = target.check(result);
      if (bad !== null) throw new Error(`answered an invalid result: ${bad}`);
    }
    stats.runs++;
    if (refused) stats.refused++;
    else stats.answered++;
  });
  const details = fc.check(property, { numRuns: options.runs, seed: options.seed });
  if (details.failed) stats.failure = fc.defaultReportMessage(details) ?? "failed";
  try {
    const again = JSON.stringify(target.run(target.sanity.input));
    if (again !== target.sanity.answer) stats.after = `a valid input now parses as ${again}`;
  } catch (error) {
    stats.after = `a valid input now throws ${String(error)}`;
  }
  return stats;
}
