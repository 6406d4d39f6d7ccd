/**
 * `npm run bench:triggers`: triggers on the write path end to end (issue 5), on this machine,
 * through loopback only.
 *
 * Starts `wrangler dev` twice in turn (local workerd, SQLite Durable Objects in a fresh temporary
 * directory each time, the demo project) and a webhook receiver on 127.0.0.1 in this process.
 * Both instances get the same warm-up; then, with bounded counts:
 * 1. no definitions: the floor (`GET /health`, no Durable Object); "three searches for one deal,
 *    then the fourth search alone, timed" for fresh visitors (the plain peer of the decision);
 *    batches of 500 generated events (`bench/gen`) sent one at a time to `POST /v1/events`;
 * 2. 100 active triggers created through the admin API (the airline trigger, its webhook aimed at
 *    the receiver, and 99 others of every constraint kind and frequency on other event names),
 *    then the same batches (other visitors), then the decisions: the fourth search's answer must
 *    carry the airline banner; and the time from sending it to the receiver getting that
 *    visitor's delivery, every delivery's signature and idempotency key checked.
 * overheadRatio = median batch time with triggers / without - 1. A fresh instance for 2 keeps the
 * logs the batches meet alike, and keeps the triggers' backfill to the warm-up's events.
 *
 * The debug route `POST /v1/debug/partition-append` is not used for the overhead: it appends into
 * a fresh partition object (`debug/<uuid>`) per request, to which definitions are never pushed,
 * so it measures a partition without triggers whatever the project holds.
 *
 * Run: npm run bench:triggers [-- --decisions 300 --batches 40]
 * The last line is one JSON object: decisionP50Ms, decisionP99Ms, webhookP99Ms, overheadRatio.
 */
import { spawn } from "node:child_process";
import { createHmac, timingSafeEqual } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { generateEvents, type FlamEvent } from "./gen/events.ts";
import { formatTable } from "./report.ts";
import { airlineTrigger } from "../src/triggers/examples.ts";

const argv = process.argv.slice(2);
const flag = (name: string, fallback: number): number => {
  const i = argv.indexOf(name);
  return i >= 0 ? Number(argv[i + 1]) : fallback;
};
/** Timed decisions (fresh visitors), and as many plain peers before the triggers exist. */
const DECISIONS = flag("--decisions", 300);
/** Timed batches of 500 for the overhead, before and after the triggers. */
const BATCHES = flag("--batches", 40);
const BATCH = 500;
const TRIGGERS = 100;

const PORT = Number(process.env["BENCH_PORT"] ?? 8790 + Math.floor(Math.random() * 100));
/** The running `wrangler dev` (two are started in turn: without, then with triggers). */
let base = "";
const WRITE = "demo-write-key";
const ADMIN = "demo-admin-key";
const SECRET = "s3cr3t";
const BANNER = "Save 20% if you book today!";
/** Bounds waits on the server: no phase of the bench may hang. */
const WEBHOOK_WAIT_MS = 60_000;

type Summary = { n: number; p50: number; p99: number; max: number };

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

function summarize(samples: readonly number[]): Summary {
  const s = [...samples].sort((a, b) => a - b);
  return { n: s.length, p50: percentile(s, 0.5), p99: percentile(s, 0.99), max: s.at(-1)! };
}

async function waitForHealth(deadline: number): Promise<void> {
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`${base}/health`)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error("wrangler dev did not answer /health in time");
}

