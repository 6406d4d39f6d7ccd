/**
 * The trigger core's cost on the ingest hot path (issue 5): `createEvaluator(...).step` over a
 * generated stream of events of many visitors, one state per visitor, profiles folded before
 * timing (the partition folds them anyway). Two projects: the airline trigger alone, and 100
 * triggers of every constraint kind and frequency (plus one standalone segment). Every run's
 * firings are checked: the airline's against a plain rescan of each visitor's history, the
 * 100-trigger project's against its first run. Prints ns per event, ns per trigger per event and
 * the ratio between the two projects; the last line is one JSON object.
 *
 * Run: npm exec -- node --experimental-strip-types bench/triggers-core.bench.ts [-- --events 200000]
 */
import { cpus } from "node:os";
import type { FlamEvent, PropertyValue } from "../src/flam/index.ts";
import {
  createEvaluator,
  parseSegment,
  parseTrigger,
  type Fired,
  type SegmentDef,
  type TriggerDef,
  type VisitorState,
} from "../src/triggers/index.ts";
import { measure } from "./harness.ts";
import { formatRate, formatRatio, formatTable } from "./report.ts";
import { AIRLINE_TRIGGER } from "../src/triggers/examples.ts";

const argv = process.argv.slice(2);
const flag = (name: string, fallback: number): number => {
  const i = argv.indexOf(name);
  return i >= 0 ? Number(argv[i + 1]) : fallback;
};
const EVENTS = flag("--events", 200_000);
const VISITORS = flag("--visitors", 2_000);

const AIRLINE = AIRLINE_TRIGGER;

/** Deterministic xorshift32 in [0, 1). */
function random(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

interface Stream {
  events: FlamEvent[];
  /** Each event's visitor properties after it was applied. */
  profiles: Record<string, PropertyValue>[];
}

/** Visitors with a current deal they search repeatedly, browse, add to carts, buy, book. */
function generate(): Stream {
  const rnd = random(42);
  const deals = ["SFO-NYC", "LAX-BOS", "SEA-MIA", "ORD-DEN", "ATL-PHX"];
  const current = Array.from({ length: VISITORS }, () => deals[0]!);
  const props = Array.from({ length: VISITORS }, (): Record<string, PropertyValue> => ({}));
  const events: FlamEvent[] = [];
  const profiles: Record<string, PropertyValue>[] = [];
  let time = Date.parse("2026-03-01T00:00:00Z");
  for (let i = 0; i < EVENTS; i++) {
    // A few visitors are much more active than the rest.
    const v = Math.floor(VISITORS * rnd() ** 2);
    time += Math.floor(rnd() * 2000);
    const r = rnd();
    let name = "search";
    const properties: Record<string, PropertyValue> = {};
    const visitorProperties: Record<string, PropertyValue> = {};
    if (r < 0.45) {
      if (rnd() < 0.25) current[v] = deals[Math.floor(rnd() * deals.length)]!;
      properties.deal = current[v]!;
    } else if (r < 0.8) {
      name = "pageview";
      properties.page = `/p/${Math.floor(rnd() * 20)}`;
    } else if (r < 0.88) {
      name = "add_to_cart";
      properties.price = Math.floor(rnd() * 500);
    } else if (r < 0.94) {
      name = "purchase";
      properties.price = Math.floor(rnd() * 800);
    } else {
      name = "identify";
      if (rnd() < 0.3) visitorProperties.booked = rnd() < 0.5;
      if (rnd() < 0.5) visitorProperties.plan = rnd() < 0.5 ? "pro" : "free";
    }
    if (Object.keys(visitorProperties).length > 0) props[v] = { ...props[v], ...visitorProperties };
    events.push({
      id: `e${i}`,
      visitor: `v${v}`,
      name,
      time,
      receivedAt: time,
      properties,
      visitorProperties,
    });
    profiles.push(props[v]!);
  }
  return { events, profiles };
}

/** 100 triggers over the stream's event names, of every constraint kind and frequency. */
function hundredTriggers(): { triggers: TriggerDef[]; segments: SegmentDef[] } {
  const bookers = {
    ...parseSegment(
      { name: "bookers", definition: { visitor: "booked", op: "eq", value: true } },
      new Map(),
    ),
    id: "s0",
    version: 1,
  };
  const segments = new Map([["bookers", bookers]]);
  const actions = [{ type: "inPage", payload: { banner: "hi" } }];
  const jsons = Array.from({ length: 100 }, (_, i): unknown => {
    switch (i % 4) {
      case 0:
        return i === 0
          ? AIRLINE
          : {
              name: `runs ${i}`,
              when: { event: "search" },
              segment: {
                all: [
                  { did: "search", inARow: 2 + (i % 5), sameValue: "deal" },
                  { not: { segment: "bookers" } },
                ],
              },
              frequency: i % 8 === 0 ? { oncePer: "visitor" } : { oncePer: "visit", gap: "10m" },
              actions,
            };
      case 1:
        return {
          name: `buyers ${i}`,
          when: { event: "pageview", where: { field: "page", op: "startsWith", value: "/p/1" } },
          segment: {
            all: [
              {
                did: "purchase",
                where: { field: "price", op: "gte", value: i * 3 },
                atLeast: 1 + (i % 3),
                within: "1h",
              },
              { visitor: "plan", op: "ne", value: "free" },
            ],
          },
          frequency: { atMostEvery: "30m" },
          actions,
        };
      case 2:
        return {
          name: `shoppers ${i}`,
          when: { event: "add_to_cart" },
          segment: {
            any: [
              { did: "search", where: { field: "deal", op: "eq", value: "SEA-MIA" }, atLeast: 3 },
              { visitor: "plan", op: "eq", value: "pro" },
            ],
          },
          frequency: { everyTime: true },
          actions,
        };
      default:
        return {
          name: `browsers ${i}`,
          when: { event: "purchase" },
          segment: { all: [{ did: "pageview", atMost: 20 + i }, { not: { segment: "bookers" } }] },
          frequency: { oncePer: "visit" },
          actions,
        };
    }
  });
  return {
    triggers: jsons.map((json, i) => ({
      ...parseTrigger(json, segments),
      id: `t${i}`,
      version: 1,
    })),
    segments: [bookers],
  };
}

/** Steps every event; answers the firings as "trigger@event" in order. */
function runAll(
  stream: Stream,
  definitions: { triggers: TriggerDef[]; segments: SegmentDef[] },
): string[] {
  const evaluator = createEvaluator(definitions);
  const states = new Map<string, VisitorState>();
  const fired: Fired[] = [];
  const { events, profiles } = stream;
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    const r = evaluator.step(
      states.get(e.visitor) ?? null,
      e,
      { properties: profiles[i]! },
      "live",
    );
    states.set(e.visitor, r.state);
    for (const f of r.fired) fired.push(f);
  }
  // Named outside the loop, so the bench's own strings do not weigh on the timing much.
  return fired.map((f) => `${f.trigger}@${f.event}`);
}

