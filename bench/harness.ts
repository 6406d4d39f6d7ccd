/**
 * Timing for the benchmarks: a warm-up run, then timed runs until both a minimum count and a
 * minimum time are reached (or a time budget runs out), reporting the median. Every run's result,
 * warm-up included, goes through `check`, outside the timed region, so a fast wrong answer fails
 * the bench instead of winning it.
 *
 * Garbage is collected once before a measurement (when `gc` is exposed), then the harness pauses
 * so V8's background sweeping is over before timing starts. It does not collect between runs:
 * on two cores, the sweeping a forced GC leaves behind made DuckDB's ~4 ms queries take 12-40 ms,
 * and a subject's own garbage is part of its cost.
 */
import { availableParallelism, cpus, loadavg, totalmem } from "node:os";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

export interface MeasureOptions {
  /** Runs before timing starts. Defaults to 1. */
  warmup: number;
  /** Timed runs to reach at least. Defaults to 7. */
  minRuns: number;
  /** Time to spend at least, in ms, when runs are fast. Defaults to 1000. */
  minTimeMs: number;
  /** Stop adding runs past this many. Defaults to 100. */
  maxRuns: number;
  /** Stop after this much timed work in ms once 3 runs are done, even below `minRuns`. Defaults to 10000. */
  budgetMs: number;
  /** Pause after the initial GC, in ms. Defaults to 250. */
  settleMs: number;
}

export interface Measurement {
  medianMs: number;
  runs: number;
  /** Every timed run in ms, in the order run. */
  samplesMs: number[];
}

const DEFAULTS: MeasureOptions = {
  warmup: 1,
  minRuns: 7,
  minTimeMs: 1000,
  maxRuns: 100,
  budgetMs: 10_000,
  settleMs: 250,
};

/** Thrown when a timed run returns a wrong answer; the bench stops rather than report it. */
export class WrongAnswerError extends Error {
  constructor(what: string, problem: string) {
    super(`${what} returned a wrong answer: ${problem}`);
    this.name = "WrongAnswerError";
  }
}

/**
 * Times `run` and returns the median; `check` returns null for a right answer or a description
 * of what is wrong, which aborts with a `WrongAnswerError`.
 *
 * @example
 * const m = await measure("ndjson q1", () => s.q1(data), (r) => diffAnswers(r, expected));
 * const eventsPerSec = events.length / (m.medianMs / 1000);
 */
export async function measure<T>(
  what: string,
  run: () => T | Promise<T>,
  check: (result: T) => string | null,
  options: Readonly<Partial<MeasureOptions>> = {},
): Promise<Measurement> {
  const o = { ...DEFAULTS, ...options };
  const verify = (result: T): void => {
    const problem = check(result);
    if (problem !== null) throw new WrongAnswerError(what, problem);
  };
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, o.settleMs));
  }
  for (let i = 0; i < o.warmup; i++) verify(await run());

  const samplesMs: number[] = [];
  let spentMs = 0;
  while (samplesMs.length < o.maxRuns) {
    const start = performance.now();
    const result = await run();
    const ms = performance.now() - start;
    verify(result);
    samplesMs.push(ms);
    spentMs += ms;
    const enough = samplesMs.length >= o.minRuns && spentMs >= o.minTimeMs;
    const overBudget = samplesMs.length >= 3 && spentMs >= o.budgetMs;
    if (enough || overBudget) break;
  }
  return { medianMs: median(samplesMs), runs: samplesMs.length, samplesMs };
}

/** The middle sample, or the mean of the two middle ones. */
export function median(samples: readonly number[]): number {
  if (samples.length === 0) throw new RangeError("median of no samples");
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Events per second for `events` processed in `ms`. */
export function eventsPerSec(events: number, ms: number): number {
  return events / (ms / 1000);
}

/**
 * Exposes `gc` (so `measure` collects garbage before each measurement) and answers the machine's
 * description, the lines every bench prints first.
 */
export function benchSetup(): string {
  setFlagsFromString("--expose-gc");
  (globalThis as { gc?: unknown }).gc ??= runInNewContext("gc");
  return [
    `node ${process.version} on ${process.platform}/${process.arch}`,
    `cpu ${cpus()[0]?.model ?? "unknown"}, ${availableParallelism()} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB`,
  ].join("\n");
}

/** The load average (1, 5, 15 min) as text: other work on the machine makes figures noisy. */
export function formatLoad(): string {
  return loadavg()
    .map((x) => x.toFixed(2))
    .join(" ");
}
