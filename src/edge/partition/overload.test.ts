import { describe, expect, it } from "vitest";
import { HOLD_MAX_MS, OverloadGate, type Hold, type HoldStore } from "./overload.ts";

/** A batch that stays pending until `release()` is called. */
function pending() {
  let release!: () => void;
  const done = new Promise<[]>((r) => (release = () => r([])));
  return { done, release };
}

describe("OverloadGate", () => {
  it("admits a batch of any size into an idle partition", async () => {
    const gate = new OverloadGate();
    gate.configure({ maxPendingEvents: 10 });
    const offer = await gate.offer(1_000, "live", () => Promise.resolve([]));
    expect(offer).toEqual({ status: "stored", outcomes: [] });
  });

  it("refuses at once past the bound of pending events, without running the batch", async () => {
    const gate = new OverloadGate();
    gate.configure({ maxPendingEvents: 100 });
    const first = pending();
    const held = gate.offer(80, "live", () => first.done);
    expect(await gate.offer(20, "live", () => Promise.resolve([]))).toMatchObject({
      status: "stored",
    });
    let ran = false;
    const refused = await gate.offer(21, "live", () => ((ran = true), Promise.resolve([])));
    expect(refused).toMatchObject({ status: "overloaded", pendingEvents: 80 });
    expect(ran).toBe(false);
    expect(gate.state()).toMatchObject({ pendingEvents: 80, pendingCalls: 1, refused: 1 });
    first.release();
    await held;
    expect(gate.state()).toMatchObject({ pendingEvents: 0, pendingCalls: 0 });
  });

  it("admits a forced batch whatever is pending", async () => {
    const gate = new OverloadGate();
    gate.configure({ maxPendingEvents: 0 });
    const first = pending();
    void gate.offer(5, "live", () => first.done);
    expect((await gate.offer(5, "live", () => Promise.resolve([]))).status).toBe("overloaded");
    expect((await gate.offer(5, "force", () => Promise.resolve([]))).status).toBe("stored");
    first.release();
  });

  it("tells a refused caller to wait 1 to 60 s, and counts a failed batch as answered", async () => {
    const gate = new OverloadGate();
    gate.configure({ maxPendingEvents: 0 });
    await expect(gate.offer(3, "live", () => Promise.reject(new Error("disk")))).rejects.toThrow(
      "disk",
    );
    expect(gate.state().pendingEvents).toBe(0);
    const first = pending();
    void gate.offer(1e6, "live", () => first.done);
    const refused = await gate.offer(1, "live", () => Promise.resolve([]));
    if (refused.status !== "overloaded") throw new Error("expected a refusal");
    expect(refused.retryAfterMs).toBeGreaterThanOrEqual(1_000);
    expect(refused.retryAfterMs).toBeLessThanOrEqual(60_000);
    first.release();
  });

  it("keeps refusing live batches after a refusal, until its latest refusal is drained", async () => {
    const gate = new OverloadGate();
    gate.configure({ maxPendingEvents: 0 });
    const first = pending();
    const held = gate.offer(5, "live", () => first.done);
    const a = await gate.offer(5, "live", () => Promise.resolve([]));
    if (a.status !== "overloaded") throw new Error("expected a refusal");
    first.release();
    await held;
    // Idle now, but batch A is spilled: B must follow it, so it is refused too.
    const b = await gate.offer(5, "live", () => Promise.resolve([]));
    if (b.status !== "overloaded") throw new Error("expected B refused behind A");
    expect(gate.state().holdUntil).toBeGreaterThan(Date.now());
    // The consumer's own offers go in, then the ledger empties with A's token only: B is not in
    // it yet, so the hold stays; with B's token it ends.
    expect((await gate.offer(5, "drain", () => Promise.resolve([]))).status).toBe("stored");
    expect(gate.spillDrained(a.refusal).holdUntil).not.toBeNull();
    expect(gate.spillDrained(null).holdUntil).not.toBeNull();
    expect(gate.spillDrained(b.refusal)).toEqual({ holdUntil: null });
    expect((await gate.offer(5, "live", () => Promise.resolve([]))).status).toBe("stored");
  });

  it("keeps its hold and latest token across a restart, through its hold store", async () => {
    let stored: Hold | null = null;
    const holds: HoldStore = { load: () => stored, save: (h) => (stored = h) };
    const gate = new OverloadGate(holds);
    gate.configure({ maxPendingEvents: 0 });
    const first = pending();
    const held = gate.offer(5, "live", () => first.done);
    const a = await gate.offer(5, "live", () => Promise.resolve([]));
    first.release();
    await held;
    const b = await gate.offer(5, "live", () => Promise.resolve([]));
    if (a.status !== "overloaded" || b.status !== "overloaded")
      throw new Error("expected refusals");
    expect(stored).toEqual({ until: gate.state().holdUntil, token: b.refusal });
    // The object restarts: a new gate, the same storage. Live batches still queue behind A and B.
    const again = new OverloadGate(holds);
    expect((await again.offer(5, "live", () => Promise.resolve([]))).status).toBe("overloaded");
    const c = (await again.offer(5, "live", () => Promise.resolve([]))) as { refusal: string };
    // The drain reports the ledger's latest token (C's): the hold ends and is forgotten.
    expect(again.spillDrained(b.refusal).holdUntil).not.toBeNull();
    expect(again.spillDrained(c.refusal)).toEqual({ holdUntil: null });
    expect(stored).toBeNull();
    expect((await new OverloadGate(holds).offer(5, "live", () => Promise.resolve([]))).status).toBe(
      "stored",
    );
  });

  it("ends the hold on its own once the last overload is older than its expiry", async () => {
    const gate = new OverloadGate();
    gate.configure({ maxPendingEvents: 0 });
    const first = pending();
    const held = gate.offer(5, "live", () => first.done);
    const now = Date.now();
    const refused = await gate.offer(5, "live", () => Promise.resolve([]));
    expect(refused.status).toBe("overloaded");
    first.release();
    await held;
    const later = now + HOLD_MAX_MS + 1_000;
    const realNow = Date.now;
    Date.now = () => later;
    try {
      // Refusals because of the hold did not extend it: a lost signal ends after the expiry.
      expect((await gate.offer(5, "live", () => Promise.resolve([]))).status).toBe("stored");
      expect(gate.state().holdUntil).toBeNull();
    } finally {
      Date.now = realNow;
    }
  });

  it("refuses the consumer's offer only past the bound, and that refusal starts no hold", async () => {
    const gate = new OverloadGate();
    gate.configure({ maxPendingEvents: 0 });
    const first = pending();
    const held = gate.offer(5, "live", () => first.done);
    const refused = await gate.offer(5, "drain", () => Promise.resolve([]));
    expect(refused).toMatchObject({ status: "overloaded", refusal: null });
    first.release();
    await held;
    expect(gate.state().holdUntil).toBeNull();
    expect((await gate.offer(5, "live", () => Promise.resolve([]))).status).toBe("stored");
  });

  it("stalls each admitted batch only while a stall is set", () => {
    const gate = new OverloadGate();
    expect(gate.stall()).toBeUndefined();
    gate.configure({ stallMs: 5 });
    expect(gate.stall()).toBeTypeOf("function");
  });
});
