/**
 * Flamingo's own ingest format, the one the browser client sends:
 *
 * ```json
 * {"sentAt": "2024-01-01T00:00:01Z",
 *  "events": [{"id": "e1", "visitor": "v1", "name": "purchase", "time": 1704067200000,
 *              "properties": {"price": 10}, "visitorProperties": {"plan": "pro"}}]}
 * ```
 *
 * It is the strictest format: fields have exactly the documented types (no numeric visitor ids),
 * because a client written against this edge can be fixed, and a silent coercion would hide the bug.
 */
import { fieldPath, isAbsent, isObject, kindOf, readMap, readString } from "./fields.ts";
import { failure, FormatError } from "./format-error.ts";
import type { IncomingEvent, ParsedBatch, ParseFailure } from "./incoming.ts";
import { parseTime } from "./time.ts";

/**
 * Parses a native ingest body (already `JSON.parse`d).
 *
 * Each event needs `visitor` and `name` (non-empty strings); `id` is an optional non-empty string;
 * `time` is optional ISO 8601 text or epoch ms; `properties` and `visitorProperties` are optional
 * objects (`null` counts as absent). An event breaking a rule becomes a `ParseFailure` in its
 * place, naming its index and field.
 *
 * @throws {FormatError} when the body is not an object with an `events` array, or when `sentAt`
 * is present but not a time (it would silently disable clock-skew correction for the batch).
 * @example
 * parseNative({ events: [{ visitor: "v1", name: "signup" }, { name: "x" }] }).events
 * // [{ visitor: "v1", name: "signup", properties: {}, visitorProperties: {} },
 * //  { code: "missing_visitor", message: "events[1].visitor must be a non-empty string, got undefined" }]
 */
export function parseNative(body: unknown): ParsedBatch {
  if (!isObject(body) || !Array.isArray(body.events)) {
    throw new FormatError('expected a JSON object with an "events" array');
  }
  const batch: ParsedBatch = { events: body.events.map((e, i) => parseEvent(e, `events[${i}]`)) };
  if (!isAbsent(body.sentAt)) {
    const sentAt = parseTime(body.sentAt);
    if (sentAt === undefined) {
      throw new FormatError("sentAt must be ISO 8601 text or epoch ms at or after 1970");
    }
    batch.sentAt = sentAt;
  }
  return batch;
}

function parseEvent(input: unknown, at: string): IncomingEvent | ParseFailure {
  if (!isObject(input))
    return failure("not_an_object", `${at} must be an object, got ${kindOf(input)}`);

  const visitor = readString(input.visitor);
  if (visitor === undefined) {
    return failure(
      "missing_visitor",
      `${fieldPath(at, "visitor")} must be a non-empty string, got ${kindOf(input.visitor)}`,
    );
  }
  const name = readString(input.name);
  if (name === undefined) {
    return failure(
      "missing_name",
      `${fieldPath(at, "name")} must be a non-empty string, got ${kindOf(input.name)}`,
    );
  }

  let id: string | undefined;
  if (input.id !== undefined && input.id !== null) {
    id = readString(input.id);
    if (id === undefined) {
      return failure(
        "invalid_id",
        `${fieldPath(at, "id")} must be a non-empty string, got ${kindOf(input.id)}`,
      );
    }
  }

  let time: number | undefined;
  if (input.time !== undefined && input.time !== null) {
    time = parseTime(input.time);
    if (time === undefined) {
      return failure(
        "invalid_time",
        `${fieldPath(at, "time")} must be ISO 8601 text or epoch ms at or after 1970`,
      );
    }
  }

  const properties = readMap(input.properties);
  if (properties === undefined) {
    return failure(
      "invalid_properties",
      `${fieldPath(at, "properties")} must be an object, got ${kindOf(input.properties)}`,
    );
  }
  const visitorProperties = readMap(input.visitorProperties);
  if (visitorProperties === undefined) {
    return failure(
      "invalid_properties",
      `${fieldPath(at, "visitorProperties")} must be an object, got ${kindOf(input.visitorProperties)}`,
    );
  }

  const event: IncomingEvent = { visitor, name, properties, visitorProperties };
  if (id !== undefined) event.id = id;
  if (time !== undefined) event.time = time;
  return event;
}
