/**
 * The Segment HTTP tracking API (`@segment/analytics-node`, analytics.js, RudderStack, Jitsu):
 * `POST /v1/batch` with `{"batch": [msg...], "writeKey", "sentAt"}`, or one message per call on
 * `/v1/{track,identify,page,screen,group,alias}`. See /work/shared/wire-formats.md.
 *
 * | Segment            | event                                                                       |
 * |--------------------|-----------------------------------------------------------------------------|
 * | `userId ?? anonymousId` | `visitor` (numbers become their decimal text, as Segment does)        |
 * | `messageId`        | `id`                                                                        |
 * | `timestamp` (else `originalTimestamp`) | `time`                                                  |
 * | track              | `name` = `event`, `properties` = `properties`                               |
 * | identify           | `name` = `identify`, `visitorProperties` = `traits`                         |
 * | page / screen      | `name` = `pageview` / `screen`; `properties` plus `name`, `category`        |
 * | group              | `name` = `group`; `groupId` and each trait as `group.<trait>`               |
 * | alias              | `name` = `alias`; `previousId`                                              |
 * | `anonymousId` when `userId` is the visitor | property `anonymousId`, so identities can be joined |
 * | `context.*` except `context.traits` | property `context.<key>` (nested values kept)             |
 *
 * `context.traits` is dropped: it repeats the profile on every call, and applying it would let
 * any event rewrite the profile. `integrations` (routing to Segment destinations) is dropped.
 */
import {
  emptyMap,
  fieldPath,
  isAbsent,
  isObject,
  kindOf,
  readIdentifier,
  readMap,
  readString,
} from "./fields.ts";
import { failure, FormatError } from "./format-error.ts";
import type { IncomingEvent, ParsedBatch, ParseFailure } from "./incoming.ts";
import { parseTime } from "./time.ts";

/** The message types of the Segment spec, each also a single-call path `/v1/<type>`. */
export type SegmentType = "track" | "identify" | "page" | "screen" | "group" | "alias";

/** What was called: `/v1/batch`, or one of the single-call paths. */
export type SegmentKind = "batch" | SegmentType;

const TYPES: ReadonlySet<string> = new Set<SegmentType>([
  "track",
  "identify",
  "page",
  "screen",
  "group",
  "alias",
]);

/**
 * Parses a Segment request body (already `JSON.parse`d). For `batch`, each item carries its own
 * `type`; for a single call the path decides the type and the body's `type` is ignored.
 * `sentAt` and `writeKey` are read from the body; a `sentAt` that is not a time is left out
 * (the SDK's events still count; only skew correction is lost).
 *
 * @throws {FormatError} when the body is not an object, or a batch body has no `batch` array.
 * @example
 * parseSegment("track", { userId: "u1", event: "Order Completed", properties: { total: 10 } })
 * // { events: [{ visitor: "u1", name: "Order Completed", properties: { total: 10 }, visitorProperties: {} }] }
 */
export function parseSegment(kind: SegmentKind, body: unknown): ParsedBatch {
  if (!isObject(body)) throw new FormatError("expected a JSON object");
  let events: (IncomingEvent | ParseFailure)[];
  if (kind === "batch") {
    if (!Array.isArray(body.batch)) throw new FormatError('expected a "batch" array');
    events = body.batch.map((msg, i) => parseItem(msg, `batch[${i}]`));
  } else {
    events = [parseMessage(kind, body, "")];
  }
  const parsed: ParsedBatch = { events };
  const sentAt = parseTime(body.sentAt);
  if (sentAt !== undefined) parsed.sentAt = sentAt;
  const writeKey = readString(body.writeKey);
  if (writeKey !== undefined) parsed.writeKey = writeKey;
  return parsed;
}

/**
 * The write key of an `Authorization: Basic base64("<writeKey>:")` header, as the Segment SDKs
 * send it (RFC 7617: the key is the user name, the password is empty).
 *
 * @returns the write key, or `undefined` for a missing, non-Basic or undecodable header.
 * @example
 * segmentWriteKeyFromBasicAuth("Basic " + btoa("WK:")) // "WK"
 * segmentWriteKeyFromBasicAuth("Bearer WK") // undefined
 */
export function segmentWriteKeyFromBasicAuth(header: string | undefined): string | undefined {
  const m = /^\s*basic\s+([A-Za-z0-9+/_-]+=*)\s*$/i.exec(header ?? "");
  if (!m?.[1]) return undefined;
  let text: string;
  try {
    // base64url too: some proxies re-encode headers that way
    const binary = atob(m[1].replace(/-/g, "+").replace(/_/g, "/"));
    const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    return undefined; // not base64, or not UTF-8
  }
  const colon = text.indexOf(":");
  const key = colon === -1 ? text : text.slice(0, colon);
  return key === "" ? undefined : key;
}

