/**
 * The canonical event: what every wire format is normalized into and what FlaM stores.
 * See docs/events.md.
 */

/** A property value after normalization: nested objects are flattened to dotted keys. */
export type Scalar = string | number | boolean | null;
/** Arrays are kept as arrays of scalars (stored as JSON text in a block). */
export type PropertyValue = Scalar | Scalar[];

/**
 * One event.
 *
 * @example
 * const e: FlamEvent = { id: "0b0c...", visitor: "v1", name: "search", time: 1767225600000,
 *   receivedAt: 1767225600120, properties: { deal: "SFO-NYC", price: 99 }, visitorProperties: {} };
 */
export interface FlamEvent {
  /** Unique id, used for deduplication; a lowercase UUID is stored in 16 bytes. */
  id: string;
  /** Visitor id: all of one visitor's events live in one partition. */
  visitor: string;
  /** Event name, e.g. `purchase`. */
  name: string;
  /** Event time, integer ms since the Unix epoch (clock-skew corrected by the edge). */
  time: number;
  /** When the edge received it, integer ms since the Unix epoch. */
  receivedAt: number;
  /** Event properties, flat: `{ "cart.total": 10 }`, never nested objects. */
  properties: Record<string, PropertyValue>;
  /** Visitor-profile updates carried by this event (identify traits, tags). */
  visitorProperties: Record<string, PropertyValue>;
}

/** Fields every event has, addressed by negative ids in projections (property ids are >= 0). */
export const SystemField = {
  visitor: -2,
  name: -3,
  time: -4,
  receivedAt: -5,
} as const;
export type SystemFieldId = (typeof SystemField)[keyof typeof SystemField];
