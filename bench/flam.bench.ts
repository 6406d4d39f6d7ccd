/**
 * The FlaM benchmark: encodes the same generated events with FlaM and each peer, then times full
 * decode and two queries per subject on one core, checking every answer against the reference.
 * Prints machine info, a results table, ratios against the baselines and, as its last line, one
 * JSON object of the headline figures.
 *
 * Run: npm run bench:flam [-- --events 200000 --seed 1 --only ndjson,flam --require-flam]
 * (or FLAM_BENCH_EVENTS=N). Node 22: node --experimental-strip-types bench/flam.bench.ts
 */
import { existsSync } from "node:fs";
import { generateEvents } from "./gen/events.ts";
import { benchSetup, eventsPerSec, formatLoad, measure } from "./harness.ts";
import { duckdbSettings } from "./peers/duckdb.ts";
import { PEERS } from "./peers/index.ts";
import { diffAnswers, referenceQ1, referenceQ2 } from "./reference.ts";
import { formatResults, type ResultRow, summary } from "./report.ts";
import type { FlamEvent, PriceByCountry, Subject } from "./subject.ts";

interface Options {
  events: number;
  seed: number;
  only: Set<string> | null;
  requireFlam: boolean;
}

function parseOptions(argv: readonly string[]): Options {
  const value = (flag: string): string | undefined => {
    const i = argv.findIndex((a) => a === flag || a.startsWith(`${flag}=`));
    if (i < 0) return undefined;
    return argv[i]!.includes("=") ? argv[i]!.slice(flag.length + 1) : argv[i + 1];
  };
  const events = Number(value("--events") ?? process.env["FLAM_BENCH_EVENTS"] ?? 200_000);
  const seed = Number(value("--seed") ?? 1);
  if (!Number.isSafeInteger(events) || events < 1)
    throw new RangeError(`--events must be a positive integer, got ${events}`);
  if (!Number.isSafeInteger(seed)) throw new RangeError(`--seed must be an integer, got ${seed}`);
  const only = value("--only");
  return {
    events,
    seed,
    only: only ? new Set(only.split(",")) : null,
    requireFlam: argv.includes("--require-flam"),
  };
}

/** Loads bench/flam-subject.ts: its default export is a Subject or a (possibly async) factory of one. */
async function loadFlam(required: boolean): Promise<Subject | null> {
  const url = new URL("./flam-subject.ts", import.meta.url);
  const skip = (why: string): null => {
    if (required) throw new Error(`FlaM is required (--require-flam) but ${why}`);
    console.log(`FlaM: skipped, ${why}.`);
    return null;
  };
  if (!existsSync(url)) return skip("bench/flam-subject.ts does not exist yet");
  try {
    const mod = (await import(url.href)) as { default?: unknown };
    const exported = mod.default;
    const subject = (
      typeof exported === "function" ? await (exported as () => unknown)() : exported
    ) as Subject;
    if (typeof subject?.encode !== "function" || typeof subject.q1 !== "function")
      return skip("bench/flam-subject.ts has no default export that is a Subject or returns one");
    return subject;
  } catch (error) {
    return skip(
      `importing bench/flam-subject.ts failed: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

interface Prepared {
  n: number;
  expected: { q1: PriceByCountry; q2: PriceByCountry };
  encoded: { subject: Subject; data: unknown; bytes: number | null; encodeMs: number }[];
}

/** Generates the events, computes the reference answers and encodes the events with every subject. */
async function prepare(options: Options, subjects: readonly Subject[]): Promise<Prepared> {
  const started = performance.now();
  const events: FlamEvent[] = generateEvents(options.events, options.seed);
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `${events.length} events (seed ${options.seed}) generated in ${seconds.toFixed(1)} s`,
  );
  const encoded: Prepared["encoded"] = [];
  for (const subject of subjects) {
    const start = performance.now();
    const { data, bytes } = await subject.encode(events);
    encoded.push({ subject, data, bytes, encodeMs: performance.now() - start });
  }
  const expected = { q1: referenceQ1(events), q2: referenceQ2(events) };
  return { n: events.length, expected, encoded };
}

/** Times one subject's full decode, Q1 and Q2 (each answer checked), printing each median. */
async function measureSubject(
  subject: Subject,
  data: unknown,
  n: number,
  expected: Prepared["expected"],
  bytes: number | null,
  encodeMs: number,
): Promise<ResultRow> {
  const timed = async <T>(
    what: string,
    run: () => T | Promise<T>,
    check: (result: T) => string | null,
  ): Promise<number> => {
    const m = await measure(`${subject.name} ${what}`, run, check);
    const [min, max] = [Math.min(...m.samplesMs), Math.max(...m.samplesMs)];
    const spread = `${min.toFixed(1)}-${max.toFixed(1)}`;
    console.log(
      `  ${subject.name} ${what}: median ${m.medianMs.toFixed(1)} ms of ${m.runs} runs (${spread})`,
    );
    return eventsPerSec(n, m.medianMs);
  };
  const decodeCheck = (count: number): string | null =>
    count === n ? null : `decoded ${count} events, expected ${n}`;
  return {
    name: subject.name,
    bytesPerEvent: bytes === null ? null : bytes / n,
    encodePerSec: eventsPerSec(n, encodeMs),
    decodePerSec: await timed("decode", () => subject.decodeAll(data), decodeCheck),
    q1PerSec: await timed(
      "q1",
      () => subject.q1(data),
      (r) => diffAnswers(r, expected.q1),
    ),
    q2PerSec: await timed(
      "q2",
      () => subject.q2(data),
      (r) => diffAnswers(r, expected.q2),
    ),
  };
}

/**
 * Collects the dropped events and gives V8's background sweeper and the OS's write-back of the
 * temp files time to finish, so they do not steal the second core from the first timed runs.
 */
async function settle(): Promise<void> {
  (globalThis as { gc?: () => void }).gc?.();
  await new Promise((resolve) => setTimeout(resolve, 2000));
}

/** The 1, 5 and 15 minute load averages. */
async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  console.log(benchSetup());
  const duck = await duckdbSettings();
  console.log(`duckdb ${duck.version}, threads=${duck.threads} (one core, like the JS subjects)`);
  console.log(
    `load average at start ${formatLoad()} (other work on the machine makes figures noisy)`,
  );

  const subjects = PEERS.map((make) => make());
  const flam = await loadFlam(options.requireFlam);
  if (flam) subjects.push(flam);
  const chosen = subjects.filter((s) => !options.only || options.only.has(s.name));
  const { n, expected, encoded } = await prepare(options, chosen);
  // The events are garbage now: collect them before timing, so every subject runs on the same heap.
  await settle();

  const rows: ResultRow[] = [];
  try {
    for (const { subject, data, bytes, encodeMs } of encoded) {
      rows.push(await measureSubject(subject, data, n, expected, bytes, encodeMs));
      await subject.close?.();
    }
  } finally {
    // On failure, still release what the remaining subjects hold (DuckDB files, temp dirs).
    for (const { subject } of encoded.slice(rows.length)) await subject.close?.();
  }

  console.log(`\n${formatResults(rows, n)}`);
  console.log(`\nload average at end ${formatLoad()}\n`);
  console.log(JSON.stringify(summary(rows, flam?.name ?? null)));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? `bench failed: ${error.name}: ${error.message}` : error);
  process.exit(1);
});
