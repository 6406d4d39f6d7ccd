/**
 * `npm run bench:triggers`: triggers on the write path end to end (issue 5), on this machine,
 * through loopback only.
 *
 * Starts two `wrangler dev` side by side (local workerd, SQLite Durable Objects in a fresh
 * temporary directory each, the demo project), "plain" and "trig", and a webhook receiver on
 * 127.0.0.1 in this process. With bounded counts:
 * 1. the same warm-up on both; on trig, before plain's warm-up, 100 active triggers created
 *    through the admin API (the airline trigger, its webhook aimed at the receiver, and 99 others
 *    of every constraint kind and frequency on other event names);
 * 2. the overhead: batches of 500 generated events (`bench/gen`) sent one at a time to
 *    `POST /v1/events`, in ROUNDS rounds in which the two instances take turns batch by batch,
 *    each sending the same batches (under other visitor ids), while workerd's CPU time under each
 *    instance's `wrangler dev` is read from /proc at each round's start and end;
 * 3. on plain (no definitions): the floor (`GET /health`, no Durable Object); "three searches for
 *    one deal, then the fourth search alone, timed" for fresh visitors (the plain peer of the
 *    decision);
 * 4. on trig, the decisions: the fourth search's answer must carry the airline banner; and the
 *    time from sending it to the receiver getting that visitor's delivery, every delivery's
 *    signature and idempotency key checked.
 * overheadRatio = median over the rounds of (trig's workerd CPU time / plain's) - 1: both sides
 * send the same number of events per round, so this is the ratio of CPU time per event. Wall-clock
 * medians swing by several times between identical runs on a shared machine; CPU time much less,
 * and taking turns batch by batch puts both sides under the same load of other processes.
 * overheadRatioWall = median batch time with triggers / without - 1, kept as the secondary
 * figure. Separate instances keep the logs
 * the batches meet alike (both hold only the warm-up when the rounds start, so their logs seal
 * at the same batches), and keep the triggers' backfill to the warm-up's events.
 *
 * The debug route `POST /v1/debug/partition-append` is not used for the overhead: it appends into
 * a fresh partition object (`debug/<uuid>`) per request, to which definitions are never pushed,
 * so it measures a partition without triggers whatever the project holds.
 *
 * Run: npm run bench:triggers [-- --decisions 300 --batches 40 --rounds 4]
 * The last line is one JSON object: decisionP50Ms, decisionP99Ms, webhookP99Ms, overheadRatio
 * (CPU time; the wall-clock figure where /proc is missing), overheadRatioWall.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { cpus } from "node:os";
import { formatLoad } from "./harness.ts";
import { generateEvents, type FlamEvent } from "./gen/events.ts";
import { formatTable } from "./report.ts";
import { workerdCpuMs } from "./workerd-cpu.ts";
import { airlineTrigger } from "../src/triggers/examples.ts";
import { startWranglerDev } from "../test/helpers/wrangler-dev.ts";

const argv = process.argv.slice(2);
const flag = (name: string, fallback: number): number => {
  const i = argv.indexOf(name);
  return i >= 0 ? Number(argv[i + 1]) : fallback;
};
/** Timed decisions (fresh visitors), and as many plain peers before the triggers exist. */
const DECISIONS = flag("--decisions", 300);
/** Timed batches of 500 for the overhead, on each instance. */
const BATCHES = flag("--batches", 40);
/** The overhead's batches are sent in this many rounds alternating the two instances. */
const ROUNDS = flag("--rounds", 4);
/** Lets work a round left behind (alarms, webhook deliveries) land in that round's CPU time. */
const SETTLE_MS = 300;
const BATCH = 500;
const TRIGGERS = 100;

const PORT = Number(process.env["BENCH_PORT"] ?? 8790 + Math.floor(Math.random() * 100));
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

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

