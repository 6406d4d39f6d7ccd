// The evaluator re-tests only what an event can change (docs/triggers.md, "Cost"). These tests
// hold it to the plain reading of "When a trigger fires": every event re-tests every trigger
// over the visitor's whole history, with no state at all.
import { describe, expect, it } from "vitest";
import type { FlamEvent, PropertyValue } from "../flam/index.ts";
import { compileFilter, valueTest } from "../query/match-event.ts";
import { createEvaluator } from "./evaluate.ts";
import type { Constraint, TriggerDef } from "./spec.ts";
import type { VisitorState } from "./state.ts";
import { defs, ev, Visitor, visitorOf } from "./visitor-sim.test-helper.ts";

function holds(
  c: Constraint,
  history: readonly FlamEvent[],
  profile: Record<string, PropertyValue>,
  t: number,
): boolean {
  if ("all" in c) return c.all.every((x) => holds(x, history, profile, t));
  if ("any" in c) return c.any.some((x) => holds(x, history, profile, t));
  if ("not" in c) return !holds(c.not, history, profile, t);
  if ("segment" in c) return holds(c.definition, history, profile, t);
  if ("visitor" in c)
    return valueTest(
      c.op,
      c.value,
    )(Object.hasOwn(profile, c.visitor) ? profile[c.visitor] : undefined);
  const where = c.where && compileFilter(c.where);
  const matches = (e: FlamEvent) => e.name === c.did && (where === undefined || where(e));
  if ("inARow" in c) {
    const last = history.slice(-c.inARow);
    if (last.length < c.inARow || !last.every(matches)) return false;
    if (c.sameValue === undefined) return true;
    const p = c.sameValue;
    if (!last.every((e) => Object.hasOwn(e.properties, p))) return false;
    return new Set(last.map((e) => JSON.stringify(e.properties[p]))).size === 1;
  }
  const within = c.within;
  const n = history.filter(
    (e) => matches(e) && (within === undefined || e.time >= t - within),
  ).length;
  return c.count === "atLeast" ? n >= c.n : c.count === "atMost" ? n <= c.n : n === c.n;
}

/** The triggers each event fires, by rescanning the history at every event. */
function reference(triggers: TriggerDef[], events: FlamEvent[]): string[][] {
  const history: FlamEvent[] = [];
  let profile: Record<string, PropertyValue> = {};
  const acted = new Map<string, boolean>();
  const last = new Map<string, number>();
  const visits = new Map<string, { max: number; start: number }>();
  return events.map((e) => {
    const before = profile;
    profile = { ...profile, ...e.visitorProperties };
    if (e.name.startsWith("$")) return [];
    const t = e.time;
    const when = triggers.filter(
      (d) => d.when.event === e.name && (!d.when.where || compileFilter(d.when.where)(e)),
    );
    for (const d of when) if (!holds(d.segment, history, before, t)) acted.set(d.id, false);
    history.push(e);
    for (const d of triggers) {
      if (!holds(d.segment, history, profile, t)) acted.set(d.id, false);
      const f = d.frequency;
      if ("oncePer" in f && f.oncePer === "visit") {
        const v = visits.get(d.id);
        if (v === undefined) visits.set(d.id, { max: t, start: t });
        else {
          if (t - v.max >= f.gap) v.start = t;
          v.max = Math.max(v.max, t);
        }
      }
    }
    const fired: string[] = [];
    for (const d of when) {
      if (acted.get(d.id) === true || !holds(d.segment, history, profile, t)) continue;
      acted.set(d.id, true);
      const f = d.frequency;
      const at = last.get(d.id);
      const allowed =
        "everyTime" in f ||
        at === undefined ||
        ("atMostEvery" in f && t - at >= f.atMostEvery) ||
        ("oncePer" in f && f.oncePer === "visit" && at < visits.get(d.id)!.start);
      if (!allowed) continue;
      last.set(d.id, t);
      fired.push(d.id);
    }
    return fired;
  });
}

