/**
 * Woopra's HTTP tracking API: `GET /track/{ce|identify|update|ping}?<params>` (the `woopra` Node
 * SDK, the browser tracker `w.js`) and the browser's beacon `POST /track/push/`, whose `payload`
 * form field holds one JSON line `{"endpoint", "params"}` per action. See
 * /work/shared/wire-formats.md.
 *
 * | Woopra parameter                  | event                                                   |
 * |-----------------------------------|---------------------------------------------------------|
 * | `cookie`, else `cv_id`, else `cv_email` | `visitor`                                         |
 * | `cv_<k>`                          | `visitorProperties.<k>`                                 |
 * | `ce_<k>` / `cs_<k>` / `co_<k>`    | `properties.<k>` / `properties["session.<k>"]` / `properties["org.<k>"]` |
 * | `event` (ce; `pv` when absent, as Woopra's tracker means it) | `name`                       |
 * | `idptnc`                          | `id` (ce), `properties.actionId` (update)               |
 * | `timestamp` (epoch ms)            | `time`                                                  |
 * | `duration` (ms)                   | `properties.duration`, a number                         |
 * | client fields (see `CONTEXT` below)  | `properties["context.<key>"]`, named as Segment's      |
 * | `website`, else `project`, else `host` | `ParsedBatch.site`                                 |
 *
 * Endpoints: `ce` is an action, `identify` an event named `identify` carrying the `cv_*` profile
 * update. `update` (sent when a page is left, with `duration` and `ce_scroll depth`) cannot change
 * the earlier, immutable event, so it becomes a new event named `update` whose `actionId` is the
 * updated action's `idptnc` and whose `action` is that action's name. `ping` (a keep-alive that
 * only marks the visit online) produces no event: answer it OK.
 *
 * Quirks: empty values, and the `[object Object]` that a tracker writes for a nested object, carry
 * nothing and are dropped; a repeated parameter keeps its last value (the Node SDK sends `referer`
 * twice). Query values stay text (`ce_price=99` is `"99"`): a query string has no types, and
 * guessing would turn zip codes and ids into numbers. Beacon lines keep their JSON types.
 * Other parameters (`instance`, `meta`, `timeout`, `response`, `ra`, ...) are protocol, not data.
 */
import { emptyMap, isObject, kindOf, readIdentifier } from "./fields.ts";
import { failure } from "./format-error.ts";
import type { IncomingEvent, ParsedBatch, ParseFailure } from "./incoming.ts";
import { parseMsText, parseTime } from "./time.ts";

/** The `/track/<endpoint>` a request was sent to (the push endpoint has its own function). */
export type WoopraEndpoint = "ce" | "identify" | "update" | "ping";

/** One parameter: text from a query string, any non-null JSON value from a beacon line. */
type Value = string | number | boolean | object;

const ENDPOINTS: ReadonlySet<string> = new Set<WoopraEndpoint>([
  "ce",
  "identify",
  "update",
  "ping",
]);

/**
 * Client fields -> property keys, named as Segment's `context` so both formats query alike.
 * `browser`, `os` and `device` are overrides from Woopra's HTTP API reference, not in the SDKs.
 */
const CONTEXT: Readonly<Record<string, string>> = {
  ip: "context.ip",
  "user-agent": "context.userAgent",
  language: "context.locale",
  screen: "context.screen",
  referer: "context.page.referrer",
  app: "context.library.name",
  browser: "context.browser",
  os: "context.os.name",
  device: "context.device.type",
};

/** Values a client sends to mean "unset": the Node SDK's defaults. */
const UNSET: Readonly<Record<string, string>> = { ip: "0.0.0.0", "user-agent": "null" };

/**
 * Parses one `GET /track/<endpoint>` request from its query parameters.
 *
 * @returns at most one event (none for `ping`), and the project as `site`.
 * @example
 * parseWoopra("ce", new URLSearchParams("website=example.com&cookie=ck-1&event=search&ce_q=shoes"))
 * // { site: "example.com", events: [{ visitor: "ck-1", name: "search", properties: { q: "shoes" }, visitorProperties: {} }] }
 */
export function parseWoopra(endpoint: WoopraEndpoint, params: URLSearchParams): ParsedBatch {
  const values = new Map<string, Value>();
  for (const [key, value] of params) setValue(values, key, value);
  const batch: ParsedBatch = { events: [] };
  const site = siteOf(values);
  if (site !== undefined) batch.site = site;
  const event = parseAction(endpoint, values, "");
  if (event) batch.events.push(event);
  return batch;
}

/**
 * Parses the `payload` field of `POST /track/push/`: newline-delimited `{"endpoint", "params"}`
 * lines, each one action. A bad line becomes a `ParseFailure` naming its line number; blank lines
 * and `ping` lines produce nothing. The first line naming a project sets `site`; a line naming
 * another project is refused (`site_mismatch`), so one request cannot write to two projects.
 *
 * @example
 * parseWoopraPush('{"endpoint":"ce","params":{"project":"example.com","cookie":"ck-1","event":"pv"}}\nnot json')
 * // { site: "example.com", events: [{ visitor: "ck-1", name: "pv", ... },
 * //   { code: "invalid_json", message: "payload line 2 is not JSON" }] }
 */
