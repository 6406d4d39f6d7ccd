/**
 * Durability across a restart of `wrangler dev`: events acknowledged by one run are read back by
 * the next run over the same persisted state directory. Starts and stops its own servers on
 * loopback.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startWranglerDev, type WranglerDev } from "../helpers/wrangler-dev.ts";

const state = mkdtempSync(join(tmpdir(), "flamingo-restart-"));
const port = 8900 + Math.floor(Math.random() * 90);
const base = `http://127.0.0.1:${port}`;
let server: WranglerDev | undefined;

async function start(): Promise<void> {
  server = await startWranglerDev({ port, persistTo: state, vars: { FLAMINGO_DEMO: "true" } });
}

async function stop(): Promise<void> {
  await server?.stop("SIGINT"); // the whole group: wrangler and its workerd
  server = undefined;
}

afterAll(async () => {
  await stop();
  rmSync(state, { recursive: true, force: true });
});

describe("wrangler dev with persisted state", () => {
  it("keeps every acknowledged event across a restart", { timeout: 150_000 }, async () => {
    await start();
    const visitor = `restart-${Date.now()}`;
    const events = Array.from({ length: 30 }, (_, i) => ({
      id: `${visitor}-${i}`,
      visitor,
      name: "step",
      properties: { i },
    }));
    const res = await fetch(`${base}/v1/events`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer demo-write-key" },
      body: JSON.stringify({ events }),
    });
    expect(res.status).toBe(200);
    await stop();

    await start();
    const read = await fetch(`${base}/v1/visitors/${visitor}?limit=100`, {
      headers: { authorization: "Bearer demo-read-key" },
    });
    expect(read.status).toBe(200);
    const view = (await read.json()) as {
      profile: { eventCount: number };
      events: { id: string }[];
    };
    expect(view.profile.eventCount).toBe(30);
    expect(view.events.map((e) => e.id).sort()).toEqual(events.map((e) => e.id).sort());
  });
});
