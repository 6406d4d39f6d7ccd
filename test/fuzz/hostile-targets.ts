/**
 * The parsers of untrusted input under the hostile-input fuzz (test/fuzz/hostile.ts): for each,
 * what inputs to generate (mutated valid seeds and plain hostile values), how to call it, which
 * error it documents, and what a valid answer looks like. A parser may answer or throw its own
 * error; anything else is a failure.
 */
import fc from "fast-check";
import {
  FormatError,
  parseNative,
  parsePostHog,
  parseSegment as parseSegmentBody,
  parseWoopra,
  parseWoopraPush,
  type ParsedBatch,
  type WoopraEndpoint,
} from "../../src/edge/formats/index.ts";
import { fixtureJson, fixtureQuery, fixtures } from "../../src/edge/formats/fixtures.ts";
import { parseQuery, QueryError, type Query } from "../../src/query/index.ts";
import type { Filter, Leaf } from "../../src/query/query.ts";
import {
  DefinitionError,
  parseSegment as parseSegmentDefinition,
  parseTrigger,
} from "../../src/triggers/index.ts";
import type { Constraint, TriggerSpec } from "../../src/triggers/spec.ts";
import { anyHostile, asInput, hostileString, mutated, safeJson } from "./hostile-values.ts";

/** One parser under fuzz. `check` answers what is wrong with a result, or null. */
export interface HostileTarget {
  name: string;
  /** What fast-check generates; `run` turns it into the parser's arguments. */
  input: fc.Arbitrary<unknown>;
  run(input: unknown): unknown;
  /** The error type the parser documents (`@throws`), or null when it documents none. */
  expected: (new (...args: never[]) => Error) | null;
  check(result: unknown): string | null;
  /** A valid input and its answer as JSON, to show the parser still works after fuzzing. */
  sanity: { input: unknown; answer: string };
}

/** Raw or through JSON, a mutated seed or a hostile value. */
function bodies(seeds: readonly unknown[]): fc.Arbitrary<unknown> {
  return fc
    .tuple(
      fc.oneof({ weight: 3, arbitrary: mutated(seeds) }, { weight: 1, arbitrary: anyHostile }),
      fc.boolean(),
    )
    .map(([value, json]) => asInput(value, json));
}

// -- wire formats --------------------------------------------------------------------------

const FAILURE_CODES = new Set([
  "not_an_object",
  "missing_visitor",
  "missing_name",
  "invalid_id",
  "invalid_time",
  "invalid_properties",
  "unknown_type",
  "invalid_json",
  "site_mismatch",
  "missing_action_id",
]);
const EVENT_KEYS = new Set(["id", "visitor", "name", "time", "properties", "visitorProperties"]);
const MAX_TIME = 8.64e15;

const isTime = (t: unknown) =>
  typeof t === "number" && Number.isInteger(t) && t >= 0 && t <= MAX_TIME;
const isText = (s: unknown) => typeof s === "string" && s !== "";
const isBareMap = (m: unknown) =>
  typeof m === "object" && m !== null && Object.getPrototypeOf(m) === null;

/** A `ParsedBatch` as docs/wire-formats.md promises it. */
export function checkBatch(result: unknown): string | null {
  const b = result as ParsedBatch;
  if (typeof b !== "object" || b === null || !Array.isArray(b.events)) return "no events array";
  if (b.sentAt !== undefined && !isTime(b.sentAt)) return `sentAt ${String(b.sentAt)}`;
  if (b.writeKey !== undefined && !isText(b.writeKey)) return "writeKey not a non-empty string";
  if (b.site !== undefined && !isText(b.site)) return "site not a non-empty string";
  for (const [i, e] of b.events.entries()) {
    if ("code" in e) {
      if (!FAILURE_CODES.has(e.code)) return `events[${i}]: unknown failure code ${e.code}`;
      if (typeof e.message !== "string") return `events[${i}]: failure without a message`;
      continue;
    }
    const extra = Object.keys(e).find((k) => !EVENT_KEYS.has(k));
    if (extra !== undefined) return `events[${i}]: extra key ${extra}`;
    if (!isText(e.visitor) || !isText(e.name)) return `events[${i}]: visitor or name not text`;
    if (e.id !== undefined && !isText(e.id)) return `events[${i}]: id not text`;
    if (e.time !== undefined && !isTime(e.time)) return `events[${i}]: time ${String(e.time)}`;
    if (!isBareMap(e.properties) || !isBareMap(e.visitorProperties))
      return `events[${i}]: property maps must have no prototype`;
  }
  return null;
}

