import { describe, expect, it } from "vitest";
import { createEvaluator } from "./evaluate.ts";
import type { VisitorState } from "./state.ts";
import { defs, ev, MIN, T0, Visitor, visitorOf } from "./visitor-sim.test-helper.ts";

/** A trigger on `when` with `segment`, firing every time (every transition). */
const trigger = (
  segment: unknown,
  when: unknown = { event: "ping" },
  frequency: unknown = { everyTime: true },
) => ({
  name: "t",
  when,
  segment,
  frequency,
  actions: [{ type: "inPage", payload: {} }],
});

const ping = (minute: number) => ev("ping", {}, minute);

describe("count constraints", () => {
  it("atLeast counts matching events of the name, before the when event fires", () => {
    const v = visitorOf([
      trigger({ did: "purchase", where: { field: "price", op: "gte", value: 100 }, atLeast: 2 }),
    ]);
    v.sendAll([ev("purchase", { price: 150 }, 0), ev("purchase", { price: 50 }, 1)]);
    expect(v.send(ping(2))).toEqual([]);
    v.send(ev("purchase", { price: 100 }, 3));
    expect(v.send(ping(4))).toEqual(["t0"]);
    expect(v.send(ping(5))).toEqual([]); // still in: no transition
  });

  it("a window drops an event older than within: atLeast 3 within 1h fails at 61 minutes", () => {
    const seg = { did: "search", atLeast: 3, within: "1h" };
    const v = visitorOf([trigger(seg, { event: "search" })]);
    expect(v.sendAll([ev("search", {}, 0), ev("search", {}, 30)]).flat()).toEqual([]);
    expect(v.send(ev("search", {}, 61))).toEqual([]); // the first is 61 minutes old
    expect(v.send(ev("search", {}, 62))).toEqual(["t0"]); // 30, 61, 62
    const w = visitorOf([trigger(seg, { event: "search" })]);
    w.sendAll([ev("search", {}, 0), ev("search", {}, 30)]);
    expect(w.send(ev("search", {}, 60))).toEqual(["t0"]); // exactly 60 minutes: inside
  });

  it("atMost holds from the start and fails past n; the first when event of a visitor already in fires", () => {
    const v = visitorOf([trigger({ did: "purchase", atMost: 1 })]);
    expect(v.send(ping(0))).toEqual(["t0"]);
    v.sendAll([ev("purchase", {}, 1), ev("purchase", {}, 2)]);
    expect(v.send(ping(3))).toEqual([]);
    expect(v.evaluator.isMember(v.state, "t0", T0 + 3 * MIN)).toBe(false);
  });

  it("atMost within a window: the visitor re-enters when old events leave it", () => {
    const v = visitorOf([trigger({ did: "purchase", atMost: 1, within: "10m" })]);
    v.send(ping(0)); // fires: in from the start
    v.sendAll([ev("purchase", {}, 1), ev("purchase", {}, 2)]);
    expect(v.send(ping(3))).toEqual([]);
    // By minute 20 both purchases left the window: the visitor is back in, and the ping acts.
    expect(v.send(ping(20))).toEqual(["t0"]);
    expect(v.evaluator.isMember(v.state, "t0", T0 + 20 * MIN)).toBe(true);
  });

  it("exactly n holds at n only", () => {
    const v = visitorOf([trigger({ did: "purchase", exactly: 2 }, { event: "purchase" })]);
    expect(v.sendAll([0, 1, 2].map((m) => ev("purchase", {}, m)))).toEqual([[], ["t0"], []]);
    expect(v.evaluator.members(v.state, T0 + 2 * MIN)).toEqual([]);
  });
});

