/**
 * Turns an `IncomingEvent` (as a client described it) into the canonical `FlamEvent`: assigns an
 * id, corrects the time for the client's clock skew, flattens properties and enforces the edge's
 * limits. Pure: the receive time and the id source are passed in.
 */
import {
  flattenProperties,
  utf8Length,
  type FlamEvent,
  type PropertyValue,
} from "../flam/index.ts";
import type { IncomingEvent } from "./formats/incoming.ts";
import { LIMITS } from "./limits.ts";

/** Why one event was refused. */
export interface Rejection {
  code: string;
  message: string;
}

// Counted without encoding. For a string with a lone surrogate the count is one byte short per
// surrogate, but such strings are refused by the well-formedness checks below anyway.
const bytes = utf8Length;

/**
 * The clock-skew correction of a batch. A client stamps events and the batch's `sentAt` with its
 * own clock; `receivedAt - sentAt` is how far that clock is behind ours (plus the network time),
 * and adding it to every event time of the batch moves them onto our clock (Segment's rule).
 * One offset per batch keeps the batch's events in the order and spacing they were sent with.
 */
export function skewOf(receivedAt: number, sentAt: number | undefined): number {
  if (sentAt === undefined || !Number.isFinite(sentAt)) return 0;
  const skew = receivedAt - sentAt;
  // Within the dead zone the difference cannot be told apart from network transit, which varies
  // per request: adding it (as PostHog does) can move a later batch of one device before an
  // earlier one. A device's own clock is monotonic, so its timestamps keep their sent order.
  return Math.abs(skew) < SKEW_DEAD_ZONE_MS ? 0 : skew;
}

/** Differences between the client's and our clock below this are left alone (see `skewOf`). */
export const SKEW_DEAD_ZONE_MS = 60_000;

/**
 * @example
 * normalizeEvent({ visitor: "v1", name: "search", properties: { deal: { from: "SFO" } }, visitorProperties: {} },
 *   { receivedAt: Date.now(), skew: 0, newId: () => crypto.randomUUID() })
 * // { id: "…", visitor: "v1", name: "search", time: …, receivedAt: …, properties: { "deal.from": "SFO" }, visitorProperties: {} }
 */
export function normalizeEvent(
  e: IncomingEvent,
  ctx: { receivedAt: number; skew: number; newId: () => string },
): FlamEvent | Rejection {
  for (const [field, value] of [
    ["visitor", e.visitor],
    ["name", e.name],
    ["id", e.id],
  ] as const) {
    if (value === undefined && field === "id") continue;
    if (typeof value !== "string" || value.length === 0)
      return { code: "invalid_event", message: `${field} must be a non-empty string` };
    if (bytes(value) > LIMITS.idBytes)
      return { code: "field_too_long", message: `${field} is longer than ${LIMITS.idBytes} bytes` };
    if (!value.isWellFormed())
      return { code: "invalid_event", message: `${field} is not well-formed Unicode` };
  }
  let time = ctx.receivedAt;
  if (e.time !== undefined) {
    if (typeof e.time !== "number" || !Number.isFinite(e.time))
      return {
        code: "invalid_time",
        message: "time must be an ISO 8601 string or epoch milliseconds",
      };
    time = Math.round(e.time + ctx.skew);
  }
  if (time > ctx.receivedAt + LIMITS.futureMs) {
    return {
      code: "time_in_future",
      message: `time ${new Date(time).toISOString()} is more than ${LIMITS.futureMs / 60000} minutes in the future`,
    };
  }
  if (time < LIMITS.earliestTime)
    return {
      code: "time_too_old",
      message: `time ${new Date(time).toISOString()} is before ${new Date(LIMITS.earliestTime).toISOString()}`,
    };

  const properties = flattenProperties(e.properties ?? {});
  const visitorProperties = flattenProperties(e.visitorProperties ?? {});
  const count = Object.keys(properties).length + Object.keys(visitorProperties).length;
  if (count > LIMITS.propertiesPerEvent) {
    return {
      code: "too_many_properties",
      message: `${count} properties (with visitor properties) exceed the limit of ${LIMITS.propertiesPerEvent}`,
    };
  }
  const bad =
    checkMap(properties, "properties") ?? checkMap(visitorProperties, "visitorProperties");
  if (bad !== undefined) return bad;
  return {
    id: e.id ?? ctx.newId(),
    visitor: e.visitor,
    name: e.name,
    time,
    receivedAt: ctx.receivedAt,
    properties,
    visitorProperties,
  };
}

function checkMap(map: Record<string, PropertyValue>, field: string): Rejection | undefined {
  for (const [k, v] of Object.entries(map)) {
    if (k.length === 0) return { code: "invalid_property", message: `${field} has an empty key` };
    if (bytes(k) > LIMITS.keyBytes)
      return {
        code: "key_too_long",
        message: `${field} key "${k.slice(0, 40)}…" is longer than ${LIMITS.keyBytes} bytes`,
      };
    if (!k.isWellFormed())
      return { code: "invalid_property", message: `${field}.${k}: key is not well-formed Unicode` };
    const text = typeof v === "string" ? v : Array.isArray(v) ? JSON.stringify(v) : undefined;
    if (text === undefined) continue;
    if (text.length * 3 > LIMITS.valueBytes && bytes(text) > LIMITS.valueBytes) {
      return {
        code: "value_too_long",
        message: `${field}.${k} is longer than ${LIMITS.valueBytes} bytes`,
      };
    }
    if (!text.isWellFormed())
      return { code: "invalid_property", message: `${field}.${k} is not well-formed Unicode` };
  }
  return undefined;
}
