/**
 * PostHog's capture API (`posthog-node`, `posthog-js`): `POST /batch/` with
 * `{"api_key", "batch": [event...], "sent_at"}`, and `/capture/`, `/e/`, `/i/v0/e/` with one
 * event, an array of events or `{batch}`; also the opt-in v1 `POST /i/v1/analytics/events` with
 * `{"created_at", "batch"}`. Decompression (gzip, posthog-js `data=` base64) is the HTTP layer's.
 *
 * | PostHog                                       | event                                     |
 * |-----------------------------------------------|-------------------------------------------|
 * | `distinct_id`, else `properties.distinct_id` (posthog-js) | `visitor` (numbers as decimal text) |
 * | `uuid`                                        | `id`                                      |
 * | `event` (`$pageview`, `$identify`, ... kept as sent) | `name`                             |
 * | `timestamp`                                   | `time`                                    |
 * | `properties`                                  | `properties`, without `token`, the visitor's own `distinct_id` and `$set` |
 * | `properties.$set`, then the event's `$set` (posthog-js `identify`) | `visitorProperties`   |
 * | `$set_once` (in `properties` or on the event) | kept in `properties.$set_once`            |
 * | `api_key` / `token` (body, event or `properties.token`) | `ParsedBatch.writeKey`          |
 * | `sent_at`, else v1 `created_at`               | `ParsedBatch.sentAt`                      |
 *
 * `$set_once` ("set unless already set") cannot be expressed by `visitorProperties`, which are
 * applied in log order, last write wins: treating it as `$set` would let a new device overwrite a
 * visitor's `$initial_referrer`. Kept on the event, its meaning is recoverable exactly: the
 * visitor's first value of `$set_once.<key>`. `$create_alias`, `$groupidentify` and `$groups`
 * are kept as sent.
 */
import {
  copyMap,
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

/**
 * Parses a PostHog capture body (already `JSON.parse`d and decompressed). A `sent_at` that is
 * not a time is left out; only skew correction is lost.
 *
 * @throws {FormatError} when the body is neither an event (an object with `event`), an array of
 * events, nor an object with a `batch` array.
 * @example
 * parsePostHog({ api_key: "phc_1", batch: [{ event: "$pageview", distinct_id: "d1", properties: { $current_url: "/" } }] })
 * // { writeKey: "phc_1", events: [{ visitor: "d1", name: "$pageview", properties: { $current_url: "/" }, visitorProperties: {} }] }
 */
export function parsePostHog(body: unknown): ParsedBatch {
  let items: unknown[];
  let single = false;
  if (Array.isArray(body)) items = body;
  else if (isObject(body) && Array.isArray(body.batch)) items = body.batch;
  else if (isObject(body) && "event" in body && !("batch" in body)) {
    items = [body];
    single = true;
  } else {
    throw new FormatError(
      'expected an event, an array of events, or an object with a "batch" array',
    );
  }

  const parsed: ParsedBatch = {
    events: items.map((item, i) => parseEvent(item, single ? "" : `batch[${i}]`)),
  };
  if (isObject(body)) {
    const sentAt = parseTime(isAbsent(body.sent_at) ? body.created_at : body.sent_at);
    if (sentAt !== undefined) parsed.sentAt = sentAt;
  }
  const writeKey = writeKeyOf(body, items);
  if (writeKey !== undefined) parsed.writeKey = writeKey;
  return parsed;
}

/** The project token: on the body, else on the first event carrying one (posthog-js puts it in properties). */
function writeKeyOf(body: unknown, items: readonly unknown[]): string | undefined {
  if (isObject(body)) {
    const key = readString(body.api_key) ?? readString(body.token);
    if (key !== undefined) return key;
  }
  for (const item of items) {
    if (!isObject(item)) continue;
    const key =
      readString(item.api_key) ??
      readString(item.token) ??
      (isObject(item.properties) ? readString(item.properties.token) : undefined);
    if (key !== undefined) return key;
  }
  return undefined;
}

function parseEvent(input: unknown, at: string): IncomingEvent | ParseFailure {
  if (!isObject(input))
    return failure("not_an_object", `${at} must be an object, got ${kindOf(input)}`);

  const name = readString(input.event);
  if (name === undefined) {
    return failure(
      "missing_name",
      `${fieldPath(at, "event")} must be a non-empty string, got ${kindOf(input.event)}`,
    );
  }
  const properties = readMap(input.properties);
  if (properties === undefined) {
    return failure(
      "invalid_properties",
      `${fieldPath(at, "properties")} must be an object, got ${kindOf(input.properties)}`,
    );
  }
  const visitor = readIdentifier(input.distinct_id) ?? readIdentifier(properties.distinct_id);
  if (visitor === undefined) {
    return failure(
      "missing_visitor",
      `${fieldPath(at, "distinct_id")} is required (a non-empty string or a number)`,
    );
  }
  const id = readIdentifier(input.uuid);
  if (id === undefined && !isAbsent(input.uuid)) {
    return failure("invalid_id", `${fieldPath(at, "uuid")} must be a string`);
  }
  const time = parseTime(input.timestamp);
  if (time === undefined && !isAbsent(input.timestamp)) {
    return failure(
      "invalid_time",
      `${fieldPath(at, "timestamp")} must be ISO 8601 text at or after 1970`,
    );
  }

  // The project token is the write key, and the visitor's id is `visitor`: neither is data.
  if (typeof properties.token === "string") delete properties.token;
  if (readIdentifier(properties.distinct_id) === visitor) delete properties.distinct_id;

  const visitorProperties = emptyMap();
  for (const set of [properties.$set, input.$set]) {
    if (isObject(set)) for (const key of Object.keys(set)) visitorProperties[key] = set[key];
  }
  if (isObject(properties.$set)) delete properties.$set;
  if (isObject(input.$set_once)) {
    const once = isObject(properties.$set_once) ? copyMap(properties.$set_once) : emptyMap();
    for (const key of Object.keys(input.$set_once)) once[key] = input.$set_once[key];
    properties.$set_once = once;
  }

  const event: IncomingEvent = { visitor, name, properties, visitorProperties };
  if (id !== undefined) event.id = id;
  if (time !== undefined) event.time = time;
  return event;
}
