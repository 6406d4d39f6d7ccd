/**
 * Requests exactly as the SDKs of /work/shared/wire-formats.md send them, for the parsers' unit
 * tests and for the edge's HTTP tests in workerd (build a `Request` from `method`, `path`,
 * `headers` and `body` or `form`). Bodies are the JSON text before any compression: PostHog's
 * SDK gzips them (`Content-Encoding: gzip`), so an HTTP test gzips `body` when that header is set.
 */

/** One request an SDK sends. */
export interface WireRequest {
  /** Who sends it and why, for test names. */
  readonly sdk: string;
  readonly method: "GET" | "POST";
  /** Path and query string, relative to the host. */
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  /** JSON text as sent (before gzip). */
  readonly body?: string;
  /** Multipart form fields (Woopra beacons). */
  readonly form?: Readonly<Record<string, string>>;
}

const T0 = "2024-01-01T00:00:00.000Z"; // 1704067200000
const SEGMENT_LIBRARY = { name: "@segment/analytics-node", version: "3.1.0" };
const json = { "Content-Type": "application/json" };

/** The Woopra beacon lines of {@link woopraPush}: an unsent pageview, its update, an identify, a ping. */
const pushLines = [
  {
    endpoint: "ce",
    params: {
      project: "example.com",
      cookie: "ck-9",
      event: "pv",
      idptnc: "act-2",
      duration: 1500,
      ce_url: "https://example.com/pricing",
      ce_title: "Pricing",
      cv_id: "u-9",
    },
  },
  {
    endpoint: "update",
    params: {
      project: "example.com",
      cookie: "ck-9",
      event: "pv",
      idptnc: "act-1",
      duration: 12345,
      "ce_scroll depth": 0.75,
    },
  },
  {
    endpoint: "identify",
    params: { project: "example.com", cookie: "ck-9", cv_email: "a@b.c", cv_plan: "pro" },
  },
  { endpoint: "ping", params: { project: "example.com", cookie: "ck-9" } },
];

