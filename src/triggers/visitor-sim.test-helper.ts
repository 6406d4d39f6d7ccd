/**
 * A visitor for the tests: feeds events through an evaluator as the partition does (profile
 * folded first, then `step`), and answers which triggers each event fired.
 */
import type { FlamEvent, PropertyValue } from "../flam/index.ts";
import { parseSegment, parseTrigger } from "./definition.ts";
import { createEvaluator, type Evaluator, type Mode } from "./evaluate.ts";
import type { SegmentDef, TriggerDef } from "./spec.ts";
import type { VisitorState } from "./state.ts";
import { AIRLINE_TRIGGER } from "./examples.ts";

/** The seed's airline trigger (issue 5), exactly as written there. */
export const AIRLINE = AIRLINE_TRIGGER;

export const T0 = Date.parse("2026-03-01T09:00:00Z");
export const MIN = 60_000;

let ids = 0;

/** An event of visitor v1 at `T0 + minute` minutes. */
export function ev(
  name: string,
  properties: Record<string, PropertyValue> = {},
  minute = 0,
  visitorProperties: Record<string, PropertyValue> = {},
): FlamEvent {
  const time = T0 + minute * MIN;
  return {
    id: `e${++ids}`,
    visitor: "v1",
    name,
    time,
    receivedAt: time,
    properties,
    visitorProperties,
  };
}

/** Definitions from JSON: segments first (in order, each may reference the earlier ones). */
export function defs(
  triggers: unknown[],
  segments: unknown[] = [],
): { triggers: TriggerDef[]; segments: SegmentDef[] } {
  const byName = new Map<string, SegmentDef>();
  const segs = segments.map((json, i) => {
    const s = { ...parseSegment(json, byName), id: `s${i}`, version: 1 };
    byName.set(s.name, s);
    return s;
  });
  return {
    triggers: triggers.map((json, i) => ({
      ...parseTrigger(json, byName),
      id: `t${i}`,
      version: 1,
    })),
    segments: segs,
  };
}

export class Visitor {
  state: VisitorState | null = null;
  properties: Record<string, PropertyValue> = {};

  readonly evaluator: Evaluator;

  constructor(evaluator: Evaluator) {
    this.evaluator = evaluator;
  }

  /** Ids of the triggers the event fired. */
  send(event: FlamEvent, mode: Mode = "live"): string[] {
    this.properties = { ...this.properties, ...event.visitorProperties };
    const r = this.evaluator.step(this.state, event, { properties: this.properties }, mode);
    this.state = r.state;
    for (const f of r.fired) if (f.event !== event.id) throw new Error("fired for another event");
    return r.fired.map((f) => f.trigger);
  }

  /** For each event, the ids it fired. */
  sendAll(events: FlamEvent[], mode: Mode = "live"): string[][] {
    return events.map((e) => this.send(e, mode));
  }
}

/** A visitor of a fresh evaluator over the definitions. */
export function visitorOf(triggers: unknown[], segments: unknown[] = []): Visitor {
  return new Visitor(createEvaluator(defs(triggers, segments)));
}
