/**
 * What every wire-format parser produces: events as the client described them, before the edge
 * normalizes them (ids assigned, times corrected for clock skew, limits checked, properties
 * flattened) into canonical `FlamEvent`s. One parser per format lives beside this file.
 */

/** One event as a client sent it. */
export interface IncomingEvent {
  /** The client's event id (Segment `messageId`, PostHog `uuid`, Woopra `idptnc`); assigned if absent. */
  id?: string;
  /** The visitor: Segment userId or anonymousId, Woopra cookie / cv_id / cv_email, PostHog distinct_id. */
  visitor: string;
  /** The action name (`pageview`, `purchase`, `identify`, ...). */
  name: string;
  /** The client's event time in ms since the epoch, by the client's clock (corrected later). */
  time?: number;
  /**
   * Event properties as sent: may be nested; the edge flattens them. Parsers build both maps
   * without a prototype (`Object.create(null)`), so a client key `__proto__` is an own key: read
   * them with `Object.keys`/`Object.entries`, and copy them into objects that have no prototype
   * either (assigning `out["__proto__"] = v` on a `{}` replaces `out`'s prototype).
   */
  properties: Record<string, unknown>;
  /** Visitor-profile updates (identify traits, cv_*, $set), with the same prototype-free shape. */
  visitorProperties: Record<string, unknown>;
}

/** An event the parser could not make sense of; the rest of its batch is unaffected. */
export interface ParseFailure {
  /** Stable snake_case reason, e.g. `missing_visitor`. */
  code: string;
  /** What is wrong, naming the field: `batch[2].userId or anonymousId is required`. */
  message: string;
}

/** A parsed request: its events in the order sent, and what it says about itself. */
export interface ParsedBatch {
  events: (IncomingEvent | ParseFailure)[];
  /** The client's clock when it sent the batch (Segment `sentAt`, PostHog `sent_at`), for skew correction. */
  sentAt?: number;
  /** A write key carried in the body (Segment `writeKey`, PostHog `api_key`/`token`). */
  writeKey?: string;
  /** Woopra's project name (`website` / `project` / `host`): a write key or a registered domain. */
  site?: string;
}

/** True for a failure entry of `ParsedBatch.events`. */
export function isFailure(e: IncomingEvent | ParseFailure): e is ParseFailure {
  return "code" in e && "message" in e && !("name" in e);
}
