/**
 * The trigger engine the partition runs on every ingested event (docs/triggers.md,
 * "Evaluation"): definitions are compiled once; each event updates only the leaves indexed by
 * its name, re-tests only the triggers it may have moved out of their segment (docs/triggers.md,
 * "Cost"), and tests for a transition only the triggers whose `when` names the event.
 */
import type { FlamEvent, PropertyValue } from "../flam/index.ts";
import {
  compileConstraint,
  expiry,
  type CompiledConstraint,
  type Holds,
  type LeafUpdate,
} from "./compile.ts";
import type { Action, Frequency, SegmentDef, TriggerDef } from "./spec.ts";
import type { DefState, Slot, VisitorState } from "./state.ts";
import { Shared, type PerEvent, type StepContext } from "./step-context.ts";

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
  windows: CompiledConstraint["windows"];
  /** The step that last put it on the list to re-test (a per-step mark, never stored). */
  touched: number;
  /** The step that last looked up `ds`, this definition's state in that step's visitor. */
  seen: number;
  ds: DefState | undefined;
  trigger: TriggerPart | undefined;
}

interface TriggerPart {
  name: string;
  where: PerEvent<boolean> | undefined;
  frequency: Frequency;
  /** `oncePer: "visit"`: the key of its gap in `VisitorState.g`. */
  gap: string | undefined;
  actions: Action[];
}

/**
 * What an evaluator remembers of the last state object it stepped, in memory only (so it is
 * lost with a JSON round trip or a clone, and then rebuilt): for event times in `lo..hi`, no
 * disarmed trigger's windows can change by time alone, so none needs re-testing. `pruned`: the
 * state holds only definitions the evaluator knows.
 */
interface Hint {
  owner: object;
  lo: number;
  hi: number;
  pruned: boolean;
}

/** The evaluator that last stepped or pruned each state object, and what it knows of it. */
const hints = new WeakMap<VisitorState, Hint>();