/**
 * The airline trigger by rescanning: a visitor's first search whose last four events are
 * searches for one deal while the profile is not booked (oncePer visitor, and the segment can
 * only start holding at a search).
 */
function airlineReference(stream: Stream): string[] {
  const history = new Map<string, FlamEvent[]>();
  const done = new Set<string>();
  const fired: string[] = [];
  stream.events.forEach((e, i) => {
    const h = history.get(e.visitor) ?? [];
    history.set(e.visitor, h);
    h.push(e);
    if (e.name !== "search" || done.has(e.visitor) || h.length < 4) return;
    const last = h.slice(-4);
    const deal = e.properties.deal;
    const run = last.every((x) => x.name === "search" && x.properties.deal === deal);
    if (run && stream.profiles[i]!.booked !== true) {
      done.add(e.visitor);
      fired.push(`t0@${e.id}`);
    }
  });
  return fired;
}

const stream = generate();
const airline = {
  triggers: [{ ...parseTrigger(AIRLINE, new Map()), id: "t0", version: 1 }],
  segments: [],
};
const hundred = hundredTriggers();
const expectedAirline = airlineReference(stream);
const expectedHundred = runAll(stream, hundred);
const same = (got: string[], want: string[]): string | null => {
  if (got.length !== want.length) return `${got.length} firings, expected ${want.length}`;
  const i = got.findIndex((x, k) => x !== want[k]);
  return i < 0 ? null : `firing ${i} is ${got[i]}, expected ${want[i]}`;
};
if (
  same(
    expectedHundred.filter((f) => f.startsWith("t0@")),
    expectedAirline,
  ) !== null
)
  throw new Error("the airline trigger fired differently among 100 triggers than alone");

const one = await measure(
  "1 trigger",
  () => runAll(stream, airline),
  (r) => same(r, expectedAirline),
);
const many = await measure(
  "100 triggers",
  () => runAll(stream, hundred),
  (r) => same(r, expectedHundred),
);

const nsPerEvent = (ms: number): number => (ms * 1e6) / EVENTS;
const oneNs = nsPerEvent(one.medianMs);
const manyNs = nsPerEvent(many.medianMs);
console.log(
  `triggers core: ${EVENTS.toLocaleString("en")} events of ${VISITORS.toLocaleString("en")} visitors; ` +
    `${cpus()[0]?.model ?? "cpu"}, node ${process.version}`,
);
console.log(
  formatTable(
    ["project", "ns/event", "ns/trigger/event", "events/s", "fired", "runs", "vs 1 trigger"],
    [
      [
        "1 trigger (airline)",
        oneNs.toFixed(0),
        oneNs.toFixed(0),
        formatRate(1e9 / oneNs),
        String(expectedAirline.length),
        String(one.runs),
        "1.00x",
      ],
      [
        "100 triggers",
        manyNs.toFixed(0),
        (manyNs / 100).toFixed(1),
        formatRate(1e9 / manyNs),
        String(expectedHundred.length),
        String(many.runs),
        formatRatio(manyNs, oneNs),
      ],
    ],
  ),
);
console.log(
  JSON.stringify({
    events: EVENTS,
    nsPerEventOneTrigger: Math.round(oneNs),
    nsPerEventHundredTriggers: Math.round(manyNs),
    nsPerTriggerPerEvent: Number((manyNs / 100).toFixed(1)),
  }),
);