describe("runs", () => {
  it("inARow without sameValue counts consecutive events of the name", () => {
    const v = visitorOf([trigger({ did: "search", inARow: 2 }, { event: "search" })]);
    expect(v.sendAll([ev("search", { a: 1 }, 0), ev("search", { a: 2 }, 1)])).toEqual([[], ["t0"]]);
  });

  it("an event failing the run's where breaks it", () => {
    const seg = {
      did: "search",
      where: { field: "cabin", op: "eq", value: "business" },
      inARow: 2,
    };
    const v = visitorOf([trigger(seg, { event: "search" })]);
    const events = [
      ev("search", { cabin: "business" }, 0),
      ev("search", { cabin: "economy" }, 1),
      ev("search", { cabin: "business" }, 2),
    ];
    expect(v.sendAll(events).flat()).toEqual([]);
    expect(v.send(ev("search", { cabin: "business" }, 3))).toEqual(["t0"]);
  });

  it("long sameValue values compare by hash and stay small in the state", () => {
    const long = "x".repeat(10_000);
    const v = visitorOf([
      trigger({ did: "search", inARow: 2, sameValue: "q" }, { event: "search" }),
    ]);
    v.send(ev("search", { q: long }, 0));
    expect(v.send(ev("search", { q: `${long}y` }, 1))).toEqual([]);
    expect(v.send(ev("search", { q: `${long}y` }, 2))).toEqual(["t0"]);
    expect(JSON.stringify(v.state).length).toBeLessThan(200);
  });
});

describe("visitor-property constraints, any and not", () => {
  it("reads the profile after the event, with query operators", () => {
    const v = visitorOf([
      trigger({ visitor: "plan", op: "in", value: ["pro", "team"] }, { event: "upgrade" }),
    ]);
    expect(v.send(ev("upgrade", {}, 0, { plan: "pro" }))).toEqual(["t0"]);
    const w = visitorOf([trigger({ visitor: "plan", op: "eq", value: "pro" })]);
    // The identify event moves the visitor in; the trigger acts at its next when event.
    expect(w.send(ev("identify", {}, 0, { plan: "pro" }))).toEqual([]);
    expect(w.send(ping(1))).toEqual(["t0"]);
    expect(w.send(ping(2))).toEqual([]);
  });

  it("any holds when one branch does; not inverts, absent properties included", () => {
    const seg = {
      any: [
        { did: "purchase", atLeast: 1 },
        { not: { visitor: "trial", op: "exists", value: false } },
      ],
    };
    const v = visitorOf([trigger(seg)]);
    expect(v.send(ping(0))).toEqual([]);
    expect(v.send(ev("identify", {}, 1, { trial: true }))).toEqual([]);
    expect(v.send(ping(2))).toEqual(["t0"]);
    const w = visitorOf([trigger(seg)]);
    w.send(ev("purchase", {}, 0));
    expect(w.send(ping(1))).toEqual(["t0"]);
  });
});

describe("segments", () => {
  const frequent = { name: "frequent", definition: { did: "flight", atLeast: 2 } };

  it("a trigger referencing a segment uses its definition", () => {
    const v = visitorOf(
      [trigger({ all: [{ segment: "frequent" }, { did: "search", atLeast: 1 }] })],
      [frequent],
    );
    v.sendAll([ev("flight", {}, 0), ev("flight", {}, 1)]);
    expect(v.send(ping(2))).toEqual([]);
    v.send(ev("search", {}, 3));
    expect(v.send(ping(4))).toEqual(["t0"]);
  });

  it("members lists the standalone segments and triggers the visitor is in", () => {
    const v = visitorOf([trigger({ segment: "frequent" })], [frequent]);
    expect(v.evaluator.members(v.state, T0)).toEqual([]);
    v.sendAll([ev("flight", {}, 0), ev("flight", {}, 1)]);
    expect(v.evaluator.members(v.state, T0 + MIN)).toEqual(["s0", "t0"]);
  });
});

