// Prepares a running local edge for the demo (called by `npm start` once /health answers):
//
//   1. the airline trigger "repeat deal searcher" (docs/triggers.md), created unless a trigger of
//      that name exists; created before the seed so the seed's deal searchers fire it;
//   2. the demo data set, unless the project already holds it: FLAMINGO_SEED_EVENTS events
//      (default 25,000) from bench/gen/events.ts, moved to the last three weeks, plus a few
//      hundred "search the same deal four times" stories, posted in batches of 500.
//
// Event ids come from a seeded generator, so an interrupted seed resumes by posting again: the
// edge answers `duplicate` for what it already stored.
//
// Usage: node --experimental-strip-types scripts/seed-demo.ts http://127.0.0.1:8787
import { generateEvents, type FlamEvent } from "../bench/gen/events.ts";
import { createRng } from "../bench/gen/prng.ts";
import { AIRPORTS } from "../bench/gen/domains.ts";
import { airlineTrigger } from "../src/triggers/examples.ts";

/** The demo project's keys (src/edge/registry, FLAMINGO_DEMO=true). */
export const DEMO_KEYS = {
  write: "demo-write-key",
  read: "demo-read-key",
  admin: "demo-admin-key",
} as const;

/** The trigger the demo site shows (docs/triggers.md's example, without the webhook). */
export const AIRLINE_TRIGGER = airlineTrigger({ webhook: null, tag: false });

const BATCH = 500;
const SPAN_MS = 21 * 86_400_000;
// bench/gen/events.ts spreads its events over the seven days from this instant.
const GEN_START = Date.UTC(2026, 0, 1);
const GEN_SPAN_MS = 7 * 86_400_000;

type WireEvent = Omit<FlamEvent, "receivedAt" | "visitorProperties"> &
  Partial<Pick<FlamEvent, "visitorProperties">>;

async function call(origin: string, path: string, key: string, body?: unknown): Promise<unknown> {
  for (let attempt = 0; ; attempt++) {
    const res = await fetch(origin + path, {
      method: body === undefined ? "GET" : "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    // A busy machine can make a partition miss its deadline: retry a few times, then give up.
    if ((res.status === 503 || res.status === 429) && attempt < 5) {
      await new Promise((r) => setTimeout(r, 500 * 2 ** attempt));
      continue;
    }
    if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return res.json();
  }
}

/** Creates the airline trigger unless the project has one of that name; answers its id. */
export async function ensureTrigger(origin: string): Promise<{ id: string; created: boolean }> {
  const list = (await call(origin, "/v1/triggers", DEMO_KEYS.admin)) as {
    triggers: { id: string; name: string }[];
  };
  const found = list.triggers.find((t) => t.name === AIRLINE_TRIGGER.name);
  if (found) return { id: found.id, created: false };
  const made = (await call(origin, "/v1/triggers", DEMO_KEYS.admin, AIRLINE_TRIGGER)) as {
    id: string;
  };
  return { id: made.id, created: true };
}

/** Events the project holds (every name, the demo site's included). */
export async function countEvents(origin: string): Promise<number> {
  const answer = (await call(origin, "/v1/query", DEMO_KEYS.read, {
    from: "events",
    select: [{ fn: "count" }],
  })) as { rows: [number][] };
  return answer.rows[0]?.[0] ?? 0;
}

/**
 * The demo data set, ordered by time and ending about now: `n` generated events over the last
 * three weeks, plus deal searchers (four searches of one deal, a minute or so apart; a third of
 * them then book, and some search a different deal on the third try and do not qualify).
 */
export function demoEvents(n: number, now = Date.now()): WireEvent[] {
  const start = now - SPAN_MS - 60_000;
  const scale = SPAN_MS / GEN_SPAN_MS;
  // receivedAt is the edge's to set.
  const events: WireEvent[] = generateEvents(n, 7).map((e) => ({
    id: e.id,
    visitor: e.visitor,
    name: e.name,
    time: start + Math.floor((e.time - GEN_START) * scale),
    properties: e.properties,
    visitorProperties: e.visitorProperties,
  }));
  const rng = createRng(11);
  for (let i = 0; i < Math.max(1, Math.round(n / 100)); i++) {
    const visitor = `traveler-${rng.hex(10)}`;
    const deal = `${rng.pick(AIRPORTS)}-${rng.pick(AIRPORTS)}`;
    const other = `${rng.pick(AIRPORTS)}-${rng.pick(AIRPORTS)}`;
    const broken = rng.chance(0.2);
    let time = start + rng.int(SPAN_MS);
    for (let k = 0; k < 4; k++) {
      time += 20_000 + rng.int(60_000);
      const properties = { deal: broken && k === 2 ? other : deal, destination: deal.slice(4) };
      events.push({ id: rng.uuid(), visitor, name: "search", time, properties });
    }
    if (rng.chance(0.33)) {
      time += 120_000 + rng.int(600_000);
      events.push({
        id: rng.uuid(),
        visitor,
        name: "book",
        time,
        properties: { deal, price: 150 + rng.int(900) },
        visitorProperties: { booked: true },
      });
    }
  }
  return events.sort((a, b) => a.time - b.time);
}

/** Posts `events` in batches of 500, reporting progress; answers how many were new. */
export async function postEvents(
  origin: string,
  events: WireEvent[],
  progress: (sent: number, total: number, perSecond: number) => void,
): Promise<number> {
  const started = performance.now();
  let accepted = 0;
  for (let i = 0; i < events.length; i += BATCH) {
    const answer = (await call(origin, "/v1/events", DEMO_KEYS.write, {
      events: events.slice(i, i + BATCH),
    })) as { results: { status: string }[] };
    accepted += answer.results.filter((r) => r.status === "accepted").length;
    const sent = Math.min(i + BATCH, events.length);
    progress(sent, events.length, sent / ((performance.now() - started) / 1000));
  }
  return accepted;
}

async function main(): Promise<void> {
  const origin = process.argv[2] ?? "http://127.0.0.1:8787";
  const n = Number(process.env.FLAMINGO_SEED_EVENTS ?? "25000");
  if (!Number.isInteger(n) || n < 0) throw new Error("FLAMINGO_SEED_EVENTS must be an integer");

  const trigger = await ensureTrigger(origin);
  console.log(
    `seed: trigger "${AIRLINE_TRIGGER.name}" ${trigger.created ? "created" : "present"} (${trigger.id})`,
  );
  if (n === 0) return;
  const events = demoEvents(n);
  const held = await countEvents(origin);
  if (held >= events.length) {
    console.log(`seed: demo data present (${held.toLocaleString("en")} events), not seeding`);
    return;
  }
  if (held > 0) console.log(`seed: ${held.toLocaleString("en")} events held; resuming the seed`);
  const tty = process.stdout.isTTY;
  let shown = 0;
  const accepted = await postEvents(origin, events, (sent, total, rate) => {
    const line = `seed: ${sent.toLocaleString("en")} / ${total.toLocaleString("en")} events (${Math.round(rate).toLocaleString("en")}/s)`;
    if (tty) process.stdout.write(`\r${line}${sent === total ? "\n" : ""}`);
    else if (sent === total || sent - shown >= total / 10) {
      shown = sent;
      console.log(line);
    }
  });
  console.log(`seed: done, ${accepted.toLocaleString("en")} new events`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error: unknown) => {
    console.error(`seed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
