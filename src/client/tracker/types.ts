/** The shapes the tracker sends and receives: the native ingest API of docs/ingest.md. */

/** Event or visitor properties: JSON values, flattened by the edge (docs/events.md). */
export type Properties = Record<string, unknown>;

/**
 * One event as `POST /v1/events` takes it. `id` is made on the client, so a retried batch is
 * recognised by the edge (`duplicate`) instead of stored twice.
 *
 * @example
 * { id: "7f0c...", visitor: "3b1e...", name: "search", time: 1764230400000, properties: { q: "deal" } }
 */
export interface WireEvent {
  id: string;
  visitor: string;
  name: string;
  /** Epoch ms at `track()` time, on the device's clock (the edge corrects skew by `sentAt`). */
  time: number;
  properties: Properties;
  visitorProperties?: Properties;
}

/**
 * An in-page action of a trigger that one of the sent events fired (docs/triggers.md).
 *
 * @example
 * { trigger: "t1", name: "repeat deal searcher", event: "7f0c...", payload: { banner: "Save 20%" } }
 */
export interface Action {
  /** The trigger's id, and its name. */
  trigger: string;
  name: string;
  /** The id of the event that fired it. */
  event: string;
  payload: Properties;
}

/** The body of a 2xx answer to `POST /v1/events`; both fields are read defensively. */
export interface Answer {
  results?: { status: string; code?: string; message?: string }[];
  actions?: Action[];
}
