/**
 * The query correctness suite's data and questions: a deterministic data set (20,000 generated
 * events over 2026-01-01..2026-01-08 plus hand-made ones for nulls, booleans, arrays, dotted
 * keys, unicode, visitor properties and daylight-saving nights), the named queries every engine
 * path must answer like the reference (`query-reference.ts`), and invalid queries with the JSON
 * Pointer of their 400 answer. Shared by the Node and the workerd suites.
 *
 * @example
 * const events = queryDataSet();
 * for (const c of queryCases(events)) evaluateQuery(c.query, events);
 */
import { generateEvents } from "../../bench/gen/events.ts";
import type { FlamEvent } from "../../src/flam/index.ts";

/** Generated events in the data set; hand-made ones follow them. */
export const GENERATED = 20_000;
const SEED = 7;

const T0 = "2026-01-01T00:00:00Z";
const T1 = "2026-01-08T00:00:00Z";
const at = (iso: string): number => Date.parse(iso);

/** One named query; `pages` > 1 also compares the pages its `next` cursors lead to. */
export interface QueryCase {
  name: string;
  query: Record<string, unknown>;
  pages?: number;
  /** Reads `receivedAt`, which the edge sets at ingest: not comparable over HTTP. */
  usesReceivedAt?: boolean;
}

/** A query the engine must refuse with 400 `invalid_query` naming `path`. */
export interface InvalidCase {
  name: string;
  query: unknown;
  path: string;
}

function hand(
  id: string,
  visitor: string,
  name: string,
  iso: string,
  properties: FlamEvent["properties"],
  visitorProperties: FlamEvent["visitorProperties"] = {},
): FlamEvent {
  const time = at(iso);
  return { id, visitor, name, time, receivedAt: time + 250, properties, visitorProperties };
}

/** Instants either side of the 2026 daylight-saving changes of New York, Berlin and London. */
const DST_PROBES = [
  "2026-03-08T04:59:00Z", // New York: Mar 7 23:59 EST
  "2026-03-08T06:30:00Z", // New York: 01:30 EST, before the spring-forward gap
  "2026-03-08T07:30:00Z", // New York: 03:30 EDT, after it
  "2026-03-28T23:30:00Z", // Berlin: Mar 29 00:30 CET
  "2026-03-29T00:30:00Z", // Berlin: 01:30 CET; London: 00:30 GMT
  "2026-03-29T01:30:00Z", // Berlin: 03:30 CEST; London: 02:30 BST
  "2026-03-30T00:00:00Z", // a Monday
  "2026-03-31T22:30:00Z", // Berlin: Apr 1 00:30 CEST (April)
  "2026-10-25T00:30:00Z", // Berlin: 02:30 CEST, first pass of the repeated hour
  "2026-10-25T01:30:00Z", // Berlin: 02:30 CET, second pass
  "2026-10-25T22:59:00Z", // Berlin: 23:59 CET of the 25-hour day
  "2026-11-01T05:30:00Z", // New York: 01:30 EDT, first pass
  "2026-11-01T06:30:00Z", // New York: 01:30 EST, second pass
  "2026-11-02T04:30:00Z", // New York: Nov 1 23:30 EST of the 25-hour day
];

