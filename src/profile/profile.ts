/**
 * The visitor-profile reducer: pure (no platform, no storage), so the partition, its rebuild
 * and trigger evaluation fold events into profiles with the same code and get the same answer.
 * A profile is a function of the visitor's events in log order, nothing else.
 */
import type { FlamEvent, PropertyValue } from "../flam/index.ts";

/** A visitor's profile: derived state, a function of the visitor's events in log order. */
export interface VisitorProfile {
  visitor: string;
  /** Merged visitorProperties of the visitor's events, in log order (later values win). */
  properties: Record<string, PropertyValue>;
  /** Smallest and largest event `time` (ms) of the visitor's events. */
  firstSeen: number;
  lastSeen: number;
  eventCount: number;
  /** Events per name. */
  counts: Record<string, number>;
}

/**
 * Bound on a profile's size, in UTF-16 code units of its property keys and string values and
 * its event names. Properties merge forever and names are open-ended, so without a bound one
 * visitor could grow a row past the storage's 2 MB limit and make every later write of it fail.
 * 256 Ki units stay under 2 MB even if JSON escaped every unit to 6 bytes.
 */
export const MAX_PROFILE_UNITS = 256 * 1024;

/**
 * Folds one event into a profile (null: the visitor's first event) and returns a new profile;
 * the input is not changed.
 *
 * - `properties`: the event's `visitorProperties` merged over the old ones (later in log order
 *   wins; `null` is a value, not a deletion).
 * - `firstSeen` / `lastSeen`: the smallest and largest event `time` (not log order: a late,
 *   back-dated event can lower `firstSeen`).
 * - `eventCount` and `counts[name]`: events in total and per name.
 *
 * When the result would pass {@link MAX_PROFILE_UNITS}, the event's new property values or its
 * new name are left out (its counts still go to `eventCount`); values already there still update
 * when the result fits. The rule depends only on the events, so a rebuild reaches the same profile.
 *
 * @throws {RangeError} when the event belongs to another visitor than the profile.
 * @example
 * let p = applyEvent(null, { ...e, name: "signup", visitorProperties: { plan: "pro" } });
 * p = applyEvent(p, { ...e, name: "search" });
 * // p.properties = { plan: "pro" }, p.eventCount = 2, p.counts = { signup: 1, search: 1 }
 */
export function applyEvent(profile: VisitorProfile | null, event: FlamEvent): VisitorProfile {
  if (profile !== null && profile.visitor !== event.visitor)
    throw new RangeError(
      `event ${event.id} of visitor ${event.visitor} applied to the profile of ${profile.visitor}`,
    );
  const before = profile ?? {
    visitor: event.visitor,
    properties: {},
    firstSeen: event.time,
    lastSeen: event.time,
    eventCount: 0,
    counts: {},
  };
  let properties = before.properties;
  let counts = before.counts;
  const known = Object.hasOwn(counts, event.name);
  if (Object.keys(event.visitorProperties).length > 0) {
    const merged = { ...properties, ...event.visitorProperties };
    if (unitsOf(merged, counts) <= MAX_PROFILE_UNITS) properties = merged;
  }
  if (known || unitsOf(properties, counts) + event.name.length <= MAX_PROFILE_UNITS)
    counts = { ...counts, [event.name]: (known ? counts[event.name]! : 0) + 1 };
  return {
    visitor: before.visitor,
    properties,
    firstSeen: Math.min(before.firstSeen, event.time),
    lastSeen: Math.max(before.lastSeen, event.time),
    eventCount: before.eventCount + 1,
    counts,
  };
}

/**
 * Folds events (one visitor's, in log order) into a profile.
 *
 * @example
 * const p = applyEvents(null, events); // same as events.reduce(applyEvent, null)
 */
export function applyEvents(
  profile: VisitorProfile | null,
  events: Iterable<FlamEvent>,
): VisitorProfile | null {
  let p = profile;
  for (const e of events) p = applyEvent(p, e);
  return p;
}

/** Size of a profile in the units of {@link MAX_PROFILE_UNITS}. */
function unitsOf(
  properties: Record<string, PropertyValue>,
  counts: Record<string, number>,
): number {
  let units = 0;
  for (const [key, value] of Object.entries(properties)) units += key.length + valueUnits(value);
  for (const name of Object.keys(counts)) units += name.length;
  return units;
}

function valueUnits(value: PropertyValue): number {
  if (typeof value === "string") return value.length;
  if (Array.isArray(value)) return value.reduce<number>((n, v) => n + valueUnits(v) + 1, 2);
  return 8;
}
