/**
 * A visitor's evaluation state: derived data, a function of the visitor's events in log order
 * for each definition (rebuildable by replaying the log in `backfill` mode). Plain JSON, so the
 * partition stores it as text; bounded: one slot per leaf constraint, and a window keeps at most
 * n + 1 times.
 */

/**
 * A run (`inARow`): length so far (capped at n), the per-definition event number `q` of its
 * last event (the run is intact only if that was the visitor's latest event), and the key of
 * its `sameValue` (JSON text of the value, or `#` and a hash when that text is long).
 */
export interface RunSlot {
  n: number;
  q: number;
  k: string;
}

/**
 * One leaf's state: a count (counter), a visitor-property test's last result (1 or 0), a
 * window's times (newest first, at most n + 1), or a run.
 */
export type Slot = number | number[] | RunSlot;

/** The state of one definition for one visitor. */
export interface DefState {
  /** The definition version it was computed for; another version starts over. */
  v: number;
  /** One per leaf constraint, in the definition's depth-first order. */
  s: Slot[];
  /** Non-system events seen (only for definitions with runs). */
  q?: number;
  /** Largest event time seen, and the start of the current visit (only for `oncePer: "visit"`). */
  t?: number;
  u?: number;
  /** Event time of the last firing counting against the frequency (live mode only). */
  f?: number;
  /**
   * Triggers only: 1 when the segment held at a `when` event (the trigger fired, or would have
   * but for its frequency or backfill mode) and has held at every event seen since; 0 (or
   * absent) as soon as an event sees the segment not holding, which arms the trigger again.
   */
  i?: 0 | 1;
}

/** Everything the evaluator keeps for one visitor, by definition id. */
export interface VisitorState {
  d: Record<string, DefState>;
}
