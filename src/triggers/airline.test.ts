// The seed's airline story (issue 5): four searches in a row for the same deal show a banner,
// once per visitor, unless the visitor has booked.
import { describe, expect, it } from "vitest";
import { AIRLINE, ev, visitorOf } from "./visitor-sim.test-helper.ts";

const search = (deal: string, minute = 0) => ev("search", { deal }, minute);

describe("the airline trigger", () => {
  it("fires on the fourth search for the same deal, with its actions", () => {
    const v = visitorOf([AIRLINE]);
    const fired = v.sendAll([1, 2, 3, 4].map((m) => search("SFO-NYC", m)));
    expect(fired).toEqual([[], [], [], ["t0"]]);
  });

  it("answers the actions as defined, for the event that fired", () => {
    const v = visitorOf([AIRLINE]);
    for (let m = 0; m < 3; m++) v.send(search("SFO-NYC", m));
    const e = search("SFO-NYC", 3);
    const r = v.evaluator.step(v.state, e, { properties: {} }, "live");
    expect(r.fired).toEqual([
      {
        trigger: "t0",
        version: 1,
        name: "repeat deal searcher",
        actions: AIRLINE.actions,
        event: e.id,
      },
    ]);
  });

  it("restarts the run when a different deal is searched in between", () => {
    const v = visitorOf([AIRLINE]);
    const deals = ["SFO-NYC", "SFO-NYC", "LAX-BOS", "SFO-NYC", "SFO-NYC", "SFO-NYC", "SFO-NYC"];
    expect(v.sendAll(deals.map((d, m) => search(d, m)))).toEqual([[], [], [], [], [], [], ["t0"]]);
  });

  it("restarts the run when a pageview comes in between", () => {
    const v = visitorOf([AIRLINE]);
    const events = [
      search("SFO-NYC", 0),
      search("SFO-NYC", 1),
      search("SFO-NYC", 2),
      ev("pageview", {}, 3),
      search("SFO-NYC", 4),
      search("SFO-NYC", 5),
      search("SFO-NYC", 6),
    ];
    expect(v.sendAll(events).flat()).toEqual([]);
    expect(v.send(search("SFO-NYC", 7))).toEqual(["t0"]);
  });

  it("fires once per visitor, across later runs and deals", () => {
    const v = visitorOf([AIRLINE]);
    const fired = [];
    for (const deal of ["SFO-NYC", "LAX-BOS", "SFO-NYC"])
      for (let i = 0; i < 6; i++) fired.push(...v.send(search(deal, fired.length + i)));
    expect(fired).toEqual(["t0"]);
  });

  it("does not fire for a visitor whose profile says booked", () => {
    const v = visitorOf([AIRLINE]);
    v.send(ev("identify", {}, 0, { booked: true }));
    expect(v.sendAll([1, 2, 3, 4, 5].map((m) => search("SFO-NYC", m))).flat()).toEqual([]);
  });

  it("fires once booked turns false again, on the next completed run", () => {
    const v = visitorOf([AIRLINE]);
    v.send(ev("identify", {}, 0, { booked: true }));
    for (let m = 1; m <= 4; m++) v.send(search("SFO-NYC", m));
    // The unbooking event breaks the run, so the visitor needs four more searches.
    v.send(ev("identify", {}, 5, { booked: false }));
    expect(v.sendAll([6, 7, 8, 9].map((m) => search("SFO-NYC", m)))).toEqual([[], [], [], ["t0"]]);
  });

  it("treats a search without a deal as breaking the run", () => {
    const v = visitorOf([AIRLINE]);
    const events = [
      search("A", 0),
      search("A", 1),
      ev("search", {}, 2),
      search("A", 3),
      search("A", 4),
    ];
    expect(v.sendAll(events).flat()).toEqual([]);
    expect(v.sendAll([search("A", 5), search("A", 6)])).toEqual([[], ["t0"]]);
  });

  it('compares deal values typed: 42 and "42" are different deals', () => {
    const v = visitorOf([AIRLINE]);
    const events = [0, 1, 2].map((m) => ev("search", { deal: 42 }, m));
    v.sendAll(events);
    expect(v.send(ev("search", { deal: "42" }, 3))).toEqual([]);
  });

  it("ignores system events: a $tag between searches neither breaks the run nor fires", () => {
    const v = visitorOf([AIRLINE]);
    v.sendAll([search("A", 0), search("A", 1)]);
    expect(v.send(ev("$tag", {}, 2, { promo_sent: true }))).toEqual([]);
    expect(v.sendAll([search("A", 3), search("A", 4)])).toEqual([[], ["t0"]]);
  });
});