async function call(method: string, path: string, key: string, body?: unknown): Promise<Response> {
  return fetch(`${base}${path}`, {
    method,
    headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

type Answer = {
  results: { status: string }[];
  actions: { trigger: string; payload: Record<string, unknown> }[];
};

/** Sends events and checks every one was accepted. */
async function post(events: unknown[]): Promise<Answer> {
  const res = await call("POST", "/v1/events", WRITE, { events });
  const answer = (await res.json()) as Answer;
  if (res.status !== 200 || answer.results.some((r) => r.status !== "accepted"))
    throw new Error(
      `${events.length} events not all accepted: ${res.status} ${JSON.stringify(answer).slice(0, 300)}`,
    );
  return answer;
}

// --- the webhook receiver -------------------------------------------------------------------

type Received = { at: number; visitor: string; trigger: string };

/**
 * A receiver on 127.0.0.1 that checks each delivery's signature and idempotency key (a bad one
 * is recorded and fails the bench) and remembers when each visitor's delivery arrived.
 */
async function startReceiver() {
  const byVisitor = new Map<string, Received>();
  const bad: string[] = [];
  let duplicates = 0;
  const server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const at = performance.now();
      const raw = Buffer.concat(chunks);
      const expected = `sha256=${createHmac("sha256", SECRET).update(raw).digest("hex")}`;
      const got = String(req.headers["x-flamingo-signature"] ?? "");
      const body = JSON.parse(raw.toString("utf8")) as {
        id: string;
        visitor: string;
        trigger: { id: string };
      };
      if (
        got.length !== expected.length ||
        !timingSafeEqual(Buffer.from(got), Buffer.from(expected))
      )
        bad.push(`bad signature for ${body.visitor}: ${got}`);
      else if (req.headers["idempotency-key"] !== body.id)
        bad.push(`idempotency-key ${String(req.headers["idempotency-key"])} is not ${body.id}`);
      else if (byVisitor.has(body.visitor)) duplicates++;
      else byVisitor.set(body.visitor, { at, visitor: body.visitor, trigger: body.trigger.id });
      res.writeHead(200).end("ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  const close = () => {
    server.closeAllConnections();
    server.close();
  };
  return { port, byVisitor, bad, duplicates: () => duplicates, close };
}

// --- definitions ------------------------------------------------------------------------------

function airline(port: number) {
  return airlineTrigger({ webhook: { url: `http://127.0.0.1:${port}/promo`, secret: SECRET } });
}

/**
 * The other 99: counts with and without windows, runs, visitor-property conditions, `any` /
 * `not`, every frequency, on event names the generated stream carries (never `search`, so only
 * the airline trigger decides the timed fourth search).
 */
function other(i: number): Record<string, unknown> {
  const inPage = [{ type: "inPage", payload: { message: `offer ${i}` } }];
  switch (i % 5) {
    case 0:
      return {
        name: `repeat buyer ${i}`,
        when: { event: "purchase" },
        segment: { did: "purchase", atLeast: 2 + (i % 3), within: "1d" },
        frequency: { atMostEvery: "1h" },
        actions: inPage,
      };
    case 1:
      return {
        name: `pricey viewer ${i}`,
        when: { event: "add_to_cart" },
        segment: {
          all: [
            {
              did: "product_view",
              where: { field: "price", op: "gte", value: 10 + i },
              atLeast: 3,
              within: "12h",
            },
            { visitor: "plan", op: "ne", value: "free" },
          ],
        },
        frequency: { oncePer: "visit", gap: "30m" },
        actions: inPage,
      };
    case 2:
      return {
        name: `engaged pro ${i}`,
        when: { event: "pageview" },
        segment: {
          all: [
            { did: "pageview", atLeast: 5 + i },
            { visitor: "plan", op: "in", value: ["pro", "team", "enterprise"] },
          ],
        },
        frequency: { oncePer: "visitor" },
        actions: [...inPage, { type: "tag", set: { [`engaged_${i}`]: true } }],
      };
    case 3:
      return {
        name: `rage clicker ${i}`,
        when: { event: "click" },
        segment: { did: "click", inARow: 2 + (i % 4), sameValue: "element_id" },
        frequency: { everyTime: true },
        actions: inPage,
      };
    default:
      return {
        name: `abandoner ${i}`,
        when: { event: "page_leave" },
        segment: {
          any: [
            {
              all: [
                { did: "checkout_start", atLeast: 1, within: "30m" },
                { not: { did: "purchase", atLeast: 1, within: "30m" } },
              ],
            },
            { did: "remove_from_cart", exactly: 1 + (i % 2) },
          ],
        },
        frequency: { oncePer: "visit", gap: "10m" },
        actions: inPage,
      };
  }
}

// --- measurements -------------------------------------------------------------------------------

/**
 * Per fresh visitor: three searches for one deal in one request, then the fourth search alone,
 * timed. `check` sees each fourth answer; `onSend` gets the time the fourth request was sent.
 */
async function fourthSearches(
  prefix: string,
  n: number,
  check: (visitor: string, answer: Answer) => void,
  onSend: (visitor: string, at: number) => void = () => {},
): Promise<number[]> {
  const times: number[] = [];
  const base = Date.now() - 60_000;
  for (let i = 0; i < n; i++) {
    const visitor = `${prefix}-${i}`;
    const search = (k: number) => ({
      id: `${visitor}-s${k}`,
      visitor,
      name: "search",
      time: base + i * 10 + k,
      properties: { deal: "SFO-NYC", search_term: "flights" },
    });
    await post([search(0), search(1), search(2)]);
    const t = performance.now();
    onSend(visitor, t);
    const answer = await post([search(3)]);
    times.push(performance.now() - t);
    check(visitor, answer);
  }
  return times;
}

/** The same batches of 500 under another visitor prefix, one request in flight, each timed. */
async function batches(events: readonly FlamEvent[], prefix: string, count: number) {
  const times: number[] = [];
  let fired = 0;
  for (let b = 0; b < count; b++) {
    const batch = events.slice(b * BATCH, (b + 1) * BATCH).map((e) => ({
      id: `${prefix}-${e.id}`,
      visitor: `${prefix}-${e.visitor}`,
      name: e.name,
      time: e.time,
      properties: e.properties,
      visitorProperties: e.visitorProperties,
    }));
    const t = performance.now();
    const answer = await post(batch);
    times.push(performance.now() - t);
    fired += answer.actions.length;
  }
  return { ...summarize(times), fired };
}

/**
 * Starts `wrangler dev` on `port` with a fresh temporary persist directory (an empty demo project),
 * waits for `/health`, and answers how to stop it (which also deletes the directory).
 */
async function startWrangler(
  port: number,
): Promise<{ stop: () => Promise<void>; stderr: () => string }> {
  const state = mkdtempSync(join(tmpdir(), "flamingo-bench-"));
  const wrangler = spawn(
    process.execPath,
    [
      "node_modules/wrangler/bin/wrangler.js",
      "dev",
      "--ip",
      "127.0.0.1",
      "--port",
      String(port),
      "--persist-to",
      state,
      "--var",
      "FLAMINGO_DEMO:true",
    ],
    {
      stdio: ["ignore", "ignore", "pipe"],
      env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
    },
  );
  let stderr = "";
  wrangler.stderr.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const stop = async () => {
    wrangler.kill("SIGINT");
    await new Promise((r) => setTimeout(r, 500));
    rmSync(state, { recursive: true, force: true });
  };
  base = `http://127.0.0.1:${port}`;
  try {
    await waitForHealth(Date.now() + 60_000);
  } catch (e) {
    console.error(stderr);
    await stop();
    throw e;
  }
  return { stop, stderr: () => stderr };
}

/** The same warm-up on each instance: first touches of every partition and of the registry. */
async function warmUp(events: readonly FlamEvent[]): Promise<void> {
  await batches(events, "warm", events.length / BATCH);
  await fourthSearches("warm", 20, () => {});
}

/** Runs `fn` against a fresh `wrangler dev`, printing its stderr if `fn` fails. */
async function withWrangler<T>(port: number, fn: () => Promise<T>): Promise<T> {
  const w = await startWrangler(port);
  try {
    return await fn();
  } catch (e) {
    console.error(w.stderr());
    throw e;
  } finally {
    await w.stop();
  }
}

async function main() {
  const load = () =>
    loadavg()
      .map((l) => l.toFixed(1))
      .join(" ");
  console.log(
    `node ${process.version}, ${cpus()[0]?.model ?? "cpu"} x${cpus().length}, load ${load()}`,
  );
  // Warm-up and the two timed overhead runs use disjoint visitors (prefixes "warm", "plain",
  // "trig"); the timed runs send the same generated batches.
  const generated = generateEvents((BATCHES + 4) * BATCH, 11);
  const warm = generated.slice(0, 4 * BATCH);
  const timed = generated.slice(4 * BATCH);

  // 1. Without definitions: the floor, the plain peer of the decision, plain batches.
  const plainRun = await withWrangler(PORT, async () => {
    await warmUp(warm);
    const health: number[] = [];
    for (let i = 0; i < 300; i++) {
      const t = performance.now();
      await (await fetch(`${base}/health`)).arrayBuffer();
      health.push(performance.now() - t);
    }
    const fourth = await fourthSearches("plain", DECISIONS, (v, a) => {
      if (a.actions.length > 0) throw new Error(`${v}: actions before any trigger exists`);
    });
    return {
      floor: summarize(health),
      fourth: summarize(fourth),
      batches: await batches(timed, "plain", BATCHES),
    };
  });

  // 2. A fresh instance with the same warm-up, then 100 triggers: the timed batches and the
  // decisions meet the same log as in 1 plus the definitions (whose backfill replays only the
  // warm-up), so the two runs differ by the triggers alone.
  const receiver = await startReceiver();
  try {
    const triggerRun = await withWrangler(PORT + 1, async () => {
      await warmUp(warm);
      const createTimes: number[] = [];
      let airlineId = "";
      for (let i = 0; i < TRIGGERS; i++) {
        const t = performance.now();
        // The API answers once every partition holds the new set (and has backfilled it).
        const res = await call(
          "POST",
          "/v1/triggers",
          ADMIN,
          i === 0 ? airline(receiver.port) : other(i),
        );
        if (res.status !== 201) throw new Error(`trigger ${i}: ${res.status} ${await res.text()}`);
        const { id } = (await res.json()) as { id: string };
        createTimes.push(performance.now() - t);
        if (i === 0) airlineId = id;
      }
      const list = (await (await call("GET", "/v1/triggers", ADMIN)).json()) as {
        triggers: unknown[];
      };
      if (list.triggers.length !== TRIGGERS)
        throw new Error(`${list.triggers.length} triggers listed, expected ${TRIGGERS}`);

      const withTriggers = await batches(timed, "trig", BATCHES);

      // Decisions, and the webhook each one queues.
      const sentAt = new Map<string, number>();
      const decision = await fourthSearches(
        "dec",
        DECISIONS,
        (v, a) => {
          const hit = a.actions.filter(
            (x) => x.trigger === airlineId && x.payload["banner"] === BANNER,
          );
          if (hit.length !== 1 || a.actions.length !== 1)
            throw new Error(`${v}: the fourth search answered ${JSON.stringify(a.actions)}`);
        },
        (v, at) => sentAt.set(v, at),
      );
      const deadline = Date.now() + WEBHOOK_WAIT_MS;
      while (
        receiver.byVisitor.size < DECISIONS &&
        Date.now() < deadline &&
        receiver.bad.length === 0
      )
        await new Promise((r) => setTimeout(r, 50));
      if (receiver.bad.length > 0) throw new Error(receiver.bad.slice(0, 3).join("; "));
      const webhook: number[] = [];
      for (const [v, sent] of sentAt) {
        const got = receiver.byVisitor.get(v);
        if (got === undefined) throw new Error(`no webhook for ${v} within ${WEBHOOK_WAIT_MS} ms`);
        if (got.trigger !== airlineId) throw new Error(`${v}: webhook from trigger ${got.trigger}`);
        webhook.push(got.at - sent);
      }
      return {
        create: createTimes,
        batches: withTriggers,
        decision: summarize(decision),
        webhook: summarize(webhook),
      };
    });

    const { floor, fourth: plainFourth, batches: plain } = plainRun;
    const { decision, webhook, batches: withTriggers, create } = triggerRun;
    const overheadRatio = withTriggers.p50 / plain.p50 - 1;
    const ms = (x: number) => x.toFixed(2);
    const rows: [string, Summary][] = [
      ["GET /health (no Durable Object): the floor", floor],
      ["4th search, no triggers (plain ack)", plainFourth],
      ["4th search, 100 triggers: decision with banner", decision],
      ["4th search sent -> webhook received", webhook],
      [`batch of ${BATCH}, no triggers`, plain],
      [`batch of ${BATCH}, 100 triggers`, withTriggers],
      ["POST /v1/triggers (push + backfill), 100 in turn", summarize(create)],
    ];
    console.log(
      formatTable(
        ["measurement", "n", "p50 ms", "p99 ms", "max ms"],
        rows.map(([name, x]) => [name, String(x.n), ms(x.p50), ms(x.p99), ms(x.max)]),
      ),
    );
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    console.log(
      `decision p50 / plain ack p50: ${(decision.p50 / plainFourth.p50).toFixed(2)}x; ` +
        `decision p50 over the /health floor: ${ms(decision.p50 - floor.p50)} ms`,
    );
    console.log(
      `ingest overhead of ${TRIGGERS} triggers (median batch of ${BATCH}): ${(overheadRatio * 100).toFixed(1)}% ` +
        `(${Math.round((BATCH / plain.p50) * 1000)} -> ${Math.round((BATCH / withTriggers.p50) * 1000)} events/s; ` +
        `${withTriggers.fired} in-page actions fired in the timed batches)`,
    );
    console.log(
      `creating ${TRIGGERS} triggers: ${(create.reduce((a, b) => a + b, 0) / 1000).toFixed(1)} s ` +
        `(first 10 ${ms(mean(create.slice(0, 10)))} ms each, last 10 ${ms(mean(create.slice(-10)))} ms each); ` +
        `webhooks: ${receiver.byVisitor.size} received, signatures checked, ${receiver.duplicates()} duplicates`,
    );
    console.log(`load at the end: ${load()}`);
    console.log(
      JSON.stringify({
        decisionP50Ms: Number(ms(decision.p50)),
        decisionP99Ms: Number(ms(decision.p99)),
        webhookP99Ms: Number(ms(webhook.p99)),
        overheadRatio: Number(overheadRatio.toFixed(3)),
      }),
    );
  } finally {
    receiver.close();
  }
}

await main();
