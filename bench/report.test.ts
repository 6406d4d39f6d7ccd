import { describe, expect, it } from "vitest";
import { formatRate, formatRatio, type ResultRow, summary } from "./report.ts";

const row = (name: string, bytesPerEvent: number | null, q: number): ResultRow => ({
  name,
  bytesPerEvent,
  encodePerSec: 1,
  decodePerSec: 1,
  q1PerSec: q,
  q2PerSec: q / 2,
});

describe("summary", () => {
  it("has exactly the keys scripts read, with FlaM's figures null when FlaM did not run", () => {
    const s = summary([row("ndjson", 666.55, 190_000.4), row("duckdb-table", null, 5e7)], null);
    expect(s).toEqual({
      flamBytesPerEvent: null,
      ndjsonBytesPerEvent: 666.5,
      q1EventsPerSec: null,
      q2EventsPerSec: null,
      duckdbQ1EventsPerSec: 5e7,
      duckdbQ2EventsPerSec: 2.5e7,
      jsonParseQ1EventsPerSec: 190_000,
    });
  });

  it("reports FlaM's bytes and query rates from the row named after the FlaM subject", () => {
    const s = summary([row("flam", 115.62, 3e7)], "flam");
    expect(s).toMatchObject({
      flamBytesPerEvent: 115.6,
      q1EventsPerSec: 3e7,
      q2EventsPerSec: 1.5e7,
    });
  });
});

describe("formatting", () => {
  it("prints rates with three significant digits and a unit", () => {
    expect([formatRate(812), formatRate(145_200), formatRate(2_312_000), formatRate(null)]).toEqual(
      ["812", "145k", "2.31M", "-"],
    );
  });

  it("prints ratios that stay readable from hundreds down to thousandths", () => {
    expect([
      formatRatio(259, 1),
      formatRatio(1, 2),
      formatRatio(1, 259),
      formatRatio(1, null),
    ]).toEqual(["259x", "0.50x", "0.0039x", "-"]);
  });
});
