import { describe, expect, it } from "vitest";
import { measure, median, WrongAnswerError } from "./harness.ts";
import { MISSING_COUNTRY } from "./query.ts";
import { diffAnswers, referenceQ1, referenceQ2 } from "./reference.ts";
import type { FlamEvent } from "./subject.ts";

const event = (name: string, properties: FlamEvent["properties"]): FlamEvent => ({
  id: "x",
  visitor: "v",
  name,
  time: 0,
  receivedAt: 0,
  properties,
  visitorProperties: {},
});

describe("measure", () => {
  it("aborts with WrongAnswerError when a run returns a wrong answer", async () => {
    await expect(
      measure(
        "q",
        () => 41,
        (r) => (r === 42 ? null : `got ${r}`),
        { minTimeMs: 0 },
      ),
    ).rejects.toThrow(WrongAnswerError);
  });

  it("runs at least minRuns timed runs and reports their median", async () => {
    const m = await measure(
      "q",
      () => 42,
      () => null,
      { minRuns: 5, minTimeMs: 0 },
    );
    expect(m.runs).toBe(5);
    expect(m.medianMs).toBe(median(m.samplesMs));
  });
});

describe("median", () => {
  it("takes the middle sample, or the mean of the two middle ones", () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });
});

describe("reference answers", () => {
  const events = [
    event("purchase", { country: "US", price: 10.5 }),
    event("purchase", { price: 2 }),
    event("add_to_cart", { country: null, price: 1.25 }),
    event("purchase", { country: "DE", price: "12" }),
    event("pageview", { country: "US" }),
  ];

  it("sum purchases by country, grouping a missing country under the marker", () => {
    expect(referenceQ1(events)).toEqual(
      new Map([
        ["US", 10.5],
        [MISSING_COUNTRY, 2],
      ]),
    );
  });

  it("sum every numeric price by country, null country included in the marker", () => {
    expect(referenceQ2(events)).toEqual(
      new Map([
        ["US", 10.5],
        [MISSING_COUNTRY, 3.25],
      ]),
    );
  });
});

describe("diffAnswers", () => {
  it("accepts sums equal within a relative 1e-9", () => {
    expect(diffAnswers(new Map([["US", 1e6 + 1e-5]]), new Map([["US", 1e6]]))).toBeNull();
  });

  it("names a wrong sum, a missing group and an unexpected group", () => {
    const problem = diffAnswers(
      new Map([
        ["US", 2],
        ["FR", 1],
      ]),
      new Map([
        ["US", 1],
        ["DE", 1],
      ]),
    );
    expect(problem).toContain('group "US": got 2, expected 1');
    expect(problem).toContain('missing group "DE"');
    expect(problem).toContain('unexpected group "FR"');
  });
});
