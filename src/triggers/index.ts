/**
 * Real-time segments and triggers (docs/triggers.md): pure, no platform. The partition parses
 * definitions with `parseTrigger` / `parseSegment`, keeps one `VisitorState` per visitor, and
 * calls `createEvaluator(...).step` on every ingested event.
 */
export type {
  Action,
  Constraint,
  CountConstraint,
  CountKind,
  Frequency,
  Identity,
  RunConstraint,
  SegmentDef,
  SegmentRef,
  SegmentSpec,
  TriggerDef,
  TriggerSpec,
  VisitorConstraint,
  When,
} from "./spec.ts";
export type { DefState, RunSlot, Slot, VisitorState } from "./state.ts";
export { DefinitionError } from "./errors.ts";
export {
  parseSegment,
  parseTrigger,
  referencedSegments,
  type SegmentsByName,
} from "./definition.ts";
export { parseDuration } from "./duration.ts";
export {
  createEvaluator,
  type Evaluator,
  type Fired,
  type Mode,
  type ProfileView,
  type StepResult,
} from "./evaluate.ts";
export * as triggerLimits from "./limits.ts";
