/**
 * `npm run bench:ingest`: the write path end to end, on this machine, through loopback only.
 *
 * Measures the same Worker along two paths, one after the other, each with its own SQLite Durable
 * Objects in a temporary directory and the demo project:
 * - `wrangler dev` (local workerd behind wrangler's dev proxy Worker), as `npm start` serves it;
 * - direct: the bundle `npm run build` deploys, served by Miniflare itself (bench/miniflare-host.ts),
 *   without the dev proxy, whose own cost (`GET /health` p50 ~9 ms) is above the single-event ack
 *   target.
 * On each path:
 * - the floor: `GET /health` (touches no Durable Object), p50/p99;
 * - HTTP: events/s and ack latency (p50/p99) of `POST /v1/events` for batches of 1, 20 and 500,
 *   with bounded request counts and time; every answer is checked (every event accepted);
 * - inside one partition: events/s appended by the partition's own ingest (dedup, log append,
 *   profiles), timed inside the Durable Object through the local-only debug route;
 * - then it reads back a sample of visitors to check the events were stored.
 * It prints a table of both paths. The last line is one JSON object: partitionEventsPerSec,
 * httpEventsPerSec, singleAckP50Ms, singleAckP99Ms, and partitionCpuUsPerEvent (workerd's CPU
 * time per event of the partition rounds, from /proc; null elsewhere), which moves much less with
 * the machine's load, all from the `wrangler dev` path; and `direct`, the same figures plus the
 * `/health` floor from the direct path.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir, cpus } from "node:os";
import { join } from "node:path";
import { generateEvents, type FlamEvent } from "./gen/events.ts";
import { bundleWorker, hostDirect } from "./miniflare-host.ts";
import { workerdCpuMs } from "./workerd-cpu.ts";
import { startWranglerDev, waitForHealth } from "../test/helpers/wrangler-dev.ts";

const PORT = Number(process.env["BENCH_PORT"] ?? 8790 + Math.floor(Math.random() * 100));
const WRITE = "demo-write-key";
const READ = "demo-read-key";

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

type Wire = {
  id: string;
  visitor: string;
  name: string;
  time: number;
  properties: Record<string, unknown>;
};

type Run = { events: number; eventsPerSec: number; p50: number; p99: number; requests: number };

/** Sends `requests` batches of `size` events with `concurrency` in flight, or until `maxMs`. */
async function run(
  base: string,
  events: Wire[],
  size: number,
  concurrency: number,
  maxMs: number,
): Promise<Run> {
  let next = 0;
  let sent = 0;
  const latencies: number[] = [];
  const started = performance.now();
  const worker = async () => {
    while (next + size <= events.length && performance.now() - started < maxMs) {
      const batch = events.slice(next, next + size);
      next += size;
      const t = performance.now();
      const res = await fetch(`${base}/v1/events`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${WRITE}` },
        body: JSON.stringify({ events: batch }),
      });
      const body = (await res.json()) as { results: { status: string }[] };
      latencies.push(performance.now() - t);
      if (res.status !== 200 || body.results.some((r) => r.status !== "accepted")) {
        throw new Error(
          `batch of ${size} was not fully accepted: ${res.status} ${JSON.stringify(body).slice(0, 300)}`,
        );
      }
      sent += size;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const ms = performance.now() - started;
  latencies.sort((a, b) => a - b);
  return {
    events: sent,
    eventsPerSec: (sent / ms) * 1000,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    requests: latencies.length,
  };
}

interface Figures {
  healthP50: number;
  healthP99: number;
  single: Run;
  twenty: Run;
  big: Run;
  partitionEventsPerSec: number;
  /** workerd's CPU time per event of the partition rounds; `undefined` without /proc. */
  cpuUsPerEvent: number | undefined;
}

/**
 * Everything measured on one path, served at `base`, whose workerd processes descend from
 * `cpuRoot`: warm-up, the `/health` floor, the HTTP runs, the partition rounds, the read-back.
 */
async function measure(
  label: string,
  base: string,
  cpuRoot: number,
  generated: FlamEvent[],
): Promise<Figures> {
  console.log(`-- ${label} (${base})`);
  const wire = (offset: number, n: number): Wire[] =>
    generated.slice(offset, offset + n).map((e) => ({
      id: e.id,
      visitor: e.visitor,
      name: e.name,
      time: e.time,
      properties: e.properties,
    }));

  // Warm up: first touches of each partition and of the registry.
  await run(base, wire(0, 2000), 20, 4, 10_000);

  // The floor under every figure: a request that touches no Durable Object.
  const health: number[] = [];
  for (let i = 0; i < 500; i++) {
    const t = performance.now();
    await (await fetch(`${base}/health`)).arrayBuffer();
    health.push(performance.now() - t);
  }
  health.sort((a, b) => a - b);
  const healthP50 = percentile(health, 0.5);
  const healthP99 = percentile(health, 0.99);
  console.log(
    `GET /health (no Durable Object): p50 ${healthP50.toFixed(2)} ms, p99 ${healthP99.toFixed(2)} ms`,
  );

  const single = await run(base, wire(2000, 3000), 1, 1, 15_000);
  const twenty = await run(base, wire(5000, 20_000), 20, 4, 15_000);
  const big = await run(base, wire(25_000, 90_000), 500, 4, 20_000);
  for (const [name, r] of [
    ["batch 1 (1 in flight)", single],
    ["batch 20 (4 in flight)", twenty],
    ["batch 500 (4 in flight)", big],
  ] as const) {
    console.log(
      `${name.padEnd(24)} ${r.requests} requests, ${r.events} events: ${Math.round(r.eventsPerSec)} events/s, ack p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms`,
    );
  }

  // Inside one partition: 200 rounds of 500 realistic events, appended by one partition.
  const canonical = generated.slice(0, 500).map((e) => ({ ...e, visitorProperties: {} }));
  const cpuBefore = workerdCpuMs(cpuRoot);
  const t = performance.now();
  const res = await fetch(`${base}/v1/debug/partition-append?repeat=200`, {
    method: "POST",
    body: JSON.stringify({ events: canonical }),
  });
  const inside = (await res.json()) as { events: number; ms: number };
  const insideMs = performance.now() - t;
  const cpuAfter = workerdCpuMs(cpuRoot);
  if (inside.events !== 100_000)
    throw new Error(`partition stored ${inside.events} of 100000 events`);
  const partitionEventsPerSec = (inside.events / insideMs) * 1000;
  // workerd's CPU time for those rounds (the Worker, the partition and storage), per event.
  const cpuUsPerEvent =
    cpuBefore === undefined || cpuAfter === undefined
      ? undefined
      : ((cpuAfter - cpuBefore) / inside.events) * 1000;
  console.log(
    `inside one partition: ${inside.events} events in batches of 500 in ${insideMs.toFixed(0)} ms: ${Math.round(partitionEventsPerSec)} events/s` +
      (cpuUsPerEvent === undefined ? "" : `; workerd CPU ${cpuUsPerEvent.toFixed(1)} us/event`),
  );

  // Read-back check: a sample of visitors has at least the events sent for them.
  const sample = generated.slice(2000, 2010);
  for (const e of sample) {
    const res = await fetch(`${base}/v1/visitors/${encodeURIComponent(e.visitor)}?limit=1000`, {
      headers: { authorization: `Bearer ${READ}` },
    });
    const view = (await res.json()) as { events: { id: string }[] };
    if (!view.events.some((x) => x.id === e.id))
      throw new Error(`event ${e.id} of ${e.visitor} was acknowledged but is not readable`);
  }
  console.log("read-back check: ok");
  return { healthP50, healthP99, single, twenty, big, partitionEventsPerSec, cpuUsPerEvent };
}

/** The `wrangler dev` path: wrangler's proxy Worker in front of the Worker. */
async function measureWranglerDev(generated: FlamEvent[]): Promise<Figures> {
  const wrangler = await startWranglerDev({
    port: PORT,
    vars: { FLAMINGO_DEMO: "true", FLAMINGO_DEBUG: "true" },
    detached: false,
  });
  try {
    return await measure("wrangler dev", wrangler.url, wrangler.pid, generated);
  } catch (e) {
    console.error(wrangler.stderrTail());
    throw e;
  } finally {
    // Its workerd processes must be gone before the direct path's CPU time is read.
    await wrangler.stop();
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** The direct path: the deployed bundle in Miniflare, no dev proxy. */
async function measureDirect(bundle: string, generated: FlamEvent[]): Promise<Figures> {
  const state = mkdtempSync(join(tmpdir(), "flamingo-bench-direct-"));
  try {
    const host = await hostDirect(bundle, state, {
      FLAMINGO_DEMO: "true",
      FLAMINGO_DEBUG: "true",
    });
    try {
      await waitForHealth(host.url, 60_000);
      // Miniflare's workerd is a child of this process (wrangler dev's have exited by now).
      return await measure("direct (Miniflare, no dev proxy)", host.url, process.pid, generated);
    } finally {
      await host.dispose();
    }
  } finally {
    rmSync(state, { recursive: true, force: true });
  }
}

const ms = (n: number) => n.toFixed(2);
const rate = (n: number) => String(Math.round(n));

/** Both paths side by side. */
function printTable(dev: Figures, direct: Figures): void {
  const rows: [string, (f: Figures) => string][] = [
    ["GET /health p50 / p99 ms", (f) => `${ms(f.healthP50)} / ${ms(f.healthP99)}`],
    ["batch 1 ack p50 / p99 ms", (f) => `${ms(f.single.p50)} / ${ms(f.single.p99)}`],
    ["batch 20 (4 in flight) events/s", (f) => rate(f.twenty.eventsPerSec)],
    ["batch 500 (4 in flight) events/s", (f) => rate(f.big.eventsPerSec)],
    ["inside one partition events/s", (f) => rate(f.partitionEventsPerSec)],
    [
      "workerd CPU us/event (partition)",
      (f) => (f.cpuUsPerEvent === undefined ? "-" : f.cpuUsPerEvent.toFixed(1)),
    ],
  ];
  const w = [34, 16, 16];
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join(" ");
  console.log(line(["", "wrangler dev", "direct"]));
  for (const [name, get] of rows) console.log(line([name, get(dev), get(direct)]));
}

async function main() {
  console.log(`node ${process.version}, ${cpus()[0]?.model ?? "cpu"} x${cpus().length}`);
  const generated = generateEvents(120_000, 7);
  // Bundled first, so the build's CPU time falls outside both measurements.
  const bundle = mkdtempSync(join(tmpdir(), "flamingo-bench-bundle-"));
  try {
    bundleWorker(bundle);
    const dev = await measureWranglerDev(generated);
    const direct = await measureDirect(bundle, generated);
    printTable(dev, direct);
    const http = (f: Figures) => Math.round(Math.max(f.big.eventsPerSec, f.twenty.eventsPerSec));
    const cpu = (f: Figures) =>
      f.cpuUsPerEvent === undefined ? null : Number(f.cpuUsPerEvent.toFixed(1));
    console.log(
      JSON.stringify({
        partitionEventsPerSec: Math.round(dev.partitionEventsPerSec),
        httpEventsPerSec: http(dev),
        singleAckP50Ms: Number(dev.single.p50.toFixed(2)),
        singleAckP99Ms: Number(dev.single.p99.toFixed(2)),
        partitionCpuUsPerEvent: cpu(dev),
        direct: {
          healthP50Ms: Number(direct.healthP50.toFixed(2)),
          healthP99Ms: Number(direct.healthP99.toFixed(2)),
          singleAckP50Ms: Number(direct.single.p50.toFixed(2)),
          singleAckP99Ms: Number(direct.single.p99.toFixed(2)),
          httpEventsPerSec: http(direct),
          partitionEventsPerSec: Math.round(direct.partitionEventsPerSec),
          partitionCpuUsPerEvent: cpu(direct),
        },
      }),
    );
  } finally {
    rmSync(bundle, { recursive: true, force: true });
  }
}

await main();
