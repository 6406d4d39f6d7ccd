/**
 * Validated trigger and segment definitions (docs/triggers.md): what `parseTrigger` and
 * `parseSegment` return. Plain JSON-able data, close to the JSON a user writes: durations are
 * milliseconds, filter times epoch ms, and `{"segment": name}` references carry the referenced
 * segment's definition, so a definition is a self-contained snapshot.
 */
import type { Filter, LeafOp, Scalar } from "../query/index.ts";

/** `{"visitor": "booked", "op": "eq", "value": true}`: a condition on a current profile property. */
export interface VisitorConstraint {
  visitor: string;
  op: LeafOp;
  value: Scalar | Scalar[];
}

export type CountKind = "atLeast" | "atMost" | "exactly";

/** `{"did": "purchase", "atLeast": 3, "within": "30d"}`: how often the visitor did an action. */
export interface CountConstraint {
  did: string;
  where?: Filter;
  count: CountKind;
  n: number;
  /** Window in ms, ending at the current event's time; absent: all of the visitor's history. */
  within?: number;
}

/** `{"did": "search", "inARow": 4, "sameValue": "deal"}`: the visitor's last n events. */
export interface RunConstraint {
  did: string;
  where?: Filter;
  inARow: number;
  sameValue?: string;
}

/** `{"segment": "frequent flyers"}`, with the segment's definition at the time of parsing. */
export interface SegmentRef {
  segment: string;
  definition: Constraint;
}

export type Constraint =
  | VisitorConstraint
  | CountConstraint
  | RunConstraint
  | SegmentRef
  | { all: Constraint[] }
  | { any: Constraint[] }
  | { not: Constraint };

/** When a trigger may fire (on a transition into its segment). Durations in ms. */
export type Frequency =
  | { oncePer: "visitor" }
  | { oncePer: "visit"; gap: number }
  | { atMostEvery: number }
  | { everyTime: true };

export type Action =
  /** Returned in the ingest answer to the beacon that sent the event. */
  | { type: "inPage"; payload: Record<string, unknown> }
  /** Delivered from the partition's outbox, signed with HMAC-SHA256 over the body. */
  | { type: "webhook"; url: string; secret: string }
  /** Sets visitor properties (the plumbing appends a `$tag` event carrying them). */
  | { type: "tag"; set: Record<string, Scalar> };

/** The event that can fire a trigger. */
export interface When {
  event: string;
  where?: Filter;
}

export interface TriggerSpec {
  name: string;
  when: When;
  segment: Constraint;
  frequency: Frequency;
  actions: Action[];
}

export interface SegmentSpec {
  name: string;
  definition: Constraint;
}

/** Identity the caller (the definitions API) gives a definition; never read from its JSON. */
export interface Identity {
  id: string;
  /** Increases whenever the definition (or a segment it references) changes. */
  version: number;
}

export type TriggerDef = TriggerSpec & Identity;
export type SegmentDef = SegmentSpec & Identity;
