import { describe, expect, it } from "vitest";
import { OverloadGate } from "./overload.ts";

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
    const offer = await gate.offer(1_000, false, () => Promise.resolve([]));
    expect(offer).toEqual({ status: "stored", outcomes: [] });
  });

  it("refuses at once past the bound of pending events, without running the batch", async () => {
    const gate = new OverloadGate();
    gate.configure({ maxPendingEvents: 100 });
    const first = pending();
    const held = gate.offer(80, false, () => first.done);
    expect(await gate.offer(20, false, () => Promise.resolve([]))).toMatchObject({
      status: "stored",
    });
    let ran = false;
    const refused = await gate.offer(21, false, () => ((ran = true), Promise.resolve([])));
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
    void gate.offer(5, false, () => first.done);
    expect((await gate.offer(5, false, () => Promise.resolve([]))).status).toBe("overloaded");
    expect((await gate.offer(5, true, () => Promise.resolve([]))).status).toBe("stored");
    first.release();
  });

  it("tells a refused caller to wait 1 to 60 s, and counts a failed batch as answered", async () => {
    const gate = new OverloadGate();
    gate.configure({ maxPendingEvents: 0 });
    await expect(gate.offer(3, false, () => Promise.reject(new Error("disk")))).rejects.toThrow(
      "disk",
    );
    expect(gate.state().pendingEvents).toBe(0);
    const first = pending();
    void gate.offer(1e6, false, () => first.done);
    const refused = await gate.offer(1, false, () => Promise.resolve([]));
    if (refused.status !== "overloaded") throw new Error("expected a refusal");
    expect(refused.retryAfterMs).toBeGreaterThanOrEqual(1_000);
    expect(refused.retryAfterMs).toBeLessThanOrEqual(60_000);
    first.release();
  });

  it("stalls each admitted batch only while a stall is set", () => {
    const gate = new OverloadGate();
    expect(gate.stall()).toBeUndefined();
    gate.configure({ stallMs: 5 });
    expect(gate.stall()).toBeTypeOf("function");
  });
});