/** The hint of an evaluator without windowed triggers: never read. */
const NO_HINT: Hint = { owner: {}, lo: -Infinity, hi: Infinity, pruned: false };

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
  const shared = new Shared();
  const all: Def[] = [];
  const byId = new Map<string, Def>();
  /** Triggers by `when` event name. */
  const byWhen = new Map<string, Def[]>();
  /** Leaf updates by `did` name, with their definitions. */
  const byDid = new Map<string, (LeafUpdate & { def: Def })[]>();
  /** Triggers with a run of that `did` name: the event after one of that name may break it. */
  const runsOf = new Map<string, Def[]>();
  /** Triggers reading each visitor test (by test index). */
  const testReaders: Def[][] = [];
  /** Triggers with windows: their segment can stop holding as time passes. */
  const windowed: Def[] = [];
  /** The gaps of `oncePer: "visit"` triggers (ms), each once, and their keys. */
  const gaps = new Map<string, number>();
  const owner = {};
  let steps = 0;

  const add = (
    id: string,
    version: number,
    c: CompiledConstraint,
    trigger: TriggerPart | undefined,
  ): Def => {
    if (byId.has(id) || id === "__proto__")
      throw new RangeError(`definition id ${JSON.stringify(id)} is used twice or reserved`);
    const def: Def = {
      id: internalized(id),
      version,
      holds: c.holds,
      initial: c.initial,
      windows: c.windows,
      touched: 0,
      seen: 0,
      ds: undefined,
      trigger,
    };
    byId.set(id, def);
    all.push(def);
    for (const [name, list] of c.updates)
      for (const u of list) push(byDid, name, { def, gate: u.gate, update: u.update });
    if (trigger !== undefined) {
      for (const name of c.runs) push(runsOf, name, def);
      for (const test of c.tests) (testReaders[test] ??= []).push(def);
      if (c.windows.length > 0) windowed.push(def);
    }
    return def;
  };
  for (const s of defs.segments)
    add(s.id, s.version, compileConstraint(s.definition, shared), undefined);
  for (const t of defs.triggers) {
    const f = t.frequency;
    const gap = "oncePer" in f && f.oncePer === "visit" ? String(f.gap) : undefined;
    if (gap !== undefined) gaps.set(gap, Number(gap));
    const def = add(t.id, t.version, compileConstraint(t.segment, shared), {
      name: t.name,
      where: t.when.where && shared.filter(t.when.where),
      frequency: f,
      gap,
      actions: t.actions,
    });
    push(byWhen, t.when.event, def);
  }
  const tests = shared.tests;
  const cx: StepContext = {
    epoch: 0,
    event: undefined as unknown as FlamEvent,
    t: 0,
    last: undefined,
    prev: undefined,
    tests: new Uint8Array(tests.length),
  };
  /** Triggers to re-test after this step's updates: the first `retests` (reused, never shrunk). */
  const retest: Def[] = [];
  let retests = 0;

  /** The definition's state in the step's visitor, or undefined when it has none yet. */
  const peek = (st: VisitorState, def: Def): DefState | undefined => {
    if (def.seen === steps) return def.ds;
    const ds = st.d[def.id];
    def.seen = steps;
    def.ds = ds !== undefined && ds.v === def.version ? ds : undefined;
    return def.ds;
  };

  /** The definition's state, created (or started over for a new version) when needed. */
  const stateOf = (st: VisitorState, def: Def): DefState => {
    let ds = peek(st, def);
    if (ds === undefined) st.d[def.id] = def.ds = ds = fresh(def);
    return ds;
  };

  /** This evaluator's hint on `st`; a new one (re-testing every windowed trigger) if another's. */
  const hintOf = (st: VisitorState): Hint => {
    let hint = hints.get(st);
    if (hint === undefined || hint.owner !== owner) {
      hint = { owner, lo: Infinity, hi: -Infinity, pruned: false };
      hints.set(st, hint);
    }
    return hint;
  };

  const touch = (def: Def): void => {
    if (def.touched === steps) return;
    def.touched = steps;
    if (retests < retest.length) retest[retests] = def;
    else retest.push(def);
    retests++;
  };

  /** A disarmed windowed trigger, tested at `t`: the hint keeps it until its windows change. */
  const narrow = (hint: Hint, def: Def, ds: DefState, t: number): void => {
    if (t > hint.lo) hint.lo = t;
    const at = expiry(def.windows, ds, t);
    if (at < hint.hi) hint.hi = at;
  };

  const step = (
    state: VisitorState | null,
    event: FlamEvent,
    profile: ProfileView,
    mode: Mode,
  ): StepResult => {
    const st = state ?? { d: {} };
    // System events ($tag, ...) are the engine's own output: evaluating them could loop.
    if (event.name.charCodeAt(0) === 36 /* $ */) return { state: st, fired: NONE };
    if (st.e === undefined) upgrade(st);
    if (all.length > FEW && Object.getPrototypeOf(st.d) !== null) st.d = dictionary(st.d);
    const t = event.time;
    const epoch = ++steps;
    cx.epoch = epoch;
    cx.event = event;
    cx.t = t;
    cx.last = st.e;
    cx.prev = st.e;
    const p = st.p;
    for (let i = 0; i < tests.length; i++) {
      const r = p === undefined ? undefined : p[tests[i]!.key];
      cx.tests[i] = r === undefined ? tests[i]!.initial : r;
    }
    const hint = windowed.length > 0 ? hintOf(st) : NO_HINT;

    // 1. Arming: a candidate that acted before is armed again if its segment no longer holds
    // at this event's time (a window may have emptied since the last event).
    const candidates = byWhen.get(event.name);
    let tested = false;
    if (candidates !== undefined)
      for (const def of candidates) {
        const where = def.trigger!.where;
        if (where !== undefined && !where(cx)) continue;
        tested = true;
        const ds = peek(st, def);
        if (ds !== undefined && ds.i === 1 && !def.holds(ds, cx)) ds.i = 0;
      }

    // 2. The visitor's latest event, visits, and visitor-property tests: a trigger reading a
    // test whose result changed is re-tested.
    cx.last = st.e = event.id;
    const previousName = st.n;
    st.n = event.name;
    if (gaps.size > 0) visit(st, t);
    for (let i = 0; i < tests.length; i++) {
      const test = tests[i]!;
      const r = test.test(own(profile.properties, test.property)) ? 1 : 0;
      if (r === cx.tests[i]) continue;
      cx.tests[i] = r;
      if (r === test.initial && st.p !== undefined) delete st.p[test.key];
      else (st.p ??= {})[test.key] = r;
      const readers = testReaders[i];
      if (readers !== undefined) for (const def of readers) touch(def);
    }

    // 3. The leaves this event changes, and the runs the previous event may have extended
    // (this one breaks them unless it extends them).
    const updates = byDid.get(event.name);
    if (updates !== undefined)
      for (const u of updates) {
        if (u.gate !== undefined && !u.gate(cx)) continue;
        u.update(stateOf(st, u.def), cx);
        if (u.def.trigger !== undefined) touch(u.def);
      }
    if (previousName !== undefined) {
      const broken = runsOf.get(previousName);
      if (broken !== undefined) for (const def of broken) touch(def);
    }
    // Windows change with the time alone: outside the hint's range, re-test every windowed one.
    if (windowed.length > 0 && (t < hint.lo || t > hint.hi)) {
      hint.lo = -Infinity;
      hint.hi = Infinity;
      for (const def of windowed) touch(def);
    }

    // 4. Arming: a trigger this event may have changed is armed again if its segment stopped
    // holding. The others hold as at their last test (docs/triggers.md, "Cost").
    for (let i = 0; i < retests; i++) {
      const def = retest[i]!;
      const ds = peek(st, def);
      if (ds === undefined || ds.i !== 1) continue;
      if (!def.holds(ds, cx)) ds.i = 0;
      else if (def.windows.length > 0) narrow(hint, def, ds, t);
    }
    retests = 0;

    // 5. Firing: an armed candidate whose segment holds, within its frequency.
    if (!tested) return { state: st, fired: NONE };
    let fired: Fired[] | undefined;
    for (const def of candidates!) {
      const trigger = def.trigger!;
      if (trigger.where !== undefined && !trigger.where(cx)) continue;
      const ds = stateOf(st, def);
      if (ds.i === 1 || !def.holds(ds, cx)) continue;
      ds.i = 1; // acted on, even when the frequency or backfill mode holds the firing back
      if (def.windows.length > 0) narrow(hint, def, ds, t);
      if (mode !== "live" || !allows(trigger, st, ds, t)) continue;
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

  /** Visits, per gap: an event `gap` or more after the latest one starts a new visit. */
  const visit = (st: VisitorState, t: number): void => {
    const g = (st.g ??= {});
    for (const [key, gap] of gaps) {
      const v = g[key];
      if (v === undefined) g[key] = [t, t];
      else {
        if (t - v[0] >= gap) v[1] = t; // a new visit starts
        if (t > v[0]) v[0] = t;
      }
    }
  };

  /**
   * A state written before the visitor's shared part existed (no `e`): its slots have another
   * layout, so each definition starts over, keeping its last firing time.
   */
  const upgrade = (st: VisitorState): void => {
    for (const id of Object.keys(st.d)) {
      const old = st.d[id]!;
      const def = byId.get(id);
      if (def === undefined || old.v !== def.version) delete st.d[id];
      else {
        const ds = fresh(def);
        if (old.f !== undefined) ds.f = old.f;
        st.d[id] = ds;
      }
    }
    delete st.p;
    delete st.g;
    hints.delete(st);
  };

  const holdsAt = (state: VisitorState | null, def: Def, time: number): boolean => {
    const current = state !== null && state.e !== undefined;
    const stored = current ? state.d[def.id] : undefined;
    const ds = stored !== undefined && stored.v === def.version ? stored : fresh(def);
    const values = new Uint8Array(tests.length);
    for (let i = 0; i < tests.length; i++) {
      const r = current ? state.p?.[tests[i]!.key] : undefined;
      values[i] = r === undefined ? tests[i]!.initial : r;
    }
    return def.holds(ds, {
      epoch: -1,
      event: cx.event,
      t: time,
      last: current ? state.e : undefined,
      prev: undefined,
      tests: values,
    });
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
      const hint = hints.get(state);
      if (hint !== undefined && hint.owner === owner && hint.pruned) return state;
      for (const id of Object.keys(state.d)) if (!byId.has(id)) delete state.d[id];
      if (state.p !== undefined)
        for (const key of Object.keys(state.p)) if (!shared.testIndex.has(key)) delete state.p[key];
      if (state.g !== undefined)
        for (const key of Object.keys(state.g)) if (!gaps.has(key)) delete state.g[key];
      if (hint !== undefined && hint.owner === owner) hint.pruned = true;
      else hints.set(state, { owner, lo: Infinity, hi: -Infinity, pruned: true });
      return state;
    },
  };
}

