/**
 * Durability across a restart of `wrangler dev`: events acknowledged by one run are read back by
 * the next run over the same persisted state directory. Starts and stops its own servers on
 * loopback.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));
const state = mkdtempSync(join(tmpdir(), "flamingo-restart-"));
const port = 8900 + Math.floor(Math.random() * 90);
const base = `http://127.0.0.1:${port}`;
let server: ChildProcess | undefined;

async function start(): Promise<void> {
  server = spawn(
    process.execPath,
    [
      join(root, "node_modules/wrangler/bin/wrangler.js"),
      "dev",
      "--ip",
      "127.0.0.1",
      "--port",
      String(port),
      "--persist-to",
      state,
      "--var",
      "FLAMINGO_DEMO:true",
    ],
    {
      cwd: root,
      stdio: "ignore",
      env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
      detached: true,
    },
  );
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`${base}/health`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error("wrangler dev did not start");
}

async function stop(): Promise<void> {
  if (server?.pid === undefined) return;
  const exited = new Promise((r) => server!.once("exit", r));
  process.kill(-server.pid, "SIGINT"); // the whole group: wrangler and its workerd
  await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
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
