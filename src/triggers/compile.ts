/**
 * Compiling a constraint tree into what the evaluator runs per event: one state slot per leaf,
 * a `holds` closure over the slots, and per-leaf updates indexed by the event name they read, so
 * an event touches only the leaves it can change (docs/triggers.md, "Evaluation").
 */
import type { FlamEvent, PropertyValue } from "../flam/index.ts";
import {
  compileFilter,
  valueTest,
  type EventPredicate,
  type ValueTest,
} from "../query/match-event.ts";
import type { Constraint, CountKind } from "./spec.ts";
import type { DefState, RunSlot, Slot } from "./state.ts";

/** Whether the segment holds on `ds` at time `t` (windows end there), `q` the event number. */
export type Holds = (ds: DefState, t: number, q: number) => boolean;

/** Updates one leaf's slot for an event of the leaf's `did` name. */
export type Update = (ds: DefState, event: FlamEvent) => void;

export interface VisitorLeaf {
  slot: number;
  key: string;
  test: ValueTest;
}

export interface CompiledConstraint {
  holds: Holds;
  /** A fresh definition state's slots (a visitor with no events): copy before use. */
  initial: Slot[];
  /** Updates by event name (`did`). */
  updates: Map<string, Update[]>;
  /** Visitor-property leaves: re-tested on every event against the profile. */
  visitors: VisitorLeaf[];
  /** Whether there is an `inARow` leaf (the state then counts events). */
  runs: boolean;
}

/**
 * Compiles a validated constraint.
 *
 * @example
 * const c = compileConstraint({ did: "purchase", count: "atLeast", n: 3 });
 * const ds = { v: 1, s: structuredClone(c.initial) };
 * for (const u of c.updates.get("purchase") ?? []) u(ds, purchaseEvent);
 * c.holds(ds, purchaseEvent.time, 0) // false: 1 of 3
 */
export function compileConstraint(c: Constraint): CompiledConstraint {
  const out: CompiledConstraint = {
    holds: () => false,
    initial: [],
    updates: new Map(),
    visitors: [],
    runs: false,
  };
  out.holds = node(c, out);
  return out;
}

function node(c: Constraint, out: CompiledConstraint): Holds {
  if ("all" in c) {
    const parts = c.all.map((x) => node(x, out));
    return (ds, t, q) => {
      for (const p of parts) if (!p(ds, t, q)) return false;
      return true;
    };
  }
  if ("any" in c) {
    const parts = c.any.map((x) => node(x, out));
    return (ds, t, q) => {
      for (const p of parts) if (p(ds, t, q)) return true;
      return false;
    };
  }
  if ("not" in c) {
    const inner = node(c.not, out);
    return (ds, t, q) => !inner(ds, t, q);
  }
  if ("segment" in c) return node(c.definition, out);
  const slot = out.initial.length;
  if ("visitor" in c) {
    const test = valueTest(c.op, c.value);
    // Before the first event the profile is empty: every property absent.
    out.initial.push(test(undefined) ? 1 : 0);
    out.visitors.push({ slot, key: c.visitor, test });
    return (ds) => ds.s[slot] === 1;
  }
  const where = c.where && compileFilter(c.where);
  if ("inARow" in c) {
    out.runs = true;
    out.initial.push({ n: 0, q: -1, k: "" });
    addUpdate(out, c.did, runUpdate(slot, c.inARow, where, c.sameValue));
    const n = c.inARow;
    return (ds, _t, q) => {
      const r = ds.s[slot] as RunSlot;
      return r.q === q && r.n >= n;
    };
  }
  const cmp = COUNT[c.count];
  const n = c.n;
  if (c.within === undefined) {
    out.initial.push(0);
    addUpdate(out, c.did, (ds, e) => {
      if (where === undefined || where(e)) (ds.s[slot] as number)++;
    });
    return (ds) => cmp(ds.s[slot] as number, n);
  }
  const within = c.within;
  out.initial.push([]);
  addUpdate(out, c.did, (ds, e) => {
    if (where === undefined || where(e)) insertTime(ds.s[slot] as number[], e.time, n + 1);
  });
  return (ds, t) => cmp(countSince(ds.s[slot] as number[], t - within), n);
}

const COUNT: Record<CountKind, (count: number, n: number) => boolean> = {
  atLeast: (c, n) => c >= n,
  atMost: (c, n) => c <= n,
  exactly: (c, n) => c === n,
};

function addUpdate(out: CompiledConstraint, name: string, update: Update): void {
  const list = out.updates.get(name);
  if (list === undefined) out.updates.set(name, [update]);
  else list.push(update);
}

/**
 * A matching event extends the run when the run is intact (its last event was the visitor's
 * previous one: `q` is already this event's number) and has the same key, else starts one of 1.
 * A non-matching event of the name (its `where` fails, or it lacks the `sameValue` property)
 * leaves the slot alone: the run is broken because its `q` falls behind, like for any event of
 * another name.
 */
function runUpdate(
  slot: number,
  n: number,
  where: EventPredicate | undefined,
  sameValue: string | undefined,
): Update {
  return (ds, e) => {
    if (where !== undefined && !where(e)) return;
    let k = "";
    if (sameValue !== undefined) {
      if (!Object.hasOwn(e.properties, sameValue)) return;
      k = valueKey(e.properties[sameValue]!);
    }
    const r = ds.s[slot] as RunSlot;
    const q = ds.q!;
    r.n = r.q === q - 1 && r.k === k ? Math.min(r.n + 1, n) : 1;
    r.q = q;
    r.k = k;
  };
}

/** Keys longer than this are hashed, so a run's state stays small whatever the values. */
const MAX_KEY = 64;

/**
 * A typed key of a property value: its JSON text (so `"42"` and `42` differ, and an array is
 * its text, as docs/query.md compares them), or `#` and a 53-bit hash of a longer text. JSON text
 * never starts with `#`, so the two forms cannot meet.
 */
export function valueKey(v: PropertyValue): string {
  const json = JSON.stringify(v);
  return json.length <= MAX_KEY ? json : `#${hash53(json).toString(36)}`;
}

/** cyrb53 (a public-domain string hash by bryc): 53 bits from two 32-bit multiply-xor lanes. */
function hash53(s: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
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