/** Hand-made events: the corners the generator never produces. */
function handEvents(): FlamEvent[] {
  const events = [
    hand(
      "hand-01",
      "h_ana",
      "purchase",
      "2026-01-03T10:00:00Z",
      {
        country: "US",
        price: 42,
        "cart.total": 99.5,
        "cart.items": 3,
        tags: ["sale", "new"],
        coupon: null,
        note: "café ☕",
      },
      { plan: "pro", vip: true },
    ),
    // Same time as hand-01: rawEvents orders the two by id, descending.
    hand("hand-02", "h_ana", "purchase", "2026-01-03T10:00:00Z", {
      country: "US",
      price: "42",
      tags: ["new"],
      flag: true,
    }),
    hand(
      "hand-03",
      "h_ben",
      "signup",
      "2026-01-05T08:15:00Z",
      { label: "😀 smile", amount: 1, flag: false, codes: [1, 2, 3], "deep.a.b.c": "x" },
      { plan: "free", tier: 2 },
    ),
    hand(
      "hand-04",
      "h_ben",
      "signup",
      "2026-01-05T08:16:00Z",
      { label: "ｚ fullwidth", amount: "1", flag: "true", nothing: null, "deep.a.b.c": "y" },
      { plan: null },
    ),
    hand("hand-05", "h_cy", "pageview", "2026-01-06T23:59:59.999Z", {
      label: "é accent",
      amount: 2.5,
      mixed: [true, null, "a"],
      "cart.total": 0.5,
    }),
  ];
  DST_PROBES.forEach((iso, i) =>
    events.push(
      hand(`hand-dst-${String(i).padStart(2, "0")}`, "h_dst", "dst_probe", iso, { probe: i }),
    ),
  );
  return events;
}

/**
 * The events of the suite, in log order: 20,000 generated ones, then the hand-made ones.
 *
 * @example
 * queryDataSet().length; // 20,019
 */
export function queryDataSet(): FlamEvent[] {
  return [...generateEvents(GENERATED, SEED), ...handEvents()];
}

/** The visitor with the most events (ties: the smallest id), for the timeline query. */
function busiestVisitor(events: readonly FlamEvent[]): string {
  const counts = new Map<string, number>();
  for (const e of events) counts.set(e.visitor, (counts.get(e.visitor) ?? 0) + 1);
  let best = "";
  let most = 0;
  for (const [v, n] of counts) if (n > most || (n === most && v < best)) [best, most] = [v, n];
  return best;
}

const count = { fn: "count" };
const purchase = { field: "name", op: "eq", value: "purchase" };
const week = { from: T0, to: T1 };
const dst = { field: "name", op: "eq", value: "dst_probe" };