function allows(trigger: TriggerPart, st: VisitorState, ds: DefState, t: number): boolean {
  const frequency = trigger.frequency;
  if ("everyTime" in frequency) return true;
  if ("atMostEvery" in frequency) return ds.f === undefined || t - ds.f >= frequency.atMostEvery;
  if (trigger.gap !== undefined) return ds.f === undefined || ds.f < st.g![trigger.gap]![1];
  return ds.f === undefined; // oncePer visitor
}

/** Up to this many definitions, a visitor's states stay in an ordinary object (few hidden classes). */
const FEW = 8;

/**
 * The definitions' states in a dictionary-mode object (one without a prototype): each visitor
 * gets its definitions in its own order, and V8 would give each order its own hidden classes,
 * making every lookup by id megamorphic (about 500 ns each with 100 definitions).
 */
function dictionary(d: Record<string, DefState>): Record<string, DefState> {
  const out = Object.create(null) as Record<string, DefState>;
  for (const id of Object.keys(d)) out[id] = d[id]!;
  return out;
}

/** `id` as an internalized string (a property key), so lookups by it skip hashing it again. */
function internalized(id: string): string {
  return Object.keys({ [id]: 0 })[0]!;
}

function fresh(def: Def): DefState {
  const s = def.initial.map(copySlot);
  return def.trigger === undefined ? { v: def.version, s } : { v: def.version, s, i: 0 };
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