export const nativeSeeds = [
  {
    sentAt: "2024-01-01T00:00:01Z",
    events: [
      {
        id: "e1",
        visitor: "v1",
        name: "purchase",
        time: 1704067200000,
        properties: { price: 10, cart: { items: [1, 2], coupon: null } },
        visitorProperties: { plan: "pro" },
      },
      { visitor: "v2", name: "signup", time: "2024-01-01T00:00:00Z" },
    ],
  },
];

const SEGMENT_KINDS = ["batch", "track", "identify", "page", "screen", "group", "alias"] as const;
const segmentBatch = fixtureJson(fixtures.segmentBatch) as { batch: unknown[] };
export const segmentSeeds = [
  segmentBatch,
  fixtureJson(fixtures.segmentBatchWriteKeyInBody),
  fixtureJson(fixtures.segmentTrack),
  ...segmentBatch.batch,
];

const posthogSeeds = [
  fixtureJson(fixtures.posthogBatch),
  fixtureJson(fixtures.posthogCapture),
  (fixtureJson(fixtures.posthogBatch) as { batch: unknown[] }).batch,
];

const WOOPRA_ENDPOINTS = ["ce", "identify", "update", "ping"] as const;
const woopraSeeds = [
  fixtures.woopraNodeTrack,
  fixtures.woopraNodeIdentify,
  fixtures.woopraBrowserTrack,
  fixtures.woopraBrowserUpdate,
  fixtures.woopraQuirks,
].map((f) => [...fixtureQuery(f)]);

/** Query strings: seed parameters with hostile names and values, or any text at all. */
const woopraQuery: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 30,
    arbitrary: fc
      .tuple(
        fc.constantFrom(...woopraSeeds),
        fc.array(fc.tuple(hostileString, hostileString), { maxLength: 6 }),
        fc.nat(),
      )
      .map(([seed, extra, cut]) => {
        const q = new URLSearchParams(seed.slice(0, seed.length - (cut % 3)));
        for (const [k, v] of extra) q.append(k, v);
        return q.toString();
      }),
  },
  { weight: 10, arbitrary: hostileString },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom(10_000)
      .map((n) =>
        Array.from({ length: n }, (_, i) => `ce_k${i}=${i}&__proto__=x&cv_constructor=y`).join("&"),
      ),
  },
);

const pushSeedLines = (fixtures.woopraPush.form.payload as string)
  .split("\n")
  .map((l) => JSON.parse(l) as unknown);

const pushPayload: fc.Arbitrary<string> = fc
  .array(
    fc.oneof(
      mutated(pushSeedLines).map(safeJson),
      fc.constantFrom(...pushSeedLines).map(safeJson),
      anyHostile.map(safeJson),
      hostileString,
    ),
    { maxLength: 8 },
  )
  .chain((lines) => fc.constantFrom("\n", "\r\n").map((sep) => lines.join(sep)));

const batchTarget = (
  name: string,
  input: fc.Arbitrary<unknown>,
  run: (input: unknown) => unknown,
  sanity: unknown,
  expected: HostileTarget["expected"] = FormatError,
): HostileTarget => ({
  name,
  input,
  run,
  expected,
  check: checkBatch,
  sanity: { input: sanity, answer: JSON.stringify(run(sanity)) },
});

// -- queries and definitions ---------------------------------------------------------------

