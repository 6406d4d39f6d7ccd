/**
 * `npm run bench:client` (issue 6): the browser SDK's two figures.
 * - The tracker's bundle: scripts/tracker-size.mjs (esbuild, minified, gzip -9).
 * - Local queries over 1,000,000 cached events in Chromium: the events generated (seed 1),
 *   sealed into FlaM blocks of 8,192 events (the last 576 left as the open tail), served with
 *   the page from a Node server on 127.0.0.1 as `GET /v1/export` serves them; the page's
 *   `createLogCache` syncs them into IndexedDB, then answers Q1 (sum of price by country over
 *   purchases) and a count by name. The first query after a sync opens every block in WASM
 *   memory (reported as "cold"); later ones reuse them ("warm", the median). Each launch is a
 *   fresh Chromium profile; every answer is checked against the events.
 * Prints machine info, a table and, as its last line, one JSON object:
 * `{trackerGzipBytes, localQuery1MMs}` (Q1's warm median over all launches) and the rest.
 *
 * Run: npm run bench:client [-- --events 1000000 --seed 1 --launches 3 --runs 15]
 */
import { cpus, totalmem } from "node:os";
import { chromium, type Page } from "playwright-core";
import { CHROMIUM_ARGS, findChromium } from "../scripts/chromium.mjs";
import { trackerSize } from "../scripts/tracker-size.mjs";
import { BlockBuilder } from "../src/flam/index.ts";
import { generateEvents } from "./gen/events.ts";
import { formatLoad, median, WrongAnswerError } from "./harness.ts";
import { formatTable } from "./report.ts";
import type { BenchApi } from "./client/page.ts";
import {
  COUNT_BY_NAME,
  diffGroups,
  expectedCountByName,
  expectedQ1,
  Q1,
  type Expected,
} from "./client/queries.ts";
import { startBenchServer } from "./client/server.ts";

const BLOCK_EVENTS = 8192;
const TOKEN = "bench-token";

interface Options {
  events: number;
  seed: number;
  launches: number;
  runs: number;
}

function parseOptions(argv: readonly string[]): Options {
  const int = (flag: string, fallback: number): number => {
    const i = argv.indexOf(flag);
    const n = Number(i < 0 ? fallback : argv[i + 1]);
    if (!Number.isSafeInteger(n) || n < 1) throw new Error(`${flag} needs a positive integer`);
    return n;
  };
  return {
    events: int("--events", 1_000_000),
    seed: int("--seed", 1),
    launches: int("--launches", 3),
    runs: int("--runs", 15),
  };
}

const load = formatLoad;
const ms = (n: number) => (n < 10 ? n.toFixed(2) : n < 100 ? n.toFixed(1) : n.toFixed(0));
const mib = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;

/** The events as the log holds them: sealed blocks of 8,192, the rest an open tail segment. */
function seal(options: Options) {
  const events = generateEvents(options.events, options.seed);
  const expected = {
    q1: expectedQ1(events),
    countByName: expectedCountByName(events),
  };
  const sealed: Uint8Array[] = [];
  const b = new BlockBuilder();
  for (const e of events) {
    b.append(e);
    if (b.count === BLOCK_EVENTS) sealed.push(b.seal());
  }
  const tail = b.count > 0 ? [b.seal()] : [];
  return { sealed, tail, expected };
}

interface Launch {
  syncMs: number;
  fetchMs: number;
  q1ColdMs: number;
  q1WarmMs: number[];
  countColdMs: number;
  countWarmMs: number[];
  listingMs: number[];
  cachedBytes: number;
  cachedBlocks: number;
}

/** One fresh Chromium (a new profile, so an empty IndexedDB): open, sync, query. */
async function launch(
  executablePath: string,
  origin: string,
  options: Options,
  expected: { q1: Expected; countByName: Expected },
): Promise<Launch & { version: string }> {
  const browser = await chromium.launch({
    executablePath,
    args: [...CHROMIUM_ARGS],
    headless: true,
  });
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    await page.goto(origin);
    await page.waitForFunction(() => "flamingoBench" in globalThis);
    const call = <K extends keyof BenchApi>(method: K, arg?: Parameters<BenchApi[K]>[0]) =>
      callPage(page, method, arg, errors);

    await call("open", TOKEN);
    const fetched = await call("fetchOnly", TOKEN);
    const synced = await call("sync");
    if (synced.value.evicted !== 0) throw new Error(`sync evicted ${synced.value.evicted} blocks`);
    const size = await call("size");

    const query = async (q: unknown, columns: string[], want: Expected, what: string) => {
      const r = await call("query", q);
      const problem = diffGroups(r.value, columns, want);
      if (problem !== null) throw new WrongAnswerError(what, problem);
      return r.ms;
    };
    const q1 = () => query(Q1, ["country", "sum_price"], expected.q1, "Q1 in Chromium");
    const count = () =>
      query(COUNT_BY_NAME, ["name", "count"], expected.countByName, "count by name in Chromium");
    const warm = async (run: () => Promise<number>) => {
      const samples: number[] = [];
      let spent = 0;
      while (samples.length < options.runs || (spent < 1000 && samples.length < 100)) {
        samples.push(await run());
        spent += samples.at(-1)!;
      }
      return samples;
    };
    const q1ColdMs = await q1();
    const q1WarmMs = await warm(q1);
    const countColdMs = await count();
    const countWarmMs = await warm(count);
    const listingMs = await warm(async () => (await call("listing")).ms);
    return {
      version: browser.version(),
      syncMs: synced.ms,
      fetchMs: fetched.ms,
      q1ColdMs,
      q1WarmMs,
      countColdMs,
      countWarmMs,
      listingMs,
      cachedBytes: size.bytes,
      cachedBlocks: size.blocks,
    };
  } finally {
    await browser.close();
  }
}