/** The named queries; every one must answer exactly what the reference answers. */
export function queryCases(events: readonly FlamEvent[]): QueryCase[] {
  const busiest = busiestVisitor(events);
  const timeBy = (unit: string, tz?: string) => ({ time: unit, ...(tz ? { tz } : {}) });
  const cases: QueryCase[] = [
    {
      name: "the example of docs/query.md",
      query: {
        from: "events",
        select: [
          { fn: "count" },
          { fn: "sum", field: "price" },
          { fn: "countDistinct", field: "visitor" },
          { fn: "percentile", field: "price", p: 0.9 },
        ],
        where: {
          all: [purchase, { field: "country", op: "in", value: ["US", "CA"] }],
        },
        groupBy: ["country", { time: "day", tz: "UTC" }],
        time: week,
        orderBy: [{ column: "sum_price", desc: true }],
        limit: 100,
      },
    },
    { name: "count of every event", query: { from: "events", select: [count] } },
    {
      name: "no match: one row, count 0, countDistinct 0, other aggregates null",
      query: {
        from: "events",
        select: [
          count,
          { fn: "sum", field: "price" },
          { fn: "avg", field: "price" },
          { fn: "min", field: "price" },
          { fn: "max", field: "price" },
          { fn: "countDistinct", field: "visitor" },
          { fn: "percentile", field: "price", p: 0.5 },
        ],
        where: { field: "name", op: "eq", value: "no_such_event" },
      },
    },
    {
      name: "eq on a string, grouped by country",
      query: {
        from: "events",
        select: [count],
        where: { field: "name", op: "eq", value: "search" },
        groupBy: ["country"],
      },
    },
    {
      name: "eq on a number",
      query: {
        from: "events",
        select: [count],
        where: { field: "quantity", op: "eq", value: 2 },
        groupBy: ["name"],
      },
    },
    {
      name: "eq on a boolean",
      query: {
        from: "events",
        select: [count, { fn: "countDistinct", field: "visitor" }],
        where: { field: "is_mobile", op: "eq", value: true },
      },
    },
    {
      name: "eq null matches a present null only",
      query: {
        from: "events",
        select: [count],
        where: { field: "coupon", op: "eq", value: null },
        groupBy: ["name"],
      },
    },
    {
      name: "ne counts absent fields",
      query: {
        from: "events",
        select: [count],
        where: { field: "country", op: "ne", value: "US" },
        groupBy: ["device"],
      },
    },
    {
      name: "ne null: absent and non-null values",
      query: {
        from: "events",
        select: [count],
        where: { field: "coupon", op: "ne", value: null },
        groupBy: ["coupon"],
      },
    },
    {
      name: "in over strings",
      query: {
        from: "events",
        select: [count, { fn: "sum", field: "price" }],
        where: { field: "country", op: "in", value: ["US", "CA", "GB", "ZZ"] },
        groupBy: ["country"],
      },
    },
    {
      name: "in with null and strings",
      query: {
        from: "events",
        select: [count],
        where: { field: "coupon", op: "in", value: [null, "VIP20"] },
        groupBy: ["coupon"],
      },
    },
    {
      name: "nin counts absent fields",
      query: {
        from: "events",
        select: [count],
        where: { field: "referrer", op: "nin", value: [null, "https://www.google.com/"] },
        groupBy: ["referrer"],
      },
    },
    {
      name: "gte and lt on a number",
      query: {
        from: "events",
        select: [count, { fn: "sum", field: "price" }, { fn: "avg", field: "price" }],
        where: {
          all: [
            { field: "price", op: "gte", value: 20 },
            { field: "price", op: "lt", value: 200 },
          ],
        },
        groupBy: ["category"],
      },
    },
    {
      name: "lte and gt on numbers",
      query: {
        from: "events",
        select: [count, { fn: "max", field: "load_time_ms" }],
        where: {
          all: [
            { field: "scroll_depth", op: "lte", value: 50 },
            { field: "load_time_ms", op: "gt", value: 1000 },
          ],
        },
        groupBy: ["name"],
      },
    },
    {
      name: "string comparisons by code unit",
      query: {
        from: "events",
        select: [count],
        where: {
          all: [
            { field: "url", op: "gte", value: "https://shop.example.com/p" },
            { field: "url", op: "lt", value: "https://shop.example.com/s" },
          ],
        },
        groupBy: ["url"],
      },
    },
    {
      name: "unicode strings compare by UTF-16 code units",
      query: {
        from: "events",
        select: [count],
        where: {
          any: [
            { field: "label", op: "gt", value: "é" },
            { field: "note", op: "lt", value: "d" },
          ],
        },
        groupBy: ["label", "note"],
      },
    },
    {
      name: "types never convert: '42' is not 42, true is not 1",
      query: {
        from: "events",
        select: [count],
        where: {
          any: [
            { field: "price", op: "eq", value: "42" },
            { field: "flag", op: "eq", value: 1 },
            { field: "amount", op: "eq", value: true },
            { field: "price", op: "gt", value: "1" },
          ],
        },
        groupBy: ["visitor"],
      },
    },
    {
      name: "contains on strings",
      query: {
        from: "events",
        select: [count],
        where: { field: "url", op: "contains", value: "search" },
        groupBy: ["name"],
      },
    },
    {
      name: "contains on arrays finds equal elements",
      query: {
        from: "rawEvents",
        where: {
          any: [
            { field: "tags", op: "contains", value: "new" },
            { field: "codes", op: "contains", value: 2 },
            { field: "mixed", op: "contains", value: true },
            { field: "codes", op: "contains", value: "2" },
          ],
        },
      },
    },
    {
      name: "arrays compare and group as their JSON text",
      query: {
        from: "events",
        select: [count],
        where: {
          any: [
            { field: "tags", op: "eq", value: '["sale","new"]' },
            { field: "codes", op: "startsWith", value: "[1," },
            { field: "mixed", op: "exists", value: true },
          ],
        },
        groupBy: ["tags", "codes"],
      },
    },
    {
      name: "startsWith",
      query: {
        from: "events",
        select: [count, { fn: "countDistinct", field: "session_id" }],
        where: { field: "session_id", op: "startsWith", value: "s_a" },
        groupBy: ["device"],
      },
    },
    {
      name: "exists false counts absent and null",
      query: {
        from: "events",
        select: [count],
        where: { field: "referrer", op: "exists", value: false },
        groupBy: ["name"],
        orderBy: [{ column: "count", desc: true }],
        limit: 10,
      },
    },
    {
      name: "nested all, any and not",
      query: {
        from: "events",
        select: [count, { fn: "sum", field: "price" }],
        where: {
          all: [
            { field: "name", op: "in", value: ["product_view", "purchase", "add_to_cart"] },
            {
              not: {
                any: [
                  { field: "country", op: "eq", value: "US" },
                  {
                    all: [
                      { field: "device", op: "eq", value: "mobile" },
                      { not: { field: "browser", op: "eq", value: "Chrome" } },
                    ],
                  },
                ],
              },
            },
          ],
        },
        groupBy: ["device", "browser"],
      },
    },
    {
      name: "not of an eq matches absent fields",
      query: {
        from: "events",
        select: [count],
        where: { not: { field: "city", op: "eq", value: "London" } },
      },
    },
    {
      name: "every aggregate over one field",
      query: {
        from: "events",
        select: [
          count,
          { fn: "count", field: "price" },
          { fn: "sum", field: "price" },
          { fn: "avg", field: "price" },
          { fn: "min", field: "price" },
          { fn: "max", field: "price" },
          { fn: "countDistinct", field: "price" },
          { fn: "percentile", field: "price", p: 0 },
          { fn: "percentile", field: "price", p: 0.5 },
          { fn: "percentile", field: "price", p: 0.995 },
          { fn: "percentile", field: "price", p: 1 },
        ],
      },
    },
    {
      name: "aggregates renamed with as, ordered by a renamed column",
      query: {
        from: "events",
        select: [
          { fn: "count", as: "events" },
          { fn: "sum", field: "price", as: "revenue" },
          { fn: "percentile", field: "price", p: 0.25, as: "q1" },
          { fn: "countDistinct", field: "visitor", as: "people" },
        ],
        where: { field: "price", op: "exists", value: true },
        groupBy: ["name"],
        orderBy: [{ column: "revenue", desc: true }],
      },
    },
    {
      name: "count with a field counts present non-null values",
      query: {
        from: "events",
        select: [count, { fn: "count", field: "coupon" }, { fn: "count", field: "referrer" }],
        groupBy: ["name"],
        orderBy: [{ column: "count_referrer" }],
        limit: 12,
      },
    },
    {
      name: "countDistinct is typed",
      query: {
        from: "events",
        select: [
          { fn: "countDistinct", field: "amount" },
          { fn: "countDistinct", field: "flag" },
          { fn: "countDistinct", field: "label" },
        ],
        where: { field: "visitor", op: "in", value: ["h_ana", "h_ben", "h_cy"] },
      },
    },
    {
      name: "distinct visitors by country",
      query: {
        from: "events",
        select: [{ fn: "countDistinct", field: "visitor" }],
        groupBy: ["country"],
      },
    },
    {
      name: "p90 price by country",
      query: {
        from: "events",
        select: [
          { fn: "percentile", field: "price", p: 0.9 },
          { fn: "min", field: "price" },
        ],
        groupBy: ["country"],
      },
    },
    {
      name: "numeric aggregates skip other types",
      query: {
        from: "events",
        select: [
          count,
          { fn: "count", field: "price" },
          { fn: "sum", field: "price" },
          { fn: "avg", field: "amount" },
          { fn: "max", field: "amount" },
          { fn: "percentile", field: "amount", p: 0.5 },
        ],
        where: { field: "visitor", op: "in", value: ["h_ana", "h_ben", "h_cy"] },
        groupBy: ["visitor"],
      },
    },
    {
      name: "sum of purchase price by country (bench Q1)",
      query: {
        from: "events",
        select: [{ fn: "sum", field: "price" }],
        where: purchase,
        groupBy: ["country"],
      },
    },
    {
      name: "group by two fields",
      query: {
        from: "events",
        select: [count, { fn: "avg", field: "duration_ms" }],
        groupBy: ["device", "browser"],
      },
    },
    {
      name: "group by three items",
      query: {
        from: "events",
        select: [count],
        where: { field: "name", op: "in", value: ["purchase", "signup", "login"] },
        groupBy: ["name", "is_mobile", timeBy("day")],
      },
    },
    {
      name: "group by four items",
      query: {
        from: "events",
        select: [count],
        where: purchase,
        groupBy: ["device", "logged_in", "currency", timeBy("week")],
      },
    },
    {
      name: "groups of mixed types sort null, booleans, numbers, strings",
      query: {
        from: "events",
        select: [count],
        where: {
          any: [
            { field: "visitor", op: "in", value: ["h_ana", "h_ben", "h_cy"] },
            { field: "coupon", op: "exists", value: true },
          ],
        },
        groupBy: ["flag", "amount", "coupon"],
      },
    },
    {
      name: "dotted property names are one field",
      query: {
        from: "events",
        select: [count, { fn: "sum", field: "cart.total" }, { fn: "max", field: "cart.items" }],
        groupBy: ["deep.a.b.c"],
      },
    },
    {
      name: "minute buckets in UTC",
      query: {
        from: "events",
        select: [count],
        groupBy: [timeBy("minute")],
        time: { from: "2026-01-03T10:00:00Z", to: "2026-01-03T10:30:00Z" },
      },
    },
    {
      name: "minute buckets in Asia/Kolkata (+05:30)",
      query: {
        from: "events",
        select: [count],
        groupBy: [timeBy("minute", "Asia/Kolkata")],
        time: { from: "2026-01-04T18:20:00Z", to: "2026-01-04T18:50:00Z" },
      },
    },
    {
      name: "hour buckets in UTC",
      query: {
        from: "events",
        select: [count, { fn: "sum", field: "price" }],
        groupBy: [timeBy("hour", "UTC")],
        time: { from: "2026-01-02T00:00:00Z", to: "2026-01-03T00:00:00Z" },
      },
    },
    {
      name: "hour buckets in Asia/Kolkata",
      query: {
        from: "events",
        select: [count],
        where: purchase,
        groupBy: [timeBy("hour", "Asia/Kolkata")],
      },
    },
    {
      name: "day buckets in UTC by default",
      query: {
        from: "events",
        select: [count, { fn: "countDistinct", field: "visitor" }],
        groupBy: [timeBy("day")],
        time: week,
      },
    },
    {
      name: "day buckets in America/New_York",
      query: { from: "events", select: [count], groupBy: [timeBy("day", "America/New_York")] },
    },
    {
      name: "week buckets in UTC start on Monday",
      query: { from: "events", select: [count], groupBy: [timeBy("week")] },
    },
    {
      name: "week buckets in Asia/Kolkata",
      query: { from: "events", select: [count], groupBy: [timeBy("week", "Asia/Kolkata")] },
    },
    {
      name: "month buckets in America/New_York",
      query: {
        from: "events",
        select: [count],
        groupBy: [timeBy("month", "America/New_York"), "name"],
        where: { any: [dst, { field: "time", op: "lt", value: "2026-01-01T06:00:00Z" }] },
      },
    },
    {
      name: "month buckets in UTC",
      query: {
        from: "events",
        select: [count, { fn: "countDistinct", field: "visitor" }],
        groupBy: [timeBy("month")],
      },
    },
    {
      name: "hour buckets across New York's daylight-saving changes",
      query: {
        from: "events",
        select: [count, { fn: "min", field: "probe" }],
        where: dst,
        groupBy: [timeBy("hour", "America/New_York")],
      },
    },
    {
      name: "day buckets across New York's daylight-saving changes",
      query: {
        from: "events",
        select: [count, { fn: "min", field: "probe" }, { fn: "max", field: "probe" }],
        where: dst,
        groupBy: [timeBy("day", "America/New_York")],
      },
    },
    {
      name: "hour buckets across Berlin's daylight-saving changes, in time order",
      query: {
        from: "events",
        select: [count, { fn: "min", field: "probe" }],
        where: dst,
        groupBy: [timeBy("hour", "Europe/Berlin")],
      },
    },
    {
      name: "day, week and month buckets in Europe/Berlin",
      query: {
        from: "events",
        select: [count],
        where: dst,
        groupBy: [timeBy("month", "Europe/Berlin"), timeBy("week", "Europe/Berlin"), "probe"],
      },
    },
    {
      name: "minute buckets in Europe/Berlin on the spring-forward night",
      query: {
        from: "events",
        select: [count],
        where: dst,
        groupBy: [timeBy("minute", "Europe/Berlin")],
        time: { from: "2026-03-28T00:00:00Z", to: "2026-03-30T00:00:00Z" },
      },
    },
    {
      name: "day buckets in Europe/London write a zero offset as Z",
      query: {
        from: "events",
        select: [count],
        where: dst,
        groupBy: [timeBy("day", "Europe/London"), timeBy("hour", "Europe/London")],
        time: { from: "2026-03-28T00:00:00Z", to: "2026-03-30T00:00:00Z" },
      },
    },
    {
      name: "time range in ISO 8601 with offsets",
      query: {
        from: "events",
        select: [count, { fn: "min", field: "time" }, { fn: "max", field: "time" }],
        time: { from: "2026-01-03T00:00:00+05:30", to: "2026-01-04T12:00:00-08:00" },
      },
    },
    {
      name: "time range in epoch ms",
      query: {
        from: "events",
        select: [count, { fn: "sum", field: "price" }],
        groupBy: ["name"],
        time: { from: at("2026-01-02T12:00:00Z"), to: at("2026-01-02T18:00:00Z") },
      },
    },
    {
      name: "time range with only from",
      query: {
        from: "events",
        select: [count],
        where: { not: dst },
        time: { from: at("2026-01-07T23:00:00Z") },
        groupBy: [timeBy("hour")],
      },
    },
    {
      name: "time range with only to",
      query: { from: "events", select: [count], time: { to: "2026-01-01T01:00:00Z" } },
    },
    {
      name: "filters on time with ISO text and epoch ms",
      query: {
        from: "events",
        select: [count],
        where: {
          all: [
            { field: "time", op: "gte", value: "2026-01-05T00:00:00Z" },
            { field: "time", op: "lt", value: at("2026-01-05T06:00:00Z") },
          ],
        },
        groupBy: ["name"],
      },
    },
    {
      name: "receivedAt filters and aggregates",
      usesReceivedAt: true,
      query: {
        from: "events",
        select: [count, { fn: "max", field: "receivedAt" }],
        where: { field: "receivedAt", op: "gt", value: "2026-01-06T00:00:00Z" },
        groupBy: ["device"],
      },
    },
    {
      name: "min and max of time",
      query: {
        from: "events",
        select: [
          { fn: "min", field: "time" },
          { fn: "max", field: "time" },
        ],
        groupBy: ["device"],
      },
    },
    {
      name: "orderBy count ascending with a limit",
      query: {
        from: "events",
        select: [count],
        groupBy: ["name"],
        orderBy: [{ column: "count" }],
        limit: 5,
      },
    },
    {
      name: "orderBy a group column descending, then an aggregate",
      query: {
        from: "events",
        select: [count, { fn: "sum", field: "price" }],
        groupBy: ["device", "name"],
        orderBy: [
          { column: "device", desc: true },
          { column: "count", desc: true },
        ],
        limit: 20,
      },
    },
    {
      name: "orderBy a nullable aggregate descending",
      query: {
        from: "events",
        select: [{ fn: "max", field: "price" }],
        groupBy: ["name"],
        orderBy: [{ column: "max_price", desc: true }],
      },
    },
    {
      name: "a limit without orderBy keeps the group order",
      query: { from: "events", select: [count], groupBy: ["country"], limit: 3 },
    },
    {
      name: "group by visitor, top 10",
      query: {
        from: "events",
        select: [count],
        groupBy: ["visitor"],
        orderBy: [{ column: "count", desc: true }],
        limit: 10,
      },
    },
    {
      name: "visitor.<prop> in where",
      query: {
        from: "events",
        select: [count, { fn: "countDistinct", field: "visitor" }],
        where: { field: "visitor.plan", op: "eq", value: "pro" },
        groupBy: ["name"],
        orderBy: [{ column: "count", desc: true }],
        limit: 8,
      },
    },
    {
      name: "visitor.<prop> in groupBy, null for absent",
      query: {
        from: "events",
        select: [count, { fn: "countDistinct", field: "visitor" }],
        groupBy: ["visitor.plan", "visitor.company"],
        orderBy: [{ column: "count", desc: true }],
        limit: 25,
      },
    },
    {
      name: "visitor.<prop> is the current profile, not the event's",
      query: {
        from: "events",
        select: [count],
        where: { field: "visitor.plan", op: "eq", value: null },
        groupBy: ["visitor", "visitor.tier"],
      },
    },
    {
      name: "visitors who purchased, two pages",
      pages: 2,
      query: { from: "visitors", where: purchase, limit: 50 },
    },
    {
      name: "visitors by profile property in a time range",
      pages: 2,
      query: {
        from: "visitors",
        where: { field: "visitor.plan", op: "in", value: ["team", "enterprise"] },
        time: { from: "2026-01-02T00:00:00Z", to: "2026-01-03T00:00:00Z" },
        limit: 40,
      },
    },
    {
      name: "visitors: the last page has no next",
      pages: 2,
      query: { from: "visitors", where: { field: "name", op: "eq", value: "signup" }, limit: 4 },
    },
    {
      name: "raw purchases in a time range, two pages",
      pages: 2,
      usesReceivedAt: true,
      query: { from: "rawEvents", where: purchase, time: week, limit: 30 },
    },
    {
      name: "raw events newest first by time, then id descending",
      usesReceivedAt: true,
      query: {
        from: "rawEvents",
        where: { field: "visitor", op: "in", value: ["h_ana", "h_ben", "h_cy"] },
      },
    },
    {
      name: "one visitor's timeline, two pages",
      pages: 2,
      usesReceivedAt: true,
      query: {
        from: "rawEvents",
        where: { field: "visitor", op: "eq", value: busiest },
        limit: 10,
      },
    },
  ];
  return cases;
}

