/**
 * Compiling a constraint tree into what the evaluator runs per event: one state slot per count,
 * window or run leaf, a `holds` closure over the slots and the step's shared values, and per-leaf
 * updates indexed by the event name they read, so an event touches only the leaves it can change
 * (docs/triggers.md, "Evaluation"). Visitor-property leaves have no slot: they read the visitor's
 * shared test results ({@link StepContext.tests}).
 */
import type { Constraint, CountKind } from "./spec.ts";
import type { DefState, RunSlot, Slot } from "./state.ts";
import type { PerEvent, Shared, StepContext } from "./step-context.ts";

export { valueKey } from "./step-context.ts";

/** Whether the segment holds on `ds`, windows ending at `cx.t`, runs ending at `cx.last`. */
export type Holds = (ds: DefState, cx: StepContext) => boolean;

/** Updates one leaf's slot for an event of the leaf's `did` name. */
export type Update = (ds: DefState, cx: StepContext) => void;

/**
 * A leaf's update and the test that the event changes the leaf at all (its `where`, and for a
 * run its `sameValue` property being there), checked before the state is looked up.
 */
export interface LeafUpdate {
  gate: PerEvent<boolean> | undefined;
  update: Update;
}

/** A window leaf: its slot and length, for {@link expiry}. */
interface WindowLeaf {
  slot: number;
  within: number;
}

export interface CompiledConstraint {
  holds: Holds;
  /** A fresh definition state's slots (a visitor with no events): copy before use. */
  initial: Slot[];
  /** Updates by event name (`did`). */
  updates: Map<string, LeafUpdate[]>;
  /** Indexes of the visitor tests it reads (in the shared registry), each once. */
  tests: number[];
  /** The `did` names of its runs, each once: a run breaks at the event after its name's. */
  runs: string[];
  /** Its windows: their counts also change with the time alone. */
  windows: WindowLeaf[];
}

/**
 * Compiles a validated constraint, registering its visitor tests, filters and `sameValue` keys
 * in `shared`.
 *
 * @example
 * const c = compileConstraint({ did: "purchase", count: "atLeast", n: 3 }, new Shared());
 * const ds = { v: 1, s: structuredClone(c.initial) };
 * for (const u of c.updates.get("purchase") ?? []) u(ds, cx); // cx: the step's context
 * c.holds(ds, cx) // false: 1 of 3
 */
export function compileConstraint(c: Constraint, shared: Shared): CompiledConstraint {
  const out: CompiledConstraint = {
    holds: () => false,
    initial: [],
    updates: new Map(),
    tests: [],
    runs: [],
    windows: [],
  };
  out.holds = node(c, out, shared);
  return out;
}

