/**
 * Faults under load (issue 8, docs/reliability.md "Faults and load"): several clients ingest
 * batches of varying size for many visitors while queries run, partitions are reset mid-batch
 * (`POST /v1/debug/partition-abort`, which calls `ctx.abort()`) and `wrangler dev` is killed
 * (SIGKILL) and started again over the same persisted state. Clients choose their event ids and
 * retry a batch, same ids, after any non-2xx or network error. Afterwards every acknowledged
 * event must be stored exactly once, and resending a batch must change nothing.
 *
 * Loopback only, bounded: about a minute by default. A longer run:
 *   FLAMINGO_LOAD_SECONDS=120 FLAMINGO_LOAD_CLIENTS=16 FLAMINGO_LOAD_RESTARTS=3 \
 *     npm exec -- vitest run --project node test/node/load-faults.test.ts
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const setting = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const SECONDS = setting("FLAMINGO_LOAD_SECONDS", 20);
const CLIENTS = setting("FLAMINGO_LOAD_CLIENTS", 8);
const VISITORS_PER_CLIENT = setting("FLAMINGO_LOAD_VISITORS", 20);
const RESTARTS = setting("FLAMINGO_LOAD_RESTARTS", 1);
const ABORT_EVERY_MS = setting("FLAMINGO_LOAD_ABORT_MS", 1000);
const MAX_BATCH = 200;
/** A batch not acknowledged within this (server down included) fails the test. */
const GIVE_UP_MS = 90_000;

const root = fileURLToPath(new URL("../..", import.meta.url));
const state = mkdtempSync(join(tmpdir(), "flamingo-load-"));
const port = 8800 + Math.floor(Math.random() * 90);
const base = `http://127.0.0.1:${port}`;
const WRITE = { "content-type": "application/json", authorization: "Bearer demo-write-key" };
const READ = { "content-type": "application/json", authorization: "Bearer demo-read-key" };
let server: ChildProcess | undefined;

async function start(): Promise<void> {
  server = spawn(
    process.execPath,
    [
      join(root, "node_modules/wrangler/bin/wrangler.js"),
      "dev",
      ...["--ip", "127.0.0.1", "--port", String(port), "--persist-to", state],
      ...["--var", "FLAMINGO_DEMO:true", "--var", "FLAMINGO_DEBUG:true"],
    ],
    {
      cwd: root,
      stdio: "ignore",
      env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
      detached: true,
    },
  );
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`${base}/health`)).ok) return;
    } catch {
      // not listening yet
    }
    await sleep(200);
  }
  throw new Error("wrangler dev did not start");
}

/** Stops the whole process group (wrangler and its workerd): SIGKILL is a crash. */
async function stop(signal: NodeJS.Signals): Promise<void> {
  if (server?.pid === undefined) return;
  const exited = new Promise((r) => server!.once("exit", r));
  process.kill(-server.pid, signal);
  await Promise.race([exited, sleep(10_000)]);
  server = undefined;
}

