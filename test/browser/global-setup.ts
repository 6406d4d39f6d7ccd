/// <reference types="node" />
/**
 * Global setup of the browser project (runs in Node): starts `wrangler dev` with the demo project
 * over a fresh state directory, waits for /health, and provides its origin to the tests as
 * `inject("edgeUrl")`, plus `inject("deadUrl")`, an origin nothing listens on (an edge that is
 * down). State persists across the test files of one run, so tests use unique visitor ids and
 * trigger names. Needs build/flam.wasm (`npm test` builds it).
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    edgeUrl: string;
    deadUrl: string;
  }
}

const root = fileURLToPath(new URL("../..", import.meta.url));

/** A TCP port that was free a moment ago. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(),
      );
    });
  });
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (!existsSync(join(root, "build/flam.wasm"))) {
    throw new Error("build/flam.wasm is missing: run `npm run build:wasm` (npm test does)");
  }
  const [port, deadPort] = [await freePort(), await freePort()];
  const state = mkdtempSync(join(tmpdir(), "flamingo-browser-"));
  const url = `http://127.0.0.1:${port}`;
  // The Node running Vitest runs wrangler too (plain `node` may be older than wrangler needs).
  const wrangler = spawn(
    process.execPath,
    [
      join(root, "node_modules/.bin/wrangler"),
      "dev",
      "--ip",
      "127.0.0.1",
      "--port",
      String(port),
    ].concat(["--persist-to", state, "--var", "FLAMINGO_DEMO:true"]),
    {
      cwd: root,
      stdio: ["ignore", "ignore", "pipe"],
      env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
      detached: true, // its own process group: wrangler and its workerd stop together
    },
  );
  let stderr = "";
  wrangler.stderr!.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const exited = new Promise((r) => wrangler.once("exit", r));

  async function stop(): Promise<void> {
    if (wrangler.exitCode === null && wrangler.pid !== undefined) {
      process.kill(-wrangler.pid, "SIGINT");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (wrangler.exitCode === null) process.kill(-wrangler.pid, "SIGKILL");
    }
    rmSync(state, { recursive: true, force: true });
  }

  const deadline = Date.now() + 90_000;
  for (;;) {
    try {
      if ((await fetch(`${url}/health`)).ok) break;
    } catch {
      // not listening yet
    }
    if (wrangler.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`wrangler dev did not answer ${url}/health:\n${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  project.provide("edgeUrl", url);
  project.provide("deadUrl", `http://127.0.0.1:${deadPort}`);
  return stop;
}