/** Deterministic xorshift32 in [0, 1). */
function random(seed: number): () => number {
  let x = seed;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

const SEGMENTS: unknown[] = [
  { did: "a", inARow: 2, sameValue: "x" },
  { all: [{ did: "a", inARow: 3 }, { not: { visitor: "plan", op: "eq", value: "pro" } }] },
  { did: "b", atLeast: 2, within: "10m" },
  { did: "b", where: { field: "x", op: "gte", value: 1 }, atMost: 1, within: "5m" },
  {
    all: [
      { did: "c", exactly: 1, within: "3m" },
      { visitor: "plan", op: "ne", value: "free" },
    ],
  },
  {
    any: [
      { did: "b", atLeast: 3 },
      { visitor: "plan", op: "in", value: ["pro", "team"] },
    ],
  },
  {
    any: [
      { did: "a", inARow: 2, where: { field: "x", op: "eq", value: 0 } },
      { did: "c", atLeast: 1, within: "2m" },
    ],
  },
];
const FREQUENCIES: unknown[] = [
  { everyTime: true },
  { oncePer: "visitor" },
  { oncePer: "visit", gap: "4m" },
  { atMostEvery: "6m" },
];

/** Events of one visitor: mostly in time order, some late, some system events. */
function stream(rnd: () => number, n: number): FlamEvent[] {
  let minute = 0;
  return Array.from({ length: n }, () => {
    minute += Math.floor(rnd() * 3);
    const late = rnd() < 0.05 ? Math.floor(rnd() * 10) : 0;
    const r = rnd();
    const name = r < 0.05 ? "$tag" : r < 0.4 ? "a" : r < 0.65 ? "b" : r < 0.85 ? "c" : "d";
    const props: Record<string, PropertyValue> = rnd() < 0.9 ? { x: Math.floor(rnd() * 3) } : {};
    const plans = ["pro", "free", "team"];
    const profile: Record<string, PropertyValue> =
      rnd() < 0.1 ? { plan: plans[Math.floor(rnd() * 3)]! } : {};
    return ev(name, props, minute - late, profile);
  });
}

describe("incremental evaluation", () => {
  it("fires exactly as re-testing every trigger over the whole history at every event", () => {
    const rnd = random(7);
    for (let round = 0; round < 60; round++) {
      const json = Array.from({ length: 6 }, (_, i) => ({
        name: `t${i}`,
        when: { event: ["a", "b", "c", "d"][Math.floor(rnd() * 4)] },
        segment: SEGMENTS[Math.floor(rnd() * SEGMENTS.length)],
        frequency: FREQUENCIES[Math.floor(rnd() * FREQUENCIES.length)],
        actions: [{ type: "inPage", payload: {} }],
      }));
      const d = defs(json);
      const events = stream(rnd, 120);
      const v = new Visitor(createEvaluator(d));
      const got = events.map((e, i) => {
        // A JSON round trip now and then: the state alone must carry what the next event needs.
        if (i % 17 === 16) v.state = JSON.parse(JSON.stringify(v.state)) as VisitorState;
        return v.send(e);
      });
      expect(got).toEqual(reference(d.triggers, events));
    }
  });

  it("a window emptying at an unrelated event arms the trigger, even if it fills again before the when event", () => {
    const v = visitorOf([
      {
        name: "t",
        when: { event: "ping" },
        segment: { did: "buy", atLeast: 1, within: "10m" },
        frequency: { everyTime: true },
        actions: [{ type: "inPage", payload: {} }],
      },
    ]);
    v.send(ev("buy", {}, 0));
    expect(v.send(ev("ping", {}, 1))).toEqual(["t0"]);
    v.send(ev("view", {}, 20)); // the buy is 20 minutes old: out of the segment
    v.send(ev("buy", {}, 21));
    expect(v.send(ev("ping", {}, 22))).toEqual(["t0"]);
  });

  it("backfilling one definition keeps the others' runs intact", () => {
    const run = {
      name: "run",
      when: { event: "a" },
      segment: { did: "a", inARow: 3 },
      frequency: { everyTime: true },
      actions: [{ type: "inPage", payload: {} }],
    };
    const d = defs([run, { ...run, segment: { did: "a", atLeast: 1 } }]);
    const live = new Visitor(createEvaluator(d));
    const history = [ev("a", {}, 0), ev("a", {}, 1)];
    live.sendAll(history);
    const t1v2 = { ...d.triggers[1]!, version: 2 };
    const backfill = createEvaluator({ triggers: [t1v2], segments: [] });
    for (const e of history) backfill.step(live.state, e, { properties: {} }, "backfill");
    const next = new Visitor(createEvaluator({ triggers: [d.triggers[0]!, t1v2], segments: [] }));
    next.state = live.state;
    expect(next.send(ev("a", {}, 2))).toEqual(["t0"]);
  });

  it("a state from before the shared part existed starts over, keeping the last firing time", () => {
    const d = defs([
      {
        name: "t",
        when: { event: "a" },
        segment: { did: "a", atLeast: 1 },
        frequency: { atMostEvery: "1h" },
        actions: [{ type: "inPage", payload: {} }],
      },
    ]);
    const old = { d: { t0: { v: 1, s: [{ n: 3, q: 7, k: "" }], q: 7, f: ev("a").time, i: 1 } } };
    const v = new Visitor(createEvaluator(d));
    v.state = old as unknown as VisitorState;
    expect(v.send(ev("a", {}, 30))).toEqual([]); // within the hour of the kept firing
    expect(v.state!.d.t0!.s).toEqual([1]); // counted again from this event
  });
});