afterAll(async () => {
  await stop("SIGINT");
  rmSync(state, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** mulberry32: a seeded generator, so a failing run can be replayed with FLAMINGO_LOAD_SEED. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Order-independent checksum of a set of ids: the sum of their FNV-1a hashes mod 2^32. */
function checksum(ids: Iterable<string>): number {
  let sum = 0;
  for (const id of ids) {
    let h = 0x811c9dc5;
    for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
    sum = (sum + (h >>> 0)) >>> 0;
  }
  return sum;
}

type Event = { id: string; visitor: string; name: string; properties: { n: number } };
type Answer = { results: { status: string; id?: string }[] };

/** Counters shared by the clients, the query loop and the fault injector. */
const run = {
  acked: new Map<string, string>(), // id -> visitor
  sent: new Set<string>(),
  batches: 0,
  retriedBatches: [] as Event[][],
  attemptsFailed: 0,
  duplicatesOnFirstAttempt: 0,
  /** Events a retry found stored: an earlier attempt committed but its answer was lost. */
  duplicatesOnRetry: 0,
  wrongAnswers: [] as string[],
  queries: { ok: 0, unavailable: 0, unreachable: 0, partial: 0, other: [] as number[] },
  aborts: 0,
  restarts: 0,
};

/** Posts a batch until it is acknowledged (2xx), same ids each time; returns the answer. */
async function deliver(batch: Event[]): Promise<{ answer: Answer; attempts: number }> {
  const deadline = Date.now() + GIVE_UP_MS;
  for (let attempt = 0; ; attempt++) {
    try {
      const res = await fetch(`${base}/v1/events`, {
        method: "POST",
        headers: WRITE,
        body: JSON.stringify({ events: batch }),
        signal: AbortSignal.timeout(20_000),
      });
      if (res.ok) return { answer: (await res.json()) as Answer, attempts: attempt + 1 };
      await res.body?.cancel();
    } catch {
      // refused while the server restarts, or reset by an abort: retry
    }
    run.attemptsFailed++;
    if (Date.now() > deadline) throw new Error(`batch ${batch[0]?.id} never acknowledged`);
    await sleep(Math.min(50 * 2 ** attempt, 1000));
  }
}

async function client(c: number, until: number, next: () => number): Promise<void> {
  const visitors = Array.from({ length: VISITORS_PER_CLIENT }, (_, k) => `lf-c${c}-v${k}`);
  for (let b = 0; Date.now() < until; b++) {
    const size = 1 + Math.floor(next() * MAX_BATCH);
    const batch: Event[] = Array.from({ length: size }, (_, i) => ({
      id: `lf-c${c}-b${b}-${i}`,
      visitor: visitors[Math.floor(next() * visitors.length)]!,
      name: ["pageview", "click", "purchase"][Math.floor(next() * 3)]!,
      properties: { n: i },
    }));
    for (const e of batch) run.sent.add(e.id);
    const { answer, attempts } = await deliver(batch);
    run.batches++;
    if (attempts > 1) run.retriedBatches.push(batch);
    answer.results.forEach((r, i) => {
      const e = batch[i]!;
      if (r.status === "duplicate") {
        if (attempts === 1) run.duplicatesOnFirstAttempt++;
        else run.duplicatesOnRetry++;
      }
      if (r.status !== "accepted" && r.status !== "duplicate")
        run.wrongAnswers.push(`${e.id}: ${JSON.stringify(r)}`);
      else run.acked.set(e.id, e.visitor);
    });
    if (answer.results.length !== batch.length)
      run.wrongAnswers.push(`batch ${batch[0]!.id}: ${answer.results.length} results`);
  }
}

async function post(path: string, body: unknown, headers = READ): Promise<Response> {
  return fetch(`${base}${path}`, {
    method: "POST",
    headers,
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(20_000),
  });
}

async function countAll(): Promise<number> {
  const res = await post("/v1/query", { from: "events", select: [{ fn: "count" }] });
  if (res.status !== 200) throw new Error(`count query answered ${res.status}`);
  return ((await res.json()) as { rows: [number][] }).rows[0]![0];
}

/** Counts while the clients write: a 200 must cover every event acknowledged before it was sent. */
async function queries(until: number): Promise<void> {
  while (Date.now() < until) {
    const ackedBefore = run.acked.size;
    try {
      const res = await post("/v1/query", { from: "events", select: [{ fn: "count" }] });
      if (res.status === 200) {
        const count = ((await res.json()) as { rows: [number][] }).rows[0]![0];
        if (count < ackedBefore || count > run.sent.size) run.queries.partial++;
        else run.queries.ok++;
      } else {
        const body = (await res.json().catch(() => ({}))) as {
          error?: { code?: string; details?: { partitions?: string[] } };
        };
        if (res.status === 503 && body.error?.code === "partition_unavailable")
          run.queries.unavailable++;
        else run.queries.other.push(res.status);
      }
    } catch {
      run.queries.unreachable++; // the server is restarting
    }
    await sleep(250);
  }
}

/** Resets partitions at random mid-batch; kills and restarts the server `RESTARTS` times. */
async function faults(from: number, until: number, next: () => number): Promise<void> {
  const restartAt = Array.from(
    { length: RESTARTS },
    (_, i) => from + ((i + 1) * (until - from)) / (RESTARTS + 1),
  );
  while (Date.now() < until) {
    await sleep(ABORT_EVERY_MS * (0.5 + next()));
    if (restartAt.length > 0 && Date.now() >= restartAt[0]!) {
      restartAt.shift();
      await stop("SIGKILL");
      await start();
      run.restarts++;
      continue;
    }
    const partition = `p${Math.floor(next() * 4)}`;
    try {
      const res = await post(
        `/v1/debug/partition-abort?project=demo&partition=${partition}`,
        {},
        WRITE,
      );
      if (res.ok) run.aborts++;
      await res.body?.cancel();
    } catch {
      // the server is restarting
    }
  }
}

/** Every stored event of the demo project, through rawEvents pages. */
async function storedIds(): Promise<{ id: string; visitor: string }[]> {
  const out: { id: string; visitor: string }[] = [];
  let cursor: string | undefined;
  do {
    const res = await post("/v1/query", {
      from: "rawEvents",
      limit: 1000,
      ...(cursor === undefined ? {} : { cursor }),
    });
    expect(res.status).toBe(200);
    const page = (await res.json()) as { columns: string[]; rows: unknown[][]; next?: string };
    const id = page.columns.indexOf("id");
    const visitor = page.columns.indexOf("visitor");
    for (const row of page.rows)
      out.push({ id: row[id] as string, visitor: row[visitor] as string });
    cursor = page.next;
  } while (cursor !== undefined);
  return out;
}

describe("ingest under faults and load", () => {
  it(
    "stores every acknowledged event exactly once through partition resets and a crash",
    { timeout: GIVE_UP_MS + SECONDS * 1000 + 120_000 },
    async () => {
      const seed = setting("FLAMINGO_LOAD_SEED", Date.now() % 1_000_000);
      const next = random(seed);
      await start();
      const from = Date.now();
      const until = from + SECONDS * 1000;
      await Promise.all([
        ...Array.from({ length: CLIENTS }, (_, c) => client(c, until, random(seed + c + 1))),
        queries(until),
        faults(from, until, next),
      ]);
      const loadMs = Date.now() - from;

      // Exactly once: the stored ids are the acknowledged ones, each once.
      const stored = await storedIds();
      const ids = stored.map((e) => e.id);
      const unique = new Set(ids);
      const lost = [...run.acked.keys()].filter((id) => !unique.has(id));
      const duplicated = ids.length - unique.size;
      const unknown = [...unique].filter((id) => !run.acked.has(id));
      const perVisitor = new Map<string, number>();
      for (const visitor of run.acked.values())
        perVisitor.set(visitor, (perVisitor.get(visitor) ?? 0) + 1);

      // Per visitor, twice: grouped counts and each profile's eventCount.
      const grouped = await post("/v1/query", {
        from: "events",
        select: [{ fn: "count" }],
        groupBy: ["visitor"],
        limit: 10_000,
      });
      expect(grouped.status).toBe(200);
      const counts = new Map(
        ((await grouped.json()) as { rows: [string, number][] }).rows.map(([v, n]) => [v, n]),
      );
      const profiles = new Map<string, number>();
      for (const visitor of perVisitor.keys()) {
        const res = await fetch(`${base}/v1/visitors/${visitor}?limit=1`, { headers: READ });
        expect(res.status).toBe(200);
        profiles.set(
          visitor,
          ((await res.json()) as { profile: { eventCount: number } }).profile.eventCount,
        );
      }

      // Retries change nothing: every retried batch, sent once more, is all `duplicate`.
      const before = await countAll();
      let resentDuplicate = 0;
      for (const batch of run.retriedBatches) {
        const { answer } = await deliver(batch);
        resentDuplicate += answer.results.filter((r) => r.status === "duplicate").length;
      }
      const resent = run.retriedBatches.reduce((n, b) => n + b.length, 0);
      const after = await countAll();

      const report = {
        seed,
        clients: CLIENTS,
        visitors: CLIENTS * VISITORS_PER_CLIENT,
        seconds: Math.round(loadMs / 100) / 10,
        batches: run.batches,
        acknowledged: run.acked.size,
        eventsPerSecond: Math.round(run.acked.size / (loadMs / 1000)),
        failedAttempts: run.attemptsFailed,
        retriedBatches: run.retriedBatches.length,
        duplicatesOnRetry: run.duplicatesOnRetry,
        aborts: run.aborts,
        restarts: run.restarts,
        queries: run.queries,
        lost: lost.length,
        duplicated,
        checksum: { acknowledged: checksum(run.acked.keys()), stored: checksum(ids) },
        resent,
        resentDuplicate,
      };
      console.log(`load-faults: ${JSON.stringify(report)}`);

      expect(run.restarts).toBe(RESTARTS);
      expect(run.aborts).toBeGreaterThan(0);
      expect(run.wrongAnswers).toEqual([]);
      expect(run.duplicatesOnFirstAttempt).toBe(0);
      expect(lost).toEqual([]);
      expect(duplicated).toBe(0);
      expect(unknown).toEqual([]);
      expect(report.checksum.stored).toBe(report.checksum.acknowledged);
      expect(Object.fromEntries(counts)).toEqual(Object.fromEntries(perVisitor));
      expect(Object.fromEntries(profiles)).toEqual(Object.fromEntries(perVisitor));
      expect(run.queries.partial).toBe(0);
      expect(run.queries.other).toEqual([]);
      expect(run.queries.ok).toBeGreaterThan(0);
      expect(resentDuplicate).toBe(resent);
      expect(after).toBe(before);
      expect(after).toBe(run.acked.size);
    },
  );
});
