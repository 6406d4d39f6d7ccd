import { env as bindings } from "cloudflare:workers";
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Env } from "../../src/edge/env.ts";
import type { Partition } from "../../src/edge/partition/partition.ts";
import { sign, SIGNATURE_HEADER } from "../../src/edge/partition/outbox.ts";

// The Worker's bindings (the test pool types `env` as the empty `Cloudflare.Env`).
const env = bindings as Env;

const request = (id: string, url = "https://hooks.example.com/promo") => ({
  id,
  trigger: "trg_1",
  triggerVersion: 1,
  visitor: "v1",
  event: "e1",
  url,
  secret: "s3cr3t",
  body: JSON.stringify({ id, hello: "world" }),
});

describe("webhook outbox", () => {
  it("signs, retries with backoff after failures, and delivers once the receiver recovers", async () => {
    const stub = env.PARTITION.getByName("outbox-test/p0");
    const seen: { body: string; headers: Headers }[] = [];
    let failures = 2;
    await runInDurableObject(stub, async (instance: Partition) => {
      instance.outbox.send = async (req) => {
        // Read inside the object: its request bodies cannot be read from the test's context.
        seen.push({ body: await req.text(), headers: new Headers(req.headers) });
        return failures-- > 0 ? new Response("down", { status: 503 }) : new Response("ok");
      };
      instance.outbox.options.baseDelayMs = 0;
      instance.outbox.enqueue([request("d1")], Date.now());
      await instance.outbox.schedule();
    });
    for (let i = 0; i < 3; i++) expect(await runDurableObjectAlarm(stub)).toBe(true);
    await runInDurableObject(stub, async (instance: Partition) => {
      const [d] = instance.outbox.list("trg_1", null, 10);
      expect(d).toMatchObject({ id: "d1", status: "delivered", attempts: 3, lastStatus: 200 });
      expect(instance.outbox.nextDue()).toBeNull();
    });
    expect(seen).toHaveLength(3);
    const body = seen[2]!.body;
    expect(seen[2]!.headers.get("idempotency-key")).toBe("d1");
    expect(seen[2]!.headers.get(SIGNATURE_HEADER)).toBe(`sha256=${await sign("s3cr3t", body)}`);
    // The alarm is not set again once nothing is pending.
    expect(await runDurableObjectAlarm(stub)).toBe(false);
  });

  it("gives up after the attempt limit or a final 4xx, and shows why", async () => {
    const stub = env.PARTITION.getByName("outbox-test/p1");
    await runInDurableObject(stub, async (instance: Partition) => {
      instance.outbox.send = async (req) =>
        req.url.endsWith("/gone")
          ? new Response("no", { status: 410 })
          : Promise.reject(new Error("connection refused"));
      instance.outbox.options.baseDelayMs = 0;
      instance.outbox.options.maxAttempts = 3;
      instance.outbox.enqueue(
        [request("d2"), request("d3", "https://hooks.example.com/gone")],
        Date.now(),
      );
      for (let i = 0; i < 3; i++) await instance.outbox.deliverDue(Date.now() + 1);
      const byId = new Map(instance.outbox.list(null, "failed", 10).map((d) => [d.id, d]));
      expect(byId.get("d2")).toMatchObject({
        attempts: 3,
        lastError: "connection refused",
        lastStatus: null,
      });
      expect(byId.get("d3")).toMatchObject({ attempts: 1, lastStatus: 410, lastError: "HTTP 410" });
      expect(JSON.stringify(instance.outbox.list(null, null, 10))).not.toContain("s3cr3t");
    });
  });
});