/** Depth, leaves and finite scalars of a validated filter (16 levels, 256 conditions). */
function checkFilter(f: Filter, depth = 1, leaves = { n: 0 }): string | null {
  if (depth > 16) return "filter deeper than 16";
  const children = "all" in f ? f.all : "any" in f ? f.any : "not" in f ? [f.not] : null;
  if (children !== null) {
    for (const c of children) {
      const bad = checkFilter(c, depth + 1, leaves);
      if (bad !== null) return bad;
    }
    return null;
  }
  if (++leaves.n > 256) return "more than 256 conditions";
  const leaf = f as Leaf;
  const values = Array.isArray(leaf.value) ? leaf.value : [leaf.value];
  if (values.some((v) => typeof v === "number" && !Number.isFinite(v))) return "non-finite value";
  if (typeof leaf.field !== "string" || leaf.field === "") return "empty field";
  return null;
}

function checkQuery(result: unknown): string | null {
  const q = result as Query;
  if (!["events", "visitors", "rawEvents"].includes(q.from)) return `from ${String(q.from)}`;
  if (!Number.isInteger(q.limit) || q.limit < 1 || q.limit > 10_000) return `limit ${q.limit}`;
  for (const t of [q.time.from, q.time.to])
    if (t !== undefined && !Number.isFinite(t)) return "non-finite time";
  if (q.where !== undefined) {
    const bad = checkFilter(q.where);
    if (bad !== null) return bad;
  }
  if (q.from === "events") {
    if (q.select.length < 1 || q.select.length > 32) return "select size";
    const columns = [...q.groupBy, ...q.select].map((c) => c.column);
    if (new Set(columns).size !== columns.length) return "duplicate columns";
    if (q.groupBy.length > 4) return "groupBy size";
  }
  return null;
}

export const querySeeds = [
  {
    from: "events",
    select: [
      { fn: "count" },
      { fn: "sum", field: "price" },
      { fn: "countDistinct", field: "visitor" },
      { fn: "percentile", field: "price", p: 0.9, as: "p90" },
    ],
    where: {
      all: [
        { field: "name", op: "eq", value: "purchase" },
        { field: "country", op: "in", value: ["US", "CA"] },
        { not: { field: "visitor.plan", op: "exists", value: true } },
        { any: [{ field: "time", op: "gte", value: "2026-01-01" }] },
      ],
    },
    groupBy: ["country", { time: "day", tz: "Europe/Berlin" }],
    time: { from: "2026-01-01T00:00:00Z", to: 1767830400000 },
    orderBy: [{ column: "sum_price", desc: true }],
    limit: 100,
  },
  { from: "visitors", where: { field: "visitor.plan", op: "eq", value: "pro" }, limit: 10 },
  { from: "rawEvents", time: { from: 0 }, limit: 5, cursor: "eyJ0IjoxLCJpIjoiYSJ9" },
];

function measure(c: Constraint): { nodes: number; depth: number } {
  const children =
    "all" in c
      ? c.all
      : "any" in c
        ? c.any
        : "not" in c
          ? [c.not]
          : "segment" in c
            ? [c.definition]
            : [];
  let nodes = 1;
  let depth = 0;
  for (const child of children) {
    const m = measure(child);
    nodes += m.nodes;
    depth = Math.max(depth, m.depth);
  }
  return { nodes, depth: depth + 1 };
}

function checkConstraint(c: Constraint): string | null {
  const { nodes, depth } = measure(c);
  if (nodes > 64 || depth > 8) return `constraint of ${nodes} nodes, ${depth} levels`;
  return null;
}

function checkTrigger(result: unknown): string | null {
  const t = result as TriggerSpec;
  if (!isText(t.name) || t.name.length > 128) return "name";
  if (!isText(t.when.event) || t.when.event.startsWith("$")) return "when.event";
  if (t.actions.length < 1 || t.actions.length > 10) return "actions size";
  for (const a of t.actions) {
    if (a.type === "webhook") {
      const url = new URL(a.url);
      if (url.protocol !== "https:" && !["127.0.0.1", "localhost", "[::1]"].includes(url.hostname))
        return `webhook to ${a.url}`;
      if (!isText(a.secret)) return "webhook secret";
    } else if (a.type === "tag") {
      if (Object.getPrototypeOf(a.set) !== Object.prototype) return "tag set with a prototype";
    } else if (a.type !== "inPage") return `action type ${String((a as { type: unknown }).type)}`;
  }
  return checkConstraint(t.segment);
}