/** Every example request of wire-formats.md, and one of each request shape it describes. */
export const fixtures = {
  /** The example of wire-formats.md, verbatim: `woopra` Node SDK `track()`. */
  woopraNodeTrack: {
    sdk: "woopra Node SDK 1.0.2: track",
    method: "GET",
    path: "/track/ce?user-agent=Mozilla%2F5.0&ip=1.2.3.4&language=en&screen=1024x768&cookie=ck-123&app=node&website=example.com&cv_plan=pro&cv_email=a%40b.c&ce_deal=SFO-NYC&ce_price=99&event=flight_search&timestamp=1704067200000",
    headers: {},
  },
  /** Node SDK `identify('a@b.c', {...}).push()` without a cookie: defaults `ip=0.0.0.0`, `user-agent=null`, `referer` twice. */
  woopraNodeIdentify: {
    sdk: "woopra Node SDK 1.0.2: identify().push()",
    method: "GET",
    path: "/track/identify/?ip=0.0.0.0&user-agent=null&language=&screen=&referer=&app=node&website=example.com&cv_email=a%40b.c&cv_name=Ann%20Lee&referer=",
    headers: {},
  },
  /** Browser tracker `w.js` v11 `track()`: `project=`, session and org properties, `idptnc`, `response=json`. */
  woopraBrowserTrack: {
    sdk: "woopra w.js v11: track() pageview",
    method: "GET",
    path: "/track/ce/?project=example.com&instance=woopra&meta=eyJ2IjoxMX0%3D&timeout=300000&cookie=ck-9&idptnc=act-1&event=pv&ce_url=https%3A%2F%2Fexample.com%2F&ce_title=Home&cs_campaign=spring&co_name=Acme&cv_id=u-9&screen=1440x900&language=en-US&referer=https%3A%2F%2Fgoogle.com%2F&app=js-client&response=json",
    headers: {},
  },
  /** Browser tracker leaving the page: the action `act-1` lasted 12.3 s, scrolled to 75 %. */
  woopraBrowserUpdate: {
    sdk: "woopra w.js v11: update",
    method: "GET",
    path: "/track/update/?project=example.com&cookie=ck-9&idptnc=act-1&event=pv&duration=12345&ce_scroll%20depth=0.75",
    headers: {},
  },
  /** Browser tracker keep-alive. */
  woopraBrowserPing: {
    sdk: "woopra w.js v11: ping",
    method: "GET",
    path: "/track/ping?project=example.com&cookie=ck-9&instance=woopra&timeout=300000",
    headers: {},
  },
  /** The quirks to tolerate: `host=` (older docs), `&&`, a trailing `&`, `[object Object]`. */
  woopraQuirks: {
    sdk: "woopra older tracker: quirks",
    method: "GET",
    path: "/track/ce?host=example.com&&cookie=ck-7&ce_filters=%5Bobject%20Object%5D&ce_q=shoes&event=search&",
    headers: {},
  },
  /** Browser beacon: newline-delimited JSON lines in the multipart field `payload`. */
  woopraPush: {
    sdk: "woopra w.js v11: beacon push",
    method: "POST",
    path: "/track/push/",
    headers: {},
    form: { payload: pushLines.map((line) => JSON.stringify(line)).join("\n") },
  },

  /** `@segment/analytics-node` flushing one message of each type, write key in Basic auth. */
  segmentBatch: {
    sdk: "@segment/analytics-node 3.1.0: batch",
    method: "POST",
    path: "/v1/batch",
    headers: { ...json, Authorization: "Basic V0s6" }, // base64("WK:")
    body: JSON.stringify({
      batch: [
        {
          type: "track",
          event: "Order Completed",
          properties: { orderId: "o-1", total: 99.5, products: [{ sku: "A" }] },
          userId: "u-1",
          anonymousId: "anon-1",
          messageId: "node-next-1704067200000-m1",
          timestamp: T0,
          context: { library: SEGMENT_LIBRARY, ip: "1.2.3.4", traits: { plan: "pro" } },
          integrations: {},
          _metadata: { jsonSize: 412, bufferedMs: 3 },
        },
        {
          type: "identify",
          traits: { email: "a@b.c", plan: "pro" },
          userId: "u-1",
          messageId: "node-next-1704067200001-m2",
          timestamp: "2024-01-01T00:00:00.001Z",
          context: { library: SEGMENT_LIBRARY },
          integrations: {},
        },
        {
          type: "page",
          name: "Pricing",
          category: "Docs",
          properties: { url: "https://example.com/pricing" },
          anonymousId: "anon-1",
          messageId: "node-next-1704067200002-m3",
          timestamp: "2024-01-01T00:00:00.002Z",
          context: {
            library: SEGMENT_LIBRARY,
            page: { url: "https://example.com/pricing", referrer: "https://google.com/" },
            userAgent: "Mozilla/5.0",
          },
          integrations: {},
        },
        {
          type: "screen",
          name: "Home",
          properties: { variant: "b" },
          userId: "u-1",
          messageId: "node-next-1704067200003-m4",
          timestamp: "2024-01-01T00:00:00.003Z",
          context: { library: SEGMENT_LIBRARY },
          integrations: {},
        },
        {
          type: "group",
          groupId: "g-1",
          traits: { name: "Acme", employees: 50 },
          userId: "u-1",
          messageId: "node-next-1704067200004-m5",
          timestamp: "2024-01-01T00:00:00.004Z",
          context: { library: SEGMENT_LIBRARY },
          integrations: {},
        },
        {
          type: "alias",
          previousId: "anon-1",
          userId: "u-1",
          messageId: "node-next-1704067200005-m6",
          timestamp: "2024-01-01T00:00:00.005Z",
          context: { library: SEGMENT_LIBRARY },
          integrations: {},
        },
      ],
      sentAt: "2024-01-01T00:00:01.000Z",
    }),
  },
  /** A retried batch carrying its write key in the body instead of a header. */
  segmentBatchWriteKeyInBody: {
    sdk: "@segment/analytics-node 3.1.0: retried batch, writeKey in body",
    method: "POST",
    path: "/v1/batch",
    headers: { ...json, "X-Retry-Count": "1" },
    body: JSON.stringify({
      batch: [
        {
          type: "track",
          event: "Signed Up",
          anonymousId: "anon-2",
          messageId: "node-next-1704067200000-m7",
          timestamp: T0,
          context: { library: SEGMENT_LIBRARY },
          integrations: {},
        },
      ],
      writeKey: "WK",
      sentAt: "2024-01-01T00:00:02.000Z",
    }),
  },
  /** A single call (RudderStack and Jitsu speak the same). */
  segmentTrack: {
    sdk: "Segment HTTP API: single track call",
    method: "POST",
    path: "/v1/track",
    headers: { ...json, Authorization: "Basic V0s6" },
    body: JSON.stringify({
      type: "track",
      event: "Search",
      properties: { query: "shoes" },
      userId: "u-3",
      messageId: "m-8",
      timestamp: T0,
      sentAt: "2024-01-01T00:00:00.500Z",
      context: { library: SEGMENT_LIBRARY },
    }),
  },

  /** `posthog-node` flushing a pageview with groups, an identify, an alias and a group identify. */
  posthogBatch: {
    sdk: "posthog-node 5.70.0: batch",
    method: "POST",
    path: "/batch/",
    headers: { ...json, "Content-Encoding": "gzip" },
    body: JSON.stringify({
      api_key: "phc_test",
      batch: [
        {
          event: "$pageview",
          distinct_id: "d-1",
          uuid: "0190c8a0-0000-7000-8000-000000000001",
          timestamp: T0,
          properties: {
            $current_url: "https://example.com/",
            $groups: { company: "acme" },
            $lib: "posthog-node",
            $lib_version: "5.70.0",
          },
          type: "capture",
          library: "posthog-node",
          library_version: "5.70.0",
        },
        {
          event: "$identify",
          distinct_id: "d-1",
          uuid: "0190c8a0-0000-7000-8000-000000000002",
          timestamp: "2024-01-01T00:00:00.001Z",
          properties: {
            $set: { email: "a@b.c", plan: "pro" },
            $set_once: { $initial_referrer: "https://google.com/" },
            $anon_distinct_id: "anon-ph",
            $lib: "posthog-node",
          },
          type: "identify",
        },
        {
          event: "$create_alias",
          distinct_id: "d-1",
          uuid: "0190c8a0-0000-7000-8000-000000000003",
          timestamp: "2024-01-01T00:00:00.002Z",
          properties: { alias: "anon-ph", $lib: "posthog-node" },
          type: "alias",
        },
        {
          event: "$groupidentify",
          distinct_id: "$company_acme",
          uuid: "0190c8a0-0000-7000-8000-000000000004",
          timestamp: "2024-01-01T00:00:00.003Z",
          properties: {
            $group_type: "company",
            $group_key: "acme",
            $group_set: { name: "Acme Inc" },
            $lib: "posthog-node",
          },
          type: "capture",
        },
      ],
      sent_at: "2024-01-01T00:00:01.000Z",
    }),
  },
  /** The legacy single-event endpoint. */
  posthogCapture: {
    sdk: "PostHog capture API: single event",
    method: "POST",
    path: "/capture/",
    headers: json,
    body: JSON.stringify({
      api_key: "phc_test",
      event: "signed_up",
      distinct_id: "d-2",
      properties: { plan: "free" },
      timestamp: T0,
    }),
  },
  /** The opt-in v1 endpoint: token in a Bearer header, batch time in `created_at`. */
  posthogV1: {
    sdk: "posthog-node 5.70.0: opt-in v1 events",
    method: "POST",
    path: "/i/v1/analytics/events",
    headers: { ...json, Authorization: "Bearer phc_test" },
    body: JSON.stringify({
      created_at: "2024-01-01T00:00:01.000Z",
      batch: [
        {
          event: "clicked",
          uuid: "0190c8a0-0000-7000-8000-000000000005",
          distinct_id: "d-3",
          timestamp: T0,
          properties: { button: "buy" },
        },
      ],
    }),
  },
  /** Feature flags, which the SDK polls: answered `{"flags":{}}`; no events. */
  posthogFlags: {
    sdk: "posthog-node 5.70.0: flags",
    method: "POST",
    path: "/flags/?v=2",
    headers: json,
    body: JSON.stringify({ api_key: "phc_test", distinct_id: "d-1" }),
  },
} satisfies Record<string, WireRequest>;

/**
 * A fixture's query string, as `parseWoopra` takes it.
 *
 * @example
 * parseWoopra("ce", fixtureQuery(fixtures.woopraNodeTrack))
 */
export function fixtureQuery(request: WireRequest): URLSearchParams {
  return new URL(request.path, "https://edge.test").searchParams;
}

/**
 * A fixture's JSON body, parsed.
 *
 * @example
 * parseSegment("batch", fixtureJson(fixtures.segmentBatch))
 */
export function fixtureJson(request: WireRequest): unknown {
  return JSON.parse(request.body ?? "null");
}
