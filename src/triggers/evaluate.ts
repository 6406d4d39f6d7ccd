/**
 * The trigger engine the partition runs on every ingested event (docs/triggers.md,
 * "Evaluation"): definitions are compiled once; each event updates only the leaves indexed by
 * its name (plus runs' event numbers and visitor-property tests), and only the triggers whose
 * `when` names the event are tested for a transition into their segment.
 */
import type { FlamEvent, PropertyValue } from "../flam/index.ts";
import { compileFilter, type EventPredicate } from "../query/match-event.ts";
import { compileConstraint, type Holds, type Update, type VisitorLeaf } from "./compile.ts";
import type { Action, Frequency, SegmentDef, TriggerDef } from "./spec.ts";
import type { DefState, Slot, VisitorState } from "./state.ts";

/** `live`: fire and count against frequencies. `backfill`: replaying history, never fires. */
export type Mode = "live" | "backfill";

/** A trigger that fired for an event. */
export interface Fired {
  /** The trigger's id. */
  trigger: string;
  version: number;
  name: string;
  actions: Action[];
  /** The id of the event that fired it. */
  event: string;
}

export interface StepResult {
  /** The state after the event: the state passed in, updated in place (or a new one). */
  state: VisitorState;
  /** Frozen and shared when empty. */
  fired: readonly Fired[];
}

/** What `step` reads of the visitor's profile: its properties after the event was applied. */
export interface ProfileView {
  properties: Readonly<Record<string, PropertyValue>>;
}

export interface Evaluator {
  /**
   * Folds one event of the visitor (in arrival order) into its state and answers the triggers
   * it fires. `profile` is the visitor's profile with this event already applied. Events whose
   * name starts with `$` change nothing and fire nothing. Updates `state` in place: clone it
   * first (`structuredClone`) to keep the old one.
   */
  step(state: VisitorState | null, event: FlamEvent, profile: ProfileView, mode: Mode): StepResult;
  /**
   * Ids of the definitions (segments and triggers) whose segment holds for the visitor at
   * `time` (windows end there; visitor properties as of the visitor's last event).
   */
  members(state: VisitorState | null, time: number): string[];
  /** Whether definition `id`'s segment holds for the visitor at `time`. */
  isMember(state: VisitorState | null, id: string, time: number): boolean;
  /** Drops one definition's state (before a changed definition is backfilled). */
  forget(state: VisitorState, id: string): VisitorState;
  /** Drops the state of every definition this evaluator does not know (deleted ones). */
  prune(state: VisitorState): VisitorState;
}

/** One definition, compiled. */
interface Def {
  id: string;
  version: number;
  holds: Holds;
  initial: Slot[];
  visitors: VisitorLeaf[];
  runs: boolean;
  /** The step that last changed this definition's state (a per-step mark, never stored). */
  touched: number;
  /** The step that last looked up `ds`, this definition's state in that step's visitor. */
  seen: number;
  ds: DefState | undefined;
  trigger?: {
    name: string;
    where: EventPredicate | undefined;
    frequency: Frequency;
    actions: Action[];
  };
}

const NONE: readonly Fired[] = Object.freeze([]);

/**
 * Compiles definitions into an evaluator. Each definition's state is its own (a referenced
 * segment is evaluated inside the referencing definition), so one definition can be forgotten
 * and backfilled with an evaluator of that definition alone, leaving the others untouched.
 *
 * @throws {RangeError} when two definitions share an id.
 * @example
 * const ev = createEvaluator({ triggers: [airline], segments: [] });
 * let state = null;
 * for (const e of events) {
 *   profile = applyEvent(profile, e);
 *   const r = ev.step(state, e, profile, "live");
 *   state = r.state; // r.fired: [{ trigger: airline.id, actions: [...], event: e.id, ... }]
 * }
 */
