/**
 * A visitor's evaluation state: derived data, a function of the visitor's events in log order
 * for each definition (rebuildable by replaying the log in `backfill` mode). Plain JSON, so the
 * partition stores it as text; bounded: one slot per leaf constraint, and a window keeps at most
 * n + 1 times.
 */

/**
 * A run (`inARow`): length so far (capped at n), the id of the event that extended it last (the
 * run is intact only if that is the visitor's latest event, `VisitorState.e`; null before its
 * first), and the key of its `sameValue` (JSON text of the value, or `#` and a hash when that text
 * is long).
 */
export interface RunSlot {
  n: number;
  e: string | null;
  k: string;
}

/**
 * One leaf's state: a count (counter), a window's times (newest first, at most n + 1), or a run.
 * Visitor-property leaves keep none: they read the visitor's `p`.
 */
export type Slot = number | number[] | RunSlot;

/** The state of one definition for one visitor. */
export interface DefState {
  /** The definition version it was computed for; another version starts over. */
  v: number;
  /** One per count, window or run leaf, in the definition's depth-first order. */
  s: Slot[];
  /** Event time of the last firing counting against the frequency (live mode only). */
  f?: number;
  /**
   * Triggers only: 1 when the segment held at a `when` event (the trigger fired, or would have
   * but for its frequency or backfill mode) and has held at every event seen since; 0 (or
   * absent) as soon as an event sees the segment not holding, which arms the trigger again.
   */
  i?: 0 | 1;
}

/**
 * Everything the evaluator keeps for one visitor: by definition id, and what the definitions
 * share, which depends on the visitor's events alone (so any evaluator stepping the visitor,
 * a backfill's included, keeps it right).
 */
export interface VisitorState {
  d: Record<string, DefState>;
  /** Id and name of the visitor's latest event (absent before the first one). */
  e?: string;
  n?: string;
  /**
   * Results of the visitor-property tests (1 or 0) on the profile at the latest event, by
   * test key (property, operator and value as JSON); absent: the result on an empty profile.
   */
  p?: Record<string, 0 | 1>;
  /** Per `oncePer: "visit"` gap (ms, as text): the largest event time seen and the current visit's start. */
  g?: Record<string, [number, number]>;
}
