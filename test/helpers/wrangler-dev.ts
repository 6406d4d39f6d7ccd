/// <reference types="node" />
/**
 * One local `wrangler dev` for the tests and benchmarks that need the whole Worker over HTTP:
 * started on a loopback port over a persist directory, waited for until `/health` answers, and
 * stopped with a chosen signal.
 *
 * @example
 * const edge = await startWranglerDev({ port: 8790, vars: { FLAMINGO_DEMO: "true" } });
 * try {
 *   await fetch(`${edge.url}/health`);
 * } finally {
 *   await edge.stop(); // SIGINT, then deletes the temporary persist directory
 * }
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));
/** How much of wrangler's stderr is kept for error reports. */
const STDERR_TAIL = 4000;
/** How long `stop` waits for wrangler to exit before it sends SIGKILL. */
const STOP_MS = 10_000;

export interface WranglerDevOptions {
  /** The loopback port to serve on (127.0.0.1). */
  port: number;
  /**
   * The `--persist-to` directory, kept by `stop` (a restart reuses it). Defaults to a fresh
   * temporary directory, deleted by `stop`.
   */
  persistTo?: string;
  /** `--var NAME:value` for each entry, for example `{ FLAMINGO_DEMO: "true" }`. Defaults to none. */
  vars?: Readonly<Record<string, string>>;
  /** `--inspector-port`. Defaults to wrangler's choice. */
  inspectorPort?: number;
  /** How long to wait for `/health` before giving up. Defaults to 60 s. */
  startMs?: number;
  /**
   * Defaults to true: wrangler and its workerd processes get their own process group, so `stop`
   * reaches them all, SIGKILL (a crash) included. False keeps them in this process's group, so a
   * Ctrl-C on the terminal stops them too (benchmarks run by hand); `stop` then signals wrangler
   * alone, which stops its workerd on SIGINT or SIGTERM.
   */
  detached?: boolean;
}

export interface WranglerDev {
  /** `http://127.0.0.1:<port>`. */
  url: string;
  /** wrangler's pid: its workerd processes descend from it (bench/workerd-cpu.ts reads them). */
  pid: number;
  /** The persist directory in use. */
  persistTo: string;
  /**
   * Sends `signal` (default SIGINT), waits for wrangler to exit (SIGKILL after 10 s), and deletes
   * the persist directory if this helper made it. Calling it again does nothing more.
   */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** The last few KiB of wrangler's stderr. */
  stderrTail(): string;
}

/**
 * Resolves once `GET <url>/health` answers 2xx, polling every 250 ms.
 *
 * @throws {Error} when `alive` turns false (the server exited) or `startMs` pass first.
 */
export async function waitForHealth(
  url: string,
  startMs: number,
  alive: () => boolean = () => true,
): Promise<void> {
  const deadline = Date.now() + startMs;
  for (;;) {
    try {
      if ((await fetch(`${url}/health`)).ok) return;
    } catch {
      // not listening yet
    }
    if (!alive() || Date.now() > deadline)
      throw new Error(`${url}/health did not answer within ${startMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * Starts `wrangler dev` (with the Node running this process, which may be newer than plain
 * `node`) and resolves once `/health` answers.
 *
 * @throws {Error} with wrangler's stderr tail when it exits or does not answer within `startMs`;
 *   it is stopped first.
 */
export async function startWranglerDev(options: WranglerDevOptions): Promise<WranglerDev> {
  const { port, vars = {}, inspectorPort, startMs = 60_000, detached = true } = options;
  const ownsState = options.persistTo === undefined;
  const persistTo = options.persistTo ?? mkdtempSync(join(tmpdir(), "flamingo-wrangler-"));
  const url = `http://127.0.0.1:${port}`;
  const args = [join(root, "node_modules/wrangler/bin/wrangler.js"), "dev"];
  args.push("--ip", "127.0.0.1", "--port", String(port), "--persist-to", persistTo);
  if (inspectorPort !== undefined) args.push("--inspector-port", String(inspectorPort));
  for (const [name, value] of Object.entries(vars)) args.push("--var", `${name}:${value}`);
  const child = spawn(process.execPath, args, {
    cwd: root,
    stdio: ["ignore", "ignore", "pipe"],
    // Local runs must not phone home.
    env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
    detached,
  });
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-STDERR_TAIL)));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const running = () => child.exitCode === null && child.signalCode === null;
  const signal = (s: NodeJS.Signals) => {
    try {
      if (detached) process.kill(-child.pid!, s);
      else child.kill(s);
    } catch {
      // already gone
    }
  };

  let stopped: Promise<void> | undefined;
  const stop = (s: NodeJS.Signals = "SIGINT"): Promise<void> =>
    (stopped ??= (async () => {
      if (running()) {
        signal(s);
        await Promise.race([exited, new Promise((r) => setTimeout(r, STOP_MS))]);
        if (running()) signal("SIGKILL");
        await exited;
      }
      // A workerd left behind by wrangler's exit (its group outlives it).
      if (detached) signal("SIGKILL");
      if (ownsState) rmSync(persistTo, { recursive: true, force: true });
    })());

  try {
    await waitForHealth(url, startMs, running);
  } catch (e) {
    await stop();
    throw new Error(`wrangler dev: ${(e as Error).message}:\n${stderr}`, { cause: e });
  }
  return { url, pid: child.pid!, persistTo, stop, stderrTail: () => stderr };
}