describe("frequency", () => {
  /** A segment entered by `in` events and left by `out` events (a run of `in`). */
  const flip = { did: "in", inARow: 1 };
  const cycle = (v: Visitor, minute: number) => {
    v.send(ev("out", {}, minute));
    return v.send(ev("in", {}, minute + 1));
  };

  it("oncePer visitor fires on the first transition only", () => {
    const v = visitorOf([trigger(flip, { event: "in" }, { oncePer: "visitor" })]);
    expect([0, 10, 500].map((m) => cycle(v, m))).toEqual([["t0"], [], []]);
  });

  it("everyTime fires on every transition into the segment, not on every event", () => {
    const v = visitorOf([trigger(flip, { event: "in" }, { everyTime: true })]);
    expect(cycle(v, 0)).toEqual(["t0"]);
    expect(v.send(ev("in", {}, 2))).toEqual([]); // still in
    expect(cycle(v, 3)).toEqual(["t0"]);
  });

  it("oncePer visit fires again only after a gap of inactivity (default 30m)", () => {
    const v = visitorOf([trigger(flip, { event: "in" }, { oncePer: "visit" })]);
    expect(cycle(v, 0)).toEqual(["t0"]);
    expect(cycle(v, 20)).toEqual([]); // 19 minutes after the last event: same visit
    expect(cycle(v, 50)).toEqual([]); // gaps of 29 minutes: still the same visit
    expect(cycle(v, 81)).toEqual(["t0"]); // 30 minutes of silence: a new visit
  });

  it("oncePer visit takes its gap", () => {
    const v = visitorOf([trigger(flip, { event: "in" }, { oncePer: "visit", gap: "5m" })]);
    expect([0, 3, 10].map((m) => cycle(v, m))).toEqual([["t0"], [], ["t0"]]);
  });

  it("atMostEvery waits that long (event time) since the last firing", () => {
    const v = visitorOf([trigger(flip, { event: "in" }, { atMostEvery: "1h" })]);
    expect([0, 30, 60, 90].map((m) => cycle(v, m))).toEqual([["t0"], [], ["t0"], []]);
  });
});

describe("when", () => {
  it("fires only for events matching the when filter, at the first one after the visitor entered", () => {
    const when = { event: "ping", where: { field: "page", op: "eq", value: "/checkout" } };
    const v = visitorOf([trigger({ did: "cart", atLeast: 1 }, when)]);
    v.send(ev("cart", {}, 0));
    expect(v.send(ev("ping", { page: "/home" }, 1))).toEqual([]);
    expect(v.send(ev("ping", { page: "/checkout" }, 2))).toEqual(["t0"]);
    expect(v.send(ev("ping", { page: "/checkout" }, 3))).toEqual([]);
  });
});

describe("transitions", () => {
  it("a transition held back by the frequency is spent, not kept for later", () => {
    const flip = { did: "in", inARow: 1 };
    const v = visitorOf([trigger(flip, { event: "in" }, { atMostEvery: "1h" })]);
    expect(v.send(ev("in", {}, 0))).toEqual(["t0"]);
    v.send(ev("out", {}, 1));
    expect(v.send(ev("in", {}, 2))).toEqual([]); // within the hour
    expect(v.send(ev("in", {}, 90))).toEqual([]); // still in since minute 2: no new entry
  });

  it("leaving and re-entering between two when events arms the trigger again", () => {
    const v = visitorOf([trigger({ visitor: "cart", op: "gt", value: 0 })]);
    v.send(ev("identify", {}, 0, { cart: 1 }));
    expect(v.send(ping(1))).toEqual(["t0"]);
    v.send(ev("identify", {}, 2, { cart: 0 }));
    v.send(ev("identify", {}, 3, { cart: 2 }));
    expect(v.send(ping(4))).toEqual(["t0"]);
  });
});

describe("system events", () => {
  it("change no state and never fire, whatever the definitions name", () => {
    const v = visitorOf([trigger({ did: "purchase", atMost: 5 })]);
    v.send(ping(0));
    const before = JSON.stringify(v.state);
    expect(v.send(ev("$tag", {}, 1, { x: 1 }))).toEqual([]);
    expect(v.send(ev("$identify", { price: 1 }, 2))).toEqual([]);
    expect(JSON.stringify(v.state)).toBe(before);
  });
});

