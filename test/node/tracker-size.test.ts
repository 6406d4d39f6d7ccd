/**
 * The tracker's size budget: what a site downloads (the entry point with idb, minified, gzip -9).
 * The target is 4 KB; this test fails past 6 KB so a regression is caught before it ships.
 */
import { describe, expect, it } from "vitest";
import { trackerSize } from "../../scripts/tracker-size.mjs";

describe("the tracker bundle", () => {
  it("stays under 6 KB minified and gzipped", { timeout: 30_000 }, async () => {
    const { minBytes, gzipBytes } = await trackerSize();
    console.log(`tracker: ${minBytes} bytes minified, ${gzipBytes} bytes gzipped`);
    expect(gzipBytes).toBeGreaterThan(1000); // it bundled something: idb alone is about 1 KB
    expect(gzipBytes).toBeLessThanOrEqual(6 * 1024);
  });
});
