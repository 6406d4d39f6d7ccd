/// <reference types="node" />
/**
 * Global setup of the browser project (runs in Node): starts `wrangler dev` with the demo project
 * over a fresh state directory, waits for /health, and provides its origin to the tests as
 * `inject("edgeUrl")`, plus `inject("deadUrl")`, an origin nothing listens on (an edge that is
 * down). State persists across the test files of one run, so tests use unique visitor ids and
 * trigger names. Needs build/flam.wasm (`npm test` builds it).
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { TestProject } from "vitest/node";
import { freePort } from "../helpers/free-port.ts";
import { startWranglerDev } from "../helpers/wrangler-dev.ts";

declare module "vitest" {
  export interface ProvidedContext {
    edgeUrl: string;
    deadUrl: string;
  }
}

const root = fileURLToPath(new URL("../..", import.meta.url));

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (!existsSync(join(root, "build/flam.wasm"))) {
    throw new Error("build/flam.wasm is missing: run `npm run build:wasm` (npm test does)");
  }
  const [port, deadPort] = [await freePort(), await freePort()];
  // The Node running Vitest runs wrangler too (plain `node` may be older than wrangler needs).
  const edge = await startWranglerDev({ port, vars: { FLAMINGO_DEMO: "true" }, startMs: 90_000 });
  project.provide("edgeUrl", edge.url);
  project.provide("deadUrl", `http://127.0.0.1:${deadPort}`);
  return () => edge.stop();
}