describe("backfill", () => {
  it("never fires nor spends the frequency, and the next event fires on a transition only", () => {
    const seg = { did: "purchase", atLeast: 3 };
    const t = trigger(seg, { event: "purchase" }, { oncePer: "visitor" });
    const v = visitorOf([t]);
    const history = [0, 1, 2, 3].map((m) => ev("purchase", {}, m));
    expect(v.sendAll(history, "backfill").flat()).toEqual([]);
    expect(v.send(ev("purchase", {}, 4))).toEqual([]); // already in: no transition
    const w = visitorOf([t]);
    w.sendAll(history.slice(0, 2), "backfill");
    expect(w.send(ev("purchase", {}, 4))).toEqual(["t0"]); // the third: a transition
  });

  it("a changed definition is forgotten and backfilled alone, leaving the others' state", () => {
    const d = defs([trigger({ did: "a", atLeast: 2 }), trigger({ did: "b", atLeast: 1 })]);
    const live = createEvaluator(d);
    const v = new Visitor(live);
    v.sendAll([ev("a", {}, 0), ev("b", {}, 1), ev("a", {}, 2)]);
    const other = JSON.stringify(v.state!.d.t1);
    // t0 becomes "atLeast 3" (version 2): forget it, backfill it from the log with its own evaluator.
    const t0v2 = {
      ...d.triggers[0]!,
      version: 2,
      segment: { did: "a", count: "atLeast" as const, n: 3 },
    };
    const backfill = new Visitor(createEvaluator({ triggers: [t0v2], segments: [] }));
    backfill.state = live.forget(v.state!, "t0");
    backfill.sendAll([ev("a", {}, 0), ev("b", {}, 1), ev("a", {}, 2)], "backfill");
    expect(JSON.stringify(backfill.state!.d.t1)).toBe(other);
    const next = new Visitor(createEvaluator({ triggers: [t0v2, d.triggers[1]!], segments: [] }));
    next.state = backfill.state;
    expect(next.send(ev("a", {}, 3))).toEqual([]);
    // t1's segment holds since the b event, and no ping was seen since: both act.
    expect(next.send(ping(4))).toEqual(["t0", "t1"]);
  });

  it("a state of another version starts over, and prune drops unknown definitions", () => {
    const d = defs([trigger({ did: "a", atLeast: 1 })]);
    const v = new Visitor(createEvaluator(d));
    v.send(ev("a", {}, 0));
    const v2 = createEvaluator({ triggers: [{ ...d.triggers[0]!, version: 2 }], segments: [] });
    expect(v2.isMember(v.state, "t0", T0)).toBe(false);
    const state: VisitorState = { d: { ...v.state!.d, gone: { v: 1, s: [] } } };
    expect(Object.keys(v2.prune(state).d)).toEqual(["t0"]);
  });
});

describe("state", () => {
  it("survives a JSON round trip with identical future behaviour", () => {
    const triggers = [
      trigger(
        { did: "search", inARow: 3, sameValue: "deal" },
        { event: "search" },
        { oncePer: "visit" },
      ),
      trigger({ did: "buy", atLeast: 2, within: "1h" }, { event: "buy" }, { atMostEvery: "10m" }),
      trigger(
        { not: { visitor: "vip", op: "eq", value: true } },
        { event: "ping" },
        { oncePer: "visitor" },
      ),
    ];
    const script = [
      ev("search", { deal: "A" }, 0),
      ev("search", { deal: "A" }, 1),
      ev("buy", {}, 2),
      ev("search", { deal: "A" }, 3),
      ev("buy", {}, 4),
      ev("ping", {}, 5, { vip: false }),
      ev("search", { deal: "A" }, 40),
      ev("buy", {}, 41),
      ev("search", { deal: "B" }, 80),
      ev("search", { deal: "B" }, 81),
      ev("search", { deal: "B" }, 82),
      ev("buy", {}, 83),
    ];
    const a = visitorOf(triggers);
    const b = visitorOf(triggers);
    for (const [i, e] of script.entries()) {
      expect(b.send(e)).toEqual(a.send(e));
      if (i % 2 === 0) b.state = JSON.parse(JSON.stringify(b.state)) as VisitorState;
      expect(b.state).toEqual(a.state);
    }
    expect(a.sendAll([]).length).toBe(0);
  });

  it("keeps at most n + 1 times per window", () => {
    const v = visitorOf([trigger({ did: "a", atLeast: 2, within: "30d" })]);
    for (let m = 0; m < 50; m++) v.send(ev("a", {}, m));
    expect(v.state!.d.t0!.s[0]).toEqual([49, 48, 47].map((m) => T0 + m * MIN));
  });

  it("late events count in a window by their own time", () => {
    const v = visitorOf([trigger({ did: "a", atLeast: 2, within: "10m" }, { event: "a" })]);
    v.send(ev("a", {}, 30));
    expect(v.send(ev("a", {}, 0))).toEqual(["t0"]); // late: [-10, +inf) holds both
    expect(v.evaluator.isMember(v.state, "t0", T0 + 45 * MIN)).toBe(false);
  });
});
