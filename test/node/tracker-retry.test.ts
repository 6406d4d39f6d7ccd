import { afterEach, describe, expect, it, vi } from "vitest";
import { backoff, MAX_BACKOFF_MS, retryAfterMs } from "../../src/client/tracker/retry.ts";

afterEach(() => vi.restoreAllMocks());

describe("the tracker's retry delays", () => {
  it("doubles the backoff per attempt, jittered within the upper half of each step, up to a minute", () => {
    vi.spyOn(Math, "random").mockReturnValue(0);
    expect([0, 1, 2, 3, 10].map(backoff)).toEqual([500, 1000, 2000, 4000, MAX_BACKOFF_MS / 2]);
    vi.spyOn(Math, "random").mockReturnValue(0.999999);
    expect(Math.round(backoff(0))).toBe(1000);
    expect(Math.round(backoff(20))).toBe(MAX_BACKOFF_MS);
  });

  it("reads Retry-After as seconds or as an HTTP date, and ignores anything else", () => {
    const now = Date.parse("Wed, 21 Oct 2026 07:27:00 GMT");
    expect(retryAfterMs("7", now)).toBe(7000);
    expect(retryAfterMs("0", now)).toBe(0);
    expect(retryAfterMs("Wed, 21 Oct 2026 07:28:00 GMT", now)).toBe(60_000);
    expect(retryAfterMs("Wed, 21 Oct 2026 07:26:00 GMT", now)).toBeUndefined(); // in the past
    expect(retryAfterMs("soon", now)).toBeUndefined();
    expect(retryAfterMs("-3", now)).toBeUndefined();
    expect(retryAfterMs(null, now)).toBeUndefined();
  });
});