export function parseWoopraPush(payloadText: string): ParsedBatch {
  const batch: ParsedBatch = { events: [] };
  const lines = payloadText.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? "").trim();
    if (line === "") continue;
    const where = `payload line ${i + 1}`;
    const event = parseLine(line, where, batch);
    if (event) batch.events.push(event);
  }
  return batch;
}

function parseLine(
  line: string,
  where: string,
  batch: ParsedBatch,
): IncomingEvent | ParseFailure | undefined {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch {
    return failure("invalid_json", `${where} is not JSON`);
  }
  if (!isObject(json))
    return failure("not_an_object", `${where} must be an object, got ${kindOf(json)}`);
  const endpoint = typeof json.endpoint === "string" ? json.endpoint.replace(/^\/+|\/+$/g, "") : "";
  if (!ENDPOINTS.has(endpoint)) {
    return failure("unknown_type", `${where}: endpoint must be one of ce, identify, update, ping`);
  }
  if (!isObject(json.params)) {
    return failure(
      "not_an_object",
      `${where}: params must be an object, got ${kindOf(json.params)}`,
    );
  }
  const values = new Map<string, Value>();
  for (const key of Object.keys(json.params)) setValue(values, key, json.params[key]);

  const site = siteOf(values);
  if (site !== undefined) {
    if (batch.site === undefined) batch.site = site;
    else if (site !== batch.site) {
      return failure("site_mismatch", `${where}: project ${site} differs from ${batch.site}`);
    }
  }
  return parseAction(endpoint as WoopraEndpoint, values, `${where}: `);
}

/** Records a parameter unless it carries nothing; a later value replaces an earlier one. */
function setValue(values: Map<string, Value>, key: string, value: unknown): void {
  if (value === undefined || value === null || value === "" || value === "[object Object]") return;
  if (typeof value === "number" && !Number.isFinite(value)) return;
  const t = typeof value;
  if (t === "string" || t === "number" || t === "boolean" || t === "object") {
    values.set(key, value as Value);
  }
}

function siteOf(values: Map<string, Value>): string | undefined {
  for (const key of ["website", "project", "host"]) {
    const site = readIdentifier(values.get(key));
    if (site !== undefined) return site;
  }
  return undefined;
}

function parseAction(
  endpoint: WoopraEndpoint,
  values: Map<string, Value>,
  where: string,
): IncomingEvent | ParseFailure | undefined {
  if (endpoint === "ping") return undefined;

  const visitor =
    readIdentifier(values.get("cookie")) ??
    readIdentifier(values.get("cv_id")) ??
    readIdentifier(values.get("cv_email"));
  if (visitor === undefined) {
    return failure("missing_visitor", `${where}cookie, cv_id or cv_email is required`);
  }

  let time: number | undefined;
  const timestamp = values.get("timestamp");
  if (timestamp !== undefined) {
    time = typeof timestamp === "string" ? parseMsText(timestamp) : parseTime(timestamp);
    if (time === undefined) {
      return failure("invalid_time", `${where}timestamp must be epoch ms at or after 1970`);
    }
  }

  const properties = emptyMap();
  const visitorProperties = emptyMap();
  for (const [key, value] of values) {
    const prefix = key.slice(0, 3);
    const rest = key.slice(3);
    if (rest !== "" && prefix === "cv_") visitorProperties[rest] = value;
    else if (rest !== "" && prefix === "ce_") properties[rest] = value;
    else if (rest !== "" && prefix === "cs_") properties[`session.${rest}`] = value;
    else if (rest !== "" && prefix === "co_") properties[`org.${rest}`] = value;
    else if (Object.hasOwn(CONTEXT, key) && value !== UNSET[key]) {
      properties[CONTEXT[key] as string] = value;
    }
  }
  const duration = values.get("duration");
  const ms = typeof duration === "string" ? parseMsText(duration) : duration;
  if (typeof ms === "number" && Number.isFinite(ms) && ms >= 0) properties.duration = ms;

  const actionId = readIdentifier(values.get("idptnc"));
  const eventName = readIdentifier(values.get("event"));
  let name: string;
  let id: string | undefined;
  if (endpoint === "identify") name = "identify";
  else if (endpoint === "ce") {
    name = eventName ?? "pv";
    id = actionId;
  } else {
    if (actionId === undefined) {
      return failure("missing_action_id", `${where}idptnc (the updated action's id) is required`);
    }
    name = "update";
    properties.actionId = actionId;
    if (eventName !== undefined) properties.action = eventName;
  }

  const event: IncomingEvent = { visitor, name, properties, visitorProperties };
  if (id !== undefined) event.id = id;
  if (time !== undefined) event.time = time;
  return event;
}