function node(c: Constraint, out: CompiledConstraint, shared: Shared): Holds {
  if ("all" in c) {
    const parts = c.all.map((x) => node(x, out, shared));
    if (parts.length === 2) {
      const [a, b] = parts as [Holds, Holds];
      return (ds, cx) => a(ds, cx) && b(ds, cx);
    }
    return (ds, cx) => {
      for (const p of parts) if (!p(ds, cx)) return false;
      return true;
    };
  }
  if ("any" in c) {
    const parts = c.any.map((x) => node(x, out, shared));
    if (parts.length === 2) {
      const [a, b] = parts as [Holds, Holds];
      return (ds, cx) => a(ds, cx) || b(ds, cx);
    }
    return (ds, cx) => {
      for (const p of parts) if (p(ds, cx)) return true;
      return false;
    };
  }
  if ("not" in c) {
    const inner = node(c.not, out, shared);
    return (ds, cx) => !inner(ds, cx);
  }
  if ("segment" in c) return node(c.definition, out, shared);
  if ("visitor" in c) {
    const test = shared.test(c.visitor, c.op, c.value);
    if (!out.tests.includes(test)) out.tests.push(test);
    return (_ds, cx) => cx.tests[test] === 1;
  }
  const slot = out.initial.length;
  const where = c.where && shared.filter(c.where);
  if ("inARow" in c) {
    if (!out.runs.includes(c.did)) out.runs.push(c.did);
    out.initial.push({ n: 0, e: null, k: "" });
    const key = c.sameValue === undefined ? undefined : shared.sameValue(c.sameValue);
    const gate =
      key === undefined
        ? where
        : where === undefined
          ? (cx: StepContext) => key(cx) !== undefined
          : (cx: StepContext) => where(cx) && key(cx) !== undefined;
    addUpdate(out, c.did, gate, runUpdate(slot, c.inARow, key));
    const n = c.inARow;
    return (ds, cx) => {
      const r = ds.s[slot] as RunSlot;
      return r.e === cx.last && r.n >= n;
    };
  }
  const cmp = COUNT[c.count];
  const n = c.n;
  if (c.within === undefined) {
    out.initial.push(0);
    addUpdate(out, c.did, where, (ds) => (ds.s[slot] as number)++);
    return (ds) => cmp(ds.s[slot] as number, n);
  }
  const within = c.within;
  out.initial.push([]);
  out.windows.push({ slot, within });
  addUpdate(out, c.did, where, (ds, cx) =>
    insertTime(ds.s[slot] as number[], cx.event.time, n + 1),
  );
  return (ds, cx) => cmp(countSince(ds.s[slot] as number[], cx.t - within), n);
}

const COUNT: Record<CountKind, (count: number, n: number) => boolean> = {
  atLeast: (c, n) => c >= n,
  atMost: (c, n) => c <= n,
  exactly: (c, n) => c === n,
};

function addUpdate(
  out: CompiledConstraint,
  name: string,
  gate: PerEvent<boolean> | undefined,
  update: Update,
): void {
  const list = out.updates.get(name);
  if (list === undefined) out.updates.set(name, [{ gate, update }]);
  else list.push({ gate, update });
}

/**
 * A matching event extends the run when the run is intact (the visitor's previous event
 * extended it last) and has the same key, else starts one of 1. A non-matching event of the
 * name (its `where` fails, or it lacks the `sameValue` property: the gate) leaves the slot
 * alone: the run is broken because its last event is no longer the visitor's latest, like for
 * any event of another name.
 */
function runUpdate(
  slot: number,
  n: number,
  sameValue: PerEvent<string | undefined> | undefined,
): Update {
  return (ds, cx) => {
    const k = sameValue === undefined ? "" : sameValue(cx)!;
    const r = ds.s[slot] as RunSlot;
    r.n = r.e === cx.prev && r.k === k ? Math.min(r.n + 1, n) : 1;
    r.e = cx.last!;
    r.k = k;
  };
}

/**
 * The latest time up to which the windows of `ds` count as at `t` (no later event changing
 * them): a counted time `x` leaves a window `within` long once the window's end passes
 * `x + within`. Infinity when nothing counted can leave.
 */
export function expiry(windows: readonly WindowLeaf[], ds: DefState, t: number): number {
  let at = Infinity;
  for (const w of windows) {
    const times = ds.s[w.slot] as number[];
    const counted = countSince(times, t - w.within);
    if (counted > 0) at = Math.min(at, times[counted - 1]! + w.within);
  }
  return at;
}

/**
 * Inserts `t` into times kept newest first, keeping the `cap` newest. A window is "times >= start"
 * (upward closed), so the newest n + 1 times answer "at least / at most / exactly n" exactly for
 * any window end, late events included.
 */
function insertTime(times: number[], t: number, cap: number): void {
  let i = 0;
  while (i < times.length && times[i]! > t) i++;
  if (i >= cap) return;
  times.splice(i, 0, t);
  if (times.length > cap) times.length = cap;
}

/** Times >= start, in a list kept newest first. */
function countSince(times: readonly number[], start: number): number {
  let i = 0;
  while (i < times.length && times[i]! >= start) i++;
  return i;
}