async function call(
  base: string,
  method: string,
  path: string,
  key: string,
  body?: unknown,
): Promise<Response> {
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
async function post(base: string, events: unknown[]): Promise<Answer> {
  const res = await call(base, "POST", "/v1/events", WRITE, { events });
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
  base: string,
  prefix: string,
  n: number,
  check: (visitor: string, answer: Answer) => void,
  onSend: (visitor: string, at: number) => void = () => {},
): Promise<number[]> {
  const times: number[] = [];
  const start = Date.now() - 60_000;
  for (let i = 0; i < n; i++) {
    const visitor = `${prefix}-${i}`;
    const search = (k: number) => ({
      id: `${visitor}-s${k}`,
      visitor,
      name: "search",
      time: start + i * 10 + k,
      properties: { deal: "SFO-NYC", search_term: "flights" },
    });
    await post(base, [search(0), search(1), search(2)]);
    const t = performance.now();
    onSend(visitor, t);
    const answer = await post(base, [search(3)]);
    times.push(performance.now() - t);
    check(visitor, answer);
  }
  return times;
}

/** The batches of 500 in `events` under a visitor prefix, one request in flight, each timed. */
async function batches(base: string, events: readonly FlamEvent[], prefix: string) {
  const times: number[] = [];
  let fired = 0;
  for (let b = 0; b * BATCH < events.length; b++) {
    const batch = events.slice(b * BATCH, (b + 1) * BATCH).map((e) => ({
      id: `${prefix}-${e.id}`,
      visitor: `${prefix}-${e.visitor}`,
      name: e.name,
      time: e.time,
      properties: e.properties,
      visitorProperties: e.visitorProperties,
    }));
    const t = performance.now();
    const answer = await post(base, batch);
    times.push(performance.now() - t);
    fired += answer.actions.length;
  }
  return { times, fired };
}

/** A running `wrangler dev`: its address and its pid (the root of its workerd processes). */
type Instance = { base: string; pid: number };

/** The same warm-up on each instance: first touches of every partition and of the registry. */
async function warmUp(base: string, events: readonly FlamEvent[]): Promise<void> {
  await batches(base, events, "warm");
  await fourthSearches(base, "warm", 20, () => {});
}

/**
 * Runs `fn` against two fresh `wrangler dev` (each over a fresh temporary persist directory: an
 * empty demo project), printing their stderr if `fn` fails.
 */
async function withTwoWranglers<T>(
  port: number,
  fn: (plain: Instance, trig: Instance) => Promise<T>,
): Promise<T> {
  const start = (p: number) =>
    startWranglerDev({ port: p, vars: { FLAMINGO_DEMO: "true" }, detached: false });
  const plain = await start(port);
  try {
    const trig = await start(port + 1);
    try {
      return await fn({ base: plain.url, pid: plain.pid }, { base: trig.url, pid: trig.pid });
    } catch (e) {
      console.error(`plain:\n${plain.stderrTail()}\ntrig:\n${trig.stderrTail()}`);
      throw e;
    } finally {
      await trig.stop();
    }
  } finally {
    await plain.stop();
  }
}

type Side = { cpuMs: number[]; times: number[]; fired: number };

/**
 * The overhead's batches: `rounds` rounds, each sending the same slice of `events` to both
 * instances (under their own visitor prefixes) batch by batch in turn, plain first at even
 * batches, trig first at odd ones. Each instance's workerd CPU time is read at the round's start
 * and end (after SETTLE_MS), so both are measured over the same wall interval and the same load
 * of other processes, and work an instance does after answering (alarms, webhook deliveries)
 * counts for it; an instance's idle cost while the other works counts on both sides alike.
 */
async function alternate(
  plain: Instance,
  trig: Instance,
  events: readonly FlamEvent[],
  rounds: number,
): Promise<{ plain: Side; trig: Side }> {
  const sides = {
    plain: { cpuMs: [] as number[], times: [] as number[], fired: 0 },
    trig: { cpuMs: [] as number[], times: [] as number[], fired: 0 },
  };
  const instances = { plain, trig };
  const perRound = Math.floor(events.length / BATCH / rounds);
  for (let r = 0; r < rounds; r++) {
    const before = { plain: workerdCpuMs(plain.pid), trig: workerdCpuMs(trig.pid) };
    for (let b = r * perRound; b < (r + 1) * perRound; b++) {
      const batch = events.slice(b * BATCH, (b + 1) * BATCH);
      const order = b % 2 === 0 ? (["plain", "trig"] as const) : (["trig", "plain"] as const);
      for (const name of order) {
        const sent = await batches(instances[name].base, batch, name);
        sides[name].times.push(...sent.times);
        sides[name].fired += sent.fired;
      }
    }
    await new Promise((res) => setTimeout(res, SETTLE_MS));
    for (const name of ["plain", "trig"] as const) {
      const after = workerdCpuMs(instances[name].pid);
      const start = before[name];
      if (start !== undefined && after !== undefined) sides[name].cpuMs.push(after - start);
    }
  }
  return sides;
}

async function main() {
  const load = formatLoad;
  console.log(
    `node ${process.version}, ${cpus()[0]?.model ?? "cpu"} x${cpus().length}, load ${load()}`,
  );
  // Warm-up and the timed batches use disjoint visitors (prefixes "warm", "plain", "trig"); both
  // instances send the same generated batches.
  const generated = generateEvents((BATCHES + 4) * BATCH, 11);
  const warm = generated.slice(0, 4 * BATCH);
  const timed = generated.slice(4 * BATCH);

  const receiver = await startReceiver();
  try {
    const run = await withTwoWranglers(PORT, async (plain, trig) => {
      // 1. The same warm-up on both, then 100 triggers on trig (whose backfill replays only the
      // warm-up), so the two instances enter the timed batches with the same log and differ by
      // the triggers alone. Plain is warmed last, so neither sits idle long before its batches.
      await warmUp(trig.base, warm);
      const createTimes: number[] = [];
      let airlineId = "";
      for (let i = 0; i < TRIGGERS; i++) {
        const t = performance.now();
        // The API answers once every partition holds the new set (and has backfilled it).
        const res = await call(
          trig.base,
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
      const list = (await (await call(trig.base, "GET", "/v1/triggers", ADMIN)).json()) as {
        triggers: unknown[];
      };
      if (list.triggers.length !== TRIGGERS)
        throw new Error(`${list.triggers.length} triggers listed, expected ${TRIGGERS}`);
      await warmUp(plain.base, warm);

      // 2. The overhead, alternating the instances.
      const sides = await alternate(plain, trig, timed, ROUNDS);

      // 3. Without definitions: the floor, the plain peer of the decision.
      const health: number[] = [];
      for (let i = 0; i < 300; i++) {
        const t = performance.now();
        await (await fetch(`${plain.base}/health`)).arrayBuffer();
        health.push(performance.now() - t);
      }
      const plainFourth = await fourthSearches(plain.base, "plain", DECISIONS, (v, a) => {
        if (a.actions.length > 0) throw new Error(`${v}: actions before any trigger exists`);
      });

      // 4. Decisions, and the webhook each one queues.
      const sentAt = new Map<string, number>();
      const decision = await fourthSearches(
        trig.base,
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
      // Deliveries for searches in the timed batches reach the receiver too; wait for the decisions'.
      const decided = () => [...sentAt.keys()].filter((v) => receiver.byVisitor.has(v)).length;
      while (decided() < DECISIONS && Date.now() < deadline && receiver.bad.length === 0)
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
        floor: summarize(health),
        plainFourth: summarize(plainFourth),
        create: createTimes,
        sides,
        decision: summarize(decision),
        webhook: summarize(webhook),
      };
    });

    const { floor, plainFourth, decision, webhook, create, sides } = run;
    const plain = summarize(sides.plain.times);
    const withTriggers = summarize(sides.trig.times);
    const overheadRatioWall = withTriggers.p50 / plain.p50 - 1;
    const roundRatios = sides.trig.cpuMs.map((t, r) => t / sides.plain.cpuMs[r]! - 1);
    const overheadRatioCpu =
      roundRatios.length === ROUNDS && roundRatios.every(Number.isFinite)
        ? median(roundRatios)
        : undefined;
    const ms = (x: number) => x.toFixed(2);
    const pct = (x: number) => `${x >= 0 ? "+" : ""}${(x * 100).toFixed(1)}%`;
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
    const perRound = sides.plain.times.length / ROUNDS;
    if (overheadRatioCpu !== undefined) {
      const us = (cpu: number[]) => cpu.map((c) => (c / (perRound * BATCH)) * 1000).join(", ");
      const usMean = (cpu: number[]) => (mean(cpu) / (perRound * BATCH)) * 1000;
      console.log(
        `ingest overhead of ${TRIGGERS} triggers (workerd CPU per event, median of ${ROUNDS} rounds ` +
          `of ${perRound} batches of ${BATCH} per side): ${pct(overheadRatioCpu)}; ` +
          `rounds ${roundRatios.map(pct).join(", ")}; ` +
          `all rounds pooled ${pct(mean(sides.trig.cpuMs) / mean(sides.plain.cpuMs) - 1)}: ` +
          `${usMean(sides.plain.cpuMs).toFixed(1)} -> ${usMean(sides.trig.cpuMs).toFixed(1)} us/event ` +
          `(plain ${us(sides.plain.cpuMs)}; trig ${us(sides.trig.cpuMs)})`,
      );
    } else console.log("workerd CPU time unavailable (no /proc): overheadRatio is the wall figure");
    console.log(
      `wall clock (median batch of ${BATCH}): ${pct(overheadRatioWall)} ` +
        `(${Math.round((BATCH / plain.p50) * 1000)} -> ${Math.round((BATCH / withTriggers.p50) * 1000)} events/s; ` +
        `${sides.trig.fired} in-page actions fired in the timed batches)`,
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
        overheadRatio: Number((overheadRatioCpu ?? overheadRatioWall).toFixed(3)),
        overheadRatioWall: Number(overheadRatioWall.toFixed(3)),
      }),
    );
  } finally {
    receiver.close();
  }
}

await main();
