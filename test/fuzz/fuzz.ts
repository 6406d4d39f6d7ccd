/**
 * The FlaM decoder fuzz loop, shared by test/node/flam-fuzz.test.ts (a fixed budget in every
 * test run) and test/fuzz/run.ts (long runs). For each mutated block: neither decoder may throw
 * anything but FlamTruncatedError / FlamCorruptError, or take long; both must agree on the error
 * code, or on every string and projected column; an accepted block's WASM projection must be
 * self-consistent. Case i uses its own PRNG seeded from (seed, i), so any failure reproduces alone.
 */
import { encodeBlock } from "../../src/flam/block-builder.ts";
import type { BlockReader } from "../../src/flam/block-reader.ts";
import { openBlock } from "../../src/flam/decode-block.ts";
import { sampleEvents } from "../../src/flam/test-events.ts";
import type { FlamWasm } from "../../src/flam/wasm/index.ts";
import {
  checkSelfConsistent,
  diffKernels,
  diffOutcomes,
  keyCountOf,
  outcomeOf,
  type Outcome,
} from "../helpers/flam-compare.ts";
import { randomEvents } from "../helpers/flam-events.ts";
import { assemble, handParts } from "../helpers/flam-hand-block.ts";
import { Rng } from "../helpers/random.ts";
import { mutate } from "./mutate.ts";

/** The valid blocks mutations start from: small, so that many cases fit in a test run. */
export function fuzzCorpus(): Uint8Array[] {
  return [
    encodeBlock(sampleEvents()),
    assemble(handParts()),
    encodeBlock([]),
    ...[1, 2, 3, 4, 5, 6].map((s) =>
      encodeBlock(randomEvents(100 + s, 4 + s * 6, { names: 1 + (s % 4), keys: 3 + s })),
    ),
    encodeBlock(randomEvents(200, 270, { names: 270, keys: 2 })), // u16 shape ids
  ];
}

export interface FuzzOptions {
  cases: number;
  seed: number;
  /** Free the WASM arena every this many cases. Defaults to 500. */
  clearEvery: number;
  /** Called every 10,000 cases. */
  progress?: (stats: FuzzStats) => void;
}

export interface FuzzStats {
  cases: number;
  /** Cases both decoders accepted. */
  opened: number;
  /** Cases whose checksum and length were recomputed after mutating. */
  resealed: number;
  /** WASM outcomes by code ("OPENED" for accepted blocks). */
  codes: Record<string, number>;
  /** Slowest single WASM open, ms. */
  slowestMs: number;
  failures: string[];
}

/** A failure report: what went wrong and how to reproduce the case. */
function report(what: string, seed: number, i: number, steps: string[], bytes: Uint8Array): string {
  const hex = Buffer.from(bytes.subarray(0, 256)).toString("hex");
  return `${what} (seed ${seed}, case ${i}: ${steps.join("; ")}; ${bytes.length} bytes, first 256 hex ${hex})`;
}

export function runFuzz(
  flam: FlamWasm,
  options: Readonly<Partial<FuzzOptions>> & { cases: number; seed: number },
): FuzzStats {
  const corpus = fuzzCorpus();
  const clearEvery = options.clearEvery ?? 500;
  const stats: FuzzStats = {
    cases: 0,
    opened: 0,
    resealed: 0,
    codes: {},
    slowestMs: 0,
    failures: [],
  };
  for (let i = 0; i < options.cases; i++) {
    if (i % clearEvery === 0) flam.clear();
    const rng = new Rng((options.seed ^ Math.imul(i + 1, 0x9e3779b1)) >>> 0);
    const m = mutate(rng.pick(corpus), rng);
    stats.cases++;
    if (m.resealed) stats.resealed++;
    let ref: Outcome;
    let wasm: Outcome;
    try {
      ref = outcomeOf(openBlock, m.bytes);
    } catch (e) {
      stats.failures.push(
        report(`the reference crashed: ${String(e)}`, options.seed, i, m.steps, m.bytes),
      );
      continue;
    }
    const t0 = performance.now();
    try {
      wasm = outcomeOf((b) => flam.open(b), m.bytes);
    } catch (e) {
      stats.failures.push(report(`WASM crashed: ${String(e)}`, options.seed, i, m.steps, m.bytes));
      continue;
    }
    stats.slowestMs = Math.max(stats.slowestMs, performance.now() - t0);
    const code = wasm.code ?? "OPENED";
    stats.codes[code] = (stats.codes[code] ?? 0) + 1;
    let diff: string | null;
    try {
      diff = diffOutcomes(wasm, ref);
      if (diff === null && wasm.code === null && ref.code === null) {
        stats.opened++;
        const keyCount = keyCountOf(ref.reader);
        diff = checkSelfConsistent(wasm.reader, keyCount);
        // Filters and aggregates on some accepted blocks (they are the slow comparisons).
        if (diff === null && rng.chance(0.2))
          diff = diffKernels(wasm.reader, ref.reader, keyCount, i, 1);
      }
    } catch (e) {
      diff = `comparing threw ${String(e)}`;
    }
    if (diff !== null) stats.failures.push(report(diff, options.seed, i, m.steps, m.bytes));
    if (stats.failures.length >= 20) break;
    if (options.progress && (i + 1) % 10_000 === 0) options.progress(stats);
  }
  flam.clear();
  return stats;
}

/** After fuzzing: the decoder must still open and project a valid block exactly. */
export function checkStillWorks(flam: FlamWasm): string | null {
  const bytes = encodeBlock(randomEvents(999, 300, { names: 4, keys: 10 }));
  const ref: BlockReader = openBlock(bytes);
  const w = outcomeOf((b) => flam.open(b), bytes);
  const diff = diffOutcomes(w, { code: null, reader: ref });
  if (diff !== null) return diff;
  return diffKernels((w as { reader: BlockReader }).reader, ref, keyCountOf(ref), 7, 4);
}