const segments = new Map([
  [
    "frequent flyers",
    parseSegmentDefinition(
      { name: "frequent flyers", definition: { did: "flight", atLeast: 3, within: "90d" } },
      new Map(),
    ),
  ],
]);

const triggerSeeds = [
  {
    name: "repeat deal searcher",
    when: { event: "search", where: { field: "deal", op: "startsWith", value: "SFO" } },
    segment: {
      all: [
        { did: "search", inARow: 4, sameValue: "deal" },
        { not: { visitor: "booked", op: "eq", value: true } },
        { segment: "frequent flyers" },
        {
          any: [
            { did: "purchase", atLeast: 1, within: "30d" },
            { did: "x", exactly: 2 },
          ],
        },
      ],
    },
    frequency: { oncePer: "visit", gap: "30m" },
    actions: [
      { type: "inPage", payload: { banner: "Save 20% if you book today!" } },
      { type: "webhook", url: "https://hooks.example.com/promo", secret: "s3cr3t" },
      { type: "tag", set: { promo_sent: true } },
    ],
  },
  {
    name: "welcome back",
    when: { event: "pageview" },
    segment: { did: "purchase", atMost: 1 },
    frequency: { atMostEvery: "1d" },
    actions: [{ type: "tag", set: { back: 1 } }],
  },
];

const segmentDefinitionSeeds = [
  {
    name: "big spenders",
    definition: {
      all: [
        { did: "purchase", where: { field: "price", op: "gte", value: 500 }, atLeast: 2 },
        { segment: "frequent flyers" },
      ],
    },
  },
];

/** Every parser of untrusted input, one target each (Segment and Woopra over all their kinds). */
export function hostileTargets(): HostileTarget[] {
  return [
    batchTarget("parseNative", bodies(nativeSeeds), parseNative, nativeSeeds[0]),
    batchTarget(
      "parseSegment (wire format)",
      fc.tuple(fc.constantFrom(...SEGMENT_KINDS), bodies(segmentSeeds)),
      (x) => {
        const [kind, body] = x as [(typeof SEGMENT_KINDS)[number], unknown];
        return parseSegmentBody(kind, body);
      },
      ["batch", segmentBatch],
    ),
    batchTarget("parsePostHog", bodies(posthogSeeds), parsePostHog, posthogSeeds[0]),
    batchTarget(
      "parseWoopra",
      fc.tuple(fc.constantFrom(...WOOPRA_ENDPOINTS), woopraQuery),
      (x) => {
        const [endpoint, query] = x as [WoopraEndpoint, string];
        return parseWoopra(endpoint, new URLSearchParams(query));
      },
      ["ce", new URLSearchParams(woopraSeeds[0]).toString()],
      null, // a query string is always readable: bad parameters become failures, never a throw
    ),
    batchTarget(
      "parseWoopraPush",
      pushPayload,
      (x) => parseWoopraPush(x as string),
      fixtures.woopraPush.form.payload,
      null, // bad lines become failures in place; the payload itself is never refused
    ),
    {
      name: "parseQuery",
      input: bodies(querySeeds),
      run: parseQuery,
      expected: QueryError,
      check: checkQuery,
      sanity: { input: querySeeds[0], answer: JSON.stringify(parseQuery(querySeeds[0])) },
    },
    {
      name: "parseTrigger",
      input: bodies(triggerSeeds),
      run: (x) => parseTrigger(x, segments),
      expected: DefinitionError,
      check: checkTrigger,
      sanity: {
        input: triggerSeeds[0],
        answer: JSON.stringify(parseTrigger(triggerSeeds[0], segments)),
      },
    },
    {
      name: "parseSegment (definition)",
      input: bodies(segmentDefinitionSeeds),
      run: (x) => parseSegmentDefinition(x, segments),
      expected: DefinitionError,
      check: (r) =>
        checkConstraint((r as { definition: Constraint }).definition) ??
        (isText((r as { name: unknown }).name) ? null : "name"),
      sanity: {
        input: segmentDefinitionSeeds[0],
        answer: JSON.stringify(parseSegmentDefinition(segmentDefinitionSeeds[0], segments)),
      },
    },
  ];
}