export function createEvaluator(defs: {
  triggers: readonly TriggerDef[];
  segments: readonly SegmentDef[];
}): Evaluator {
  const all: Def[] = [];
  const byId = new Map<string, Def>();
  const byWhen = new Map<string, Def[]>();
  const byDid = new Map<string, { def: Def; update: Update }[]>();
  /** Definitions every event changes: runs count events, visitor tests re-read the profile. */
  const everyEvent: Def[] = [];
  /** Triggers with `oncePer: "visit"`: every event may start a new visit. */
  const visits: Def[] = [];
  const triggers: Def[] = [];
  let steps = 0;

  const add = (def: Def, updates: Map<string, Update[]>): void => {
    if (byId.has(def.id) || def.id === "__proto__")
      throw new RangeError(`definition id ${JSON.stringify(def.id)} is used twice or reserved`);
    byId.set(def.id, def);
    all.push(def);
    for (const [name, list] of updates)
      for (const update of list) push(byDid, name, { def, update });
    if (def.runs || def.visitors.length > 0) everyEvent.push(def);
  };
  for (const s of defs.segments) {
    const c = compileConstraint(s.definition);
    add({ id: s.id, version: s.version, touched: 0, seen: 0, ds: undefined, ...c }, c.updates);
  }
  for (const t of defs.triggers) {
    const c = compileConstraint(t.segment);
    const def: Def = {
      id: t.id,
      version: t.version,
      touched: 0,
      seen: 0,
      ds: undefined,
      ...c,
      trigger: {
        name: t.name,
        where: t.when.where && compileFilter(t.when.where),
        frequency: t.frequency,
        actions: t.actions,
      },
    };
    add(def, c.updates);
    triggers.push(def);
    push(byWhen, t.when.event, def);
    if ("oncePer" in t.frequency && t.frequency.oncePer === "visit") visits.push(def);
  }

  const step = (
    state: VisitorState | null,
    event: FlamEvent,
    profile: ProfileView,
    mode: Mode,
  ): StepResult => {
    const st = state ?? { d: {} };
    // System events ($tag, ...) are the engine's own output: evaluating them could loop.
    if (event.name.charCodeAt(0) === 36 /* $ */) return { state: st, fired: NONE };
    const t = event.time;
    const epoch = ++steps;

    // 1. Arming: a candidate that acted before is armed again if its segment no longer holds
    // at this event's time (a window may have emptied since the last event).
    const candidates = byWhen.get(event.name);
    let tested: Def[] | undefined;
    if (candidates !== undefined)
      for (const def of candidates) {
        if (def.trigger!.where !== undefined && !def.trigger!.where(event)) continue;
        (tested ??= []).push(def);
        const ds = stateOf(st, def);
        if (ds.i === 1 && !def.holds(ds, t, ds.q ?? 0)) ds.i = 0;
      }

    // 2. Event numbers, visits and visitor-property tests.
    for (const def of everyEvent) {
      def.touched = epoch;
      const ds = stateOf(st, def);
      if (def.runs) ds.q = (ds.q ?? 0) + 1;
      const s = ds.s;
      for (const leaf of def.visitors)
        s[leaf.slot] = leaf.test(own(profile.properties, leaf.key)) ? 1 : 0;
    }
    for (const def of visits) {
      const ds = stateOf(st, def);
      const gap = (def.trigger!.frequency as { gap: number }).gap;
      if (ds.t === undefined || t - ds.t >= gap) ds.u = t; // a new visit starts
      if (ds.t === undefined || t > ds.t) ds.t = t;
    }

    // 3. The leaves that read this event's name.
    const updates = byDid.get(event.name);
    if (updates !== undefined)
      for (const u of updates) {
        u.def.touched = epoch;
        u.update(stateOf(st, u.def), event);
      }

    // 4. Arming: a trigger this event changed is armed again if its segment stopped holding.
    for (const def of triggers) {
      if (def.touched !== epoch) continue;
      const ds = stateOf(st, def);
      if (ds.i === 1 && !def.holds(ds, t, ds.q ?? 0)) ds.i = 0;
    }

    // 5. Firing: an armed candidate whose segment holds, within its frequency.
    if (tested === undefined) return { state: st, fired: NONE };
    let fired: Fired[] | undefined;
    for (const def of tested) {
      const ds = stateOf(st, def);
      if (ds.i === 1 || !def.holds(ds, t, ds.q ?? 0)) continue;
      ds.i = 1; // acted on, even when the frequency or backfill mode holds the firing back
      const trigger = def.trigger!;
      if (mode !== "live" || !allows(trigger.frequency, ds, t)) continue;
      ds.f = t;
      (fired ??= []).push({
        trigger: def.id,
        version: def.version,
        name: trigger.name,
        actions: trigger.actions,
        event: event.id,
      });
    }
    return { state: st, fired: fired ?? NONE };
  };

  /**
   * The definition's state, created (or started over for a new version) when needed; looked up
   * once per step (`def.seen`), as a state of 100 definitions is a dictionary-mode object.
   */
  const stateOf = (st: VisitorState, def: Def): DefState => {
    if (def.seen === steps) return def.ds!;
    let ds = st.d[def.id];
    if (ds === undefined || ds.v !== def.version) st.d[def.id] = ds = fresh(def);
    def.seen = steps;
    def.ds = ds;
    return ds;
  };

  const holdsAt = (state: VisitorState | null, def: Def, time: number): boolean => {
    const stored = state?.d[def.id];
    const ds = stored !== undefined && stored.v === def.version ? stored : fresh(def);
    return def.holds(ds, time, ds.q ?? 0);
  };

  return {
    step,
    members: (state, time) => all.filter((def) => holdsAt(state, def, time)).map((d) => d.id),
    isMember: (state, id, time) => {
      const def = byId.get(id);
      return def !== undefined && holdsAt(state, def, time);
    },
    forget: (state, id) => {
      delete state.d[id];
      return state;
    },
    prune: (state) => {
      for (const id of Object.keys(state.d)) if (!byId.has(id)) delete state.d[id];
      return state;
    },
  };
}

function allows(frequency: Frequency, ds: DefState, t: number): boolean {
  if ("everyTime" in frequency) return true;
  if ("atMostEvery" in frequency) return ds.f === undefined || t - ds.f >= frequency.atMostEvery;
  if (frequency.oncePer === "visit") return ds.f === undefined || ds.f < ds.u!;
  return ds.f === undefined; // oncePer visitor
}

function fresh(def: Def): DefState {
  return { v: def.version, s: def.initial.map(copySlot) };
}

function copySlot(slot: Slot): Slot {
  if (typeof slot === "number") return slot;
  return Array.isArray(slot) ? [...slot] : { ...slot };
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}

function own(map: Readonly<Record<string, PropertyValue>>, key: string): PropertyValue | undefined {
  return Object.hasOwn(map, key) ? map[key] : undefined;
}