function parseItem(msg: unknown, at: string): IncomingEvent | ParseFailure {
  if (!isObject(msg))
    return failure("not_an_object", `${at} must be an object, got ${kindOf(msg)}`);
  const type = msg.type;
  if (typeof type !== "string" || !TYPES.has(type)) {
    return failure(
      "unknown_type",
      `${fieldPath(at, "type")} must be one of track, identify, page, screen, group, alias`,
    );
  }
  return parseMessage(type as SegmentType, msg, at);
}

function parseMessage(
  type: SegmentType,
  msg: Record<string, unknown>,
  at: string,
): IncomingEvent | ParseFailure {
  const userId = readIdentifier(msg.userId);
  const anonymousId = readIdentifier(msg.anonymousId);
  const visitor = userId ?? anonymousId;
  if (visitor === undefined) {
    return failure(
      "missing_visitor",
      `${fieldPath(at, "userId")} or anonymousId is required (a non-empty string)`,
    );
  }

  const id = readIdentifier(msg.messageId);
  if (id === undefined && !isAbsent(msg.messageId)) {
    return failure("invalid_id", `${fieldPath(at, "messageId")} must be a string`);
  }

  const sentTime = isAbsent(msg.timestamp) ? msg.originalTimestamp : msg.timestamp;
  const time = parseTime(sentTime);
  if (time === undefined && !isAbsent(sentTime)) {
    return failure(
      "invalid_time",
      `${fieldPath(at, "timestamp")} must be ISO 8601 text at or after 1970`,
    );
  }

  const body = describe(type, msg, at);
  if ("code" in body) return body;
  if (userId !== undefined && anonymousId !== undefined && anonymousId !== userId) {
    setIfAbsent(body.properties, "anonymousId", anonymousId);
  }
  addContext(body.properties, msg.context);

  const event: IncomingEvent = { visitor, ...body };
  if (id !== undefined) event.id = id;
  if (time !== undefined) event.time = time;
  return event;
}

type Described = Pick<IncomingEvent, "name" | "properties" | "visitorProperties">;

/** The type-specific part: name, properties and visitor properties. */
function describe(
  type: SegmentType,
  msg: Record<string, unknown>,
  at: string,
): Described | ParseFailure {
  const field = type === "identify" || type === "group" ? "traits" : "properties";
  const map = readMap(msg[field]);
  if (map === undefined) {
    return failure(
      "invalid_properties",
      `${fieldPath(at, field)} must be an object, got ${kindOf(msg[field])}`,
    );
  }
  switch (type) {
    case "track": {
      const name = readString(msg.event);
      if (name === undefined) {
        return failure(
          "missing_name",
          `${fieldPath(at, "event")} must be a non-empty string, got ${kindOf(msg.event)}`,
        );
      }
      return { name, properties: map, visitorProperties: emptyMap() };
    }
    case "identify":
      return { name: "identify", properties: emptyMap(), visitorProperties: map };
    case "page":
    case "screen":
      // The call's own name/category (page("Docs", "Install")) override same-named properties.
      if (!isAbsent(msg.name)) map.name = msg.name;
      if (!isAbsent(msg.category)) map.category = msg.category;
      return {
        name: type === "page" ? "pageview" : "screen",
        properties: map,
        visitorProperties: emptyMap(),
      };
    case "group": {
      const properties = emptyMap();
      if (!isAbsent(msg.groupId)) properties.groupId = readIdentifier(msg.groupId) ?? msg.groupId;
      for (const key of Object.keys(map)) properties[`group.${key}`] = map[key];
      return { name: "group", properties, visitorProperties: emptyMap() };
    }
    case "alias": {
      const properties = emptyMap();
      if (!isAbsent(msg.previousId)) {
        properties.previousId = readIdentifier(msg.previousId) ?? msg.previousId;
      }
      return { name: "alias", properties, visitorProperties: emptyMap() };
    }
  }
}

/** Copies `context` (but its `traits`) into `properties` as `context.<key>`, keeping what is there. */
function addContext(properties: Record<string, unknown>, context: unknown): void {
  if (!isObject(context)) return;
  for (const key of Object.keys(context)) {
    if (key !== "traits") setIfAbsent(properties, `context.${key}`, context[key]);
  }
}

function setIfAbsent(map: Record<string, unknown>, key: string, value: unknown): void {
  if (!Object.hasOwn(map, key)) map[key] = value;
}