const repeat = <T>(n: number, f: (i: number) => T): T[] =>
  Array.from({ length: n }, (_, i) => f(i));

/** Invalid queries and the JSON Pointer each 400 answer must name. */
export const INVALID_CASES: readonly InvalidCase[] = [
  { name: "not an object", query: [], path: "" },
  { name: "from missing", query: { select: [count] }, path: "/from" },
  { name: "unknown from", query: { from: "people", select: [count] }, path: "/from" },
  {
    name: "misspelt top-level key",
    query: { from: "events", select: [count], wher: {} },
    path: "/wher",
  },
  { name: "events without select", query: { from: "events" }, path: "/select" },
  { name: "empty select", query: { from: "events", select: [] }, path: "/select" },
  {
    name: "33 aggregates",
    query: { from: "events", select: repeat(33, (i) => ({ fn: "count", as: `c${i}` })) },
    path: "/select",
  },
  {
    name: "unknown aggregate",
    query: { from: "events", select: [count, { fn: "median", field: "price" }] },
    path: "/select/1/fn",
  },
  {
    name: "sum without field",
    query: { from: "events", select: [{ fn: "sum" }] },
    path: "/select/0/field",
  },
  {
    name: "percentile with p above 1",
    query: { from: "events", select: [{ fn: "percentile", field: "price", p: 1.5 }] },
    path: "/select/0/p",
  },
  {
    name: "percentile without p",
    query: { from: "events", select: [{ fn: "percentile", field: "price" }] },
    path: "/select/0/p",
  },
  {
    name: "duplicate column names",
    query: {
      from: "events",
      select: [
        { fn: "count", as: "n" },
        { fn: "sum", field: "price", as: "n" },
      ],
    },
    path: "/select/1/as",
  },
  {
    name: "unknown operator inside all",
    query: {
      from: "events",
      select: [count],
      where: { all: [purchase, { field: "price", op: "between", value: 1 }] },
    },
    path: "/where/all/1/op",
  },
  {
    name: "empty in list",
    query: { from: "events", select: [count], where: { field: "country", op: "in", value: [] } },
    path: "/where/value",
  },
  {
    name: "in list of 1,001 values",
    query: {
      from: "events",
      select: [count],
      where: { field: "country", op: "in", value: repeat(1001, (i) => `c${i}`) },
    },
    path: "/where/value",
  },
  {
    name: "lt with a boolean",
    query: { from: "events", select: [count], where: { field: "price", op: "lt", value: true } },
    path: "/where/value",
  },
  {
    name: "exists with a string",
    query: {
      from: "events",
      select: [count],
      where: { field: "price", op: "exists", value: "yes" },
    },
    path: "/where/value",
  },
  {
    name: "startsWith with a number",
    query: {
      from: "events",
      select: [count],
      where: { any: [purchase, { not: { field: "url", op: "startsWith", value: 5 } }] },
    },
    path: "/where/any/1/not/value",
  },
  {
    name: "eq with an object",
    query: {
      from: "events",
      select: [count],
      where: { field: "price", op: "eq", value: { a: 1 } },
    },
    path: "/where/value",
  },
  {
    name: "an unknown key in a leaf",
    query: {
      from: "events",
      select: [count],
      where: { field: "price", op: "eq", value: 1, negate: true },
    },
    path: "/where/negate",
  },
  {
    name: "time filter with text that is not ISO 8601",
    query: {
      from: "events",
      select: [count],
      where: { field: "time", op: "gte", value: "yesterday" },
    },
    path: "/where/value",
  },
  {
    name: "five group items",
    query: { from: "events", select: [count], groupBy: ["a", "b", "c", "d", "e"] },
    path: "/groupBy",
  },
  {
    name: "two time groups of one unit share a column name",
    query: {
      from: "events",
      select: [count],
      groupBy: [{ time: "day" }, { time: "day", tz: "Asia/Kolkata" }],
    },
    path: "/groupBy/1",
  },
  {
    name: "unknown time unit",
    query: { from: "events", select: [count], groupBy: ["name", { time: "year" }] },
    path: "/groupBy/1/time",
  },
  {
    name: "unknown time zone",
    query: { from: "events", select: [count], groupBy: [{ time: "day", tz: "Mars/Olympus" }] },
    path: "/groupBy/0/tz",
  },
  {
    name: "time range bound that is not a time",
    query: { from: "events", select: [count], time: { from: "2026-01-01T00:00:00Z", to: "soon" } },
    path: "/time/to",
  },
  {
    name: "orderBy names no column",
    query: {
      from: "events",
      select: [count],
      groupBy: ["name"],
      orderBy: [{ column: "sum_price" }],
    },
    path: "/orderBy/0/column",
  },
  {
    name: "orderBy desc not a boolean",
    query: { from: "events", select: [count], orderBy: [{ column: "count", desc: "yes" }] },
    path: "/orderBy/0/desc",
  },
  {
    name: "limit over 10,000",
    query: { from: "events", select: [count], limit: 10_001 },
    path: "/limit",
  },
  {
    name: "limit not an integer",
    query: { from: "events", select: [count], limit: 2.5 },
    path: "/limit",
  },
  { name: "rawEvents limit over 1,000", query: { from: "rawEvents", limit: 1001 }, path: "/limit" },
  {
    name: "cursor on an events query",
    query: { from: "events", select: [count], cursor: "djE" },
    path: "/cursor",
  },
];
