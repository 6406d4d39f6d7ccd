/**
 * The canonical analytics event as the benchmarks see it. The real type will be exported from
 * `src/flam`; this local copy is structurally identical so `bench/` does not depend on it yet.
 *
 * @example
 * const e: FlamEvent = {
 *   id: "3b241101-e2bb-4255-8caf-4136c566a962", visitor: "v_8f3a51c0d2e4", name: "purchase",
 *   time: 1767225600000, receivedAt: 1767225600412,
 *   properties: { country: "US", price: 19.99 }, visitorProperties: {},
 * };
 */
export interface FlamEvent {
  id: string;
  visitor: string;
  name: string;
  /** Epoch milliseconds, as sent by the client. */
  time: number;
  /** Epoch milliseconds, stamped by the edge; never before `time` in generated data. */
  receivedAt: number;
  properties: Record<string, Scalar>;
  visitorProperties: Record<string, Scalar>;
}

/** A property value: events are flat maps of scalars. */
export type Scalar = string | number | boolean | null;