/** Calls the page's `flamingoBench[method](arg)`; page errors are reported with a failure. */
async function callPage<K extends keyof BenchApi>(
  page: Page,
  method: K,
  arg: unknown,
  errors: readonly string[],
): Promise<Awaited<ReturnType<BenchApi[K]>>> {
  try {
    return (await page.evaluate(
      ([m, a]) => {
        const api = (globalThis as { flamingoBench?: Record<string, (a: unknown) => unknown> })
          .flamingoBench!;
        return api[m]!(a);
      },
      [method, arg] as const,
    )) as Awaited<ReturnType<BenchApi[K]>>;
  } catch (error) {
    const pageErrors = errors.length > 0 ? `\n${errors.join("\n")}` : "";
    throw new Error(`in Chromium: ${String(error)}${pageErrors}`, { cause: error });
  }
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const executablePath = findChromium();
  if (executablePath === undefined) throw new Error("no Chromium: apt-get install -y chromium");
  const loadStart = load();
  console.log(
    `machine: ${cpus()[0]?.model ?? "?"}, ${cpus().length} cores, ${mib(totalmem())}; ` +
      `Node ${process.version}; load average at start ${loadStart}`,
  );

  const tracker = await trackerSize();
  console.log(`tracker: ${tracker.minBytes} bytes minified, ${tracker.gzipBytes} gzipped`);

  let t = performance.now();
  const { sealed, tail, expected } = seal(options);
  const sealedBytes = [...sealed, ...tail].reduce((s, b) => s + b.length, 0);
  console.log(
    `${options.events} events (seed ${options.seed}) generated and sealed in ` +
      `${((performance.now() - t) / 1000).toFixed(1)} s: ${sealed.length} blocks + ` +
      `${tail.length} tail segment, ${mib(sealedBytes)} (${(sealedBytes / options.events).toFixed(1)} bytes/event)`,
  );

  const server = await startBenchServer({ partition: "p0", sealed, tail }, TOKEN);
  const launches: Launch[] = [];
  let version = "";
  try {
    for (let i = 0; i < options.launches; i++) {
      t = performance.now();
      const l = await launch(executablePath, server.origin, options, expected);
      version = l.version;
      launches.push(l);
      console.log(
        `launch ${i + 1}: sync ${ms(l.syncMs)} ms (fetch alone ${ms(l.fetchMs)}), Q1 cold ${ms(l.q1ColdMs)} ms, ` +
          `warm median ${ms(median(l.q1WarmMs))} ms (${l.q1WarmMs.length} runs), ` +
          `count by name warm ${ms(median(l.countWarmMs))} ms; ` +
          `${((performance.now() - t) / 1000).toFixed(1)} s; load ${load()}`,
      );
    }
  } finally {
    await server.close();
  }
  const first = launches[0]!;
  if (first.cachedBlocks !== sealed.length + tail.length || first.cachedBytes !== sealedBytes)
    throw new Error(`cache holds ${first.cachedBlocks} blocks, ${first.cachedBytes} bytes`);
  const exports = server.exports();

  const all = (pick: (l: Launch) => number[]) => launches.flatMap(pick);
  const row = (what: string, samples: number[]) => [
    what,
    ms(median(samples)),
    String(samples.length),
    `${ms(Math.min(...samples))}-${ms(Math.max(...samples))}`,
  ];
  console.log(
    `\nChromium ${version}, ${options.launches} launches; ` +
      `${exports.requests / options.launches / 2} export answers (${mib(exports.bytes / options.launches / 2)}) ` +
      `fetched twice per launch (alone, then by sync); medians in ms\n`,
  );
  const rows: [string, number[]][] = [
    ["sync (export -> IndexedDB)", all((l) => [l.syncMs])],
    ["  export answers fetched alone", all((l) => [l.fetchMs])],
    ["Q1 cold (opens blocks)", all((l) => [l.q1ColdMs])],
    ["Q1 warm", all((l) => l.q1WarmMs)],
    ["count by name, first", all((l) => [l.countColdMs])],
    ["count by name warm", all((l) => l.countWarmMs)],
    ["IndexedDB listing a query does", all((l) => l.listingMs)],
  ];
  console.log(
    formatTable(
      ["measurement", "median ms", "runs", "range ms"],
      rows.map(([what, samples]) => row(what, samples)),
    ),
  );
  const q1Ms = median(all((l) => l.q1WarmMs));
  console.log(
    `\nQ1 warm: ${(options.events / (q1Ms / 1000) / 1e6).toFixed(1)}M events/s ` +
      `(target <= 100 ms: ${q1Ms <= 100 ? "met" : "missed"}); load average at end ${load()}`,
  );
  console.log(
    JSON.stringify({
      trackerGzipBytes: tracker.gzipBytes,
      localQuery1MMs: Number(q1Ms.toFixed(2)),
      localQuery1MColdMs: Number(median(all((l) => [l.q1ColdMs])).toFixed(2)),
      countByName1MMs: Number(median(all((l) => l.countWarmMs)).toFixed(2)),
      idbListingMs: Number(median(all((l) => l.listingMs)).toFixed(2)),
      sync1MMs: Number(median(all((l) => [l.syncMs])).toFixed(0)),
      exportFetch1MMs: Number(median(all((l) => [l.fetchMs])).toFixed(0)),
      events: options.events,
      loadAverage: { start: loadStart, end: load() },
    }),
  );
}

await main();
