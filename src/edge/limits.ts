/**
 * Limits of the ingest edge. Each violation gets an error naming the limit; a violation by one
 * event rejects that event alone, a violation by the request (size, count) rejects the request.
 * The FlaM format's own limits (docs/flam.md) are wider, so an accepted event always encodes.
 */
export const LIMITS = {
  /** Request body, after decompression. */
  bodyBytes: 1024 * 1024,
  /** Events per request. */
  eventsPerBatch: 1000,
  /** Properties plus visitor properties of one event, after flattening. */
  propertiesPerEvent: 255,
  /** UTF-8 bytes of a property key (after flattening) — FlaM's key limit. */
  keyBytes: 255,
  /** UTF-8 bytes of a string property value (arrays: of their JSON text). */
  valueBytes: 8192,
  /** UTF-8 bytes of an event id, visitor id or event name. */
  idBytes: 256,
  /** How far past the receive time an event's (corrected) time may be. */
  futureMs: 60 * 60 * 1000,
  /** Events older than this point in time are refused (clock garbage, not history). */
  earliestTime: Date.UTC(2000, 0, 1),
  /**
   * Events waiting on the spill Queue for one partition (docs/reliability.md, "The spike
   * buffer"); past it ingest into that partition answers 429 with Retry-After. At a few hundred
   * bytes an event, 500,000 events are a few hundred MB of the Queue's 25 GB, and well under a
   * minute of the partition's own ingest time once it recovers.
   */
  spillBacklogEvents: 500_000,
} as const;
