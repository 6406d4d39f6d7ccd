// `npm start`: the whole system locally, in one command:
//
//   1. builds the WASM kernels and the web bundle (dashboard, demo site) into build/;
//   2. serves the Worker with `wrangler dev` on 127.0.0.1:$PORT (default 8787), with local state
//      persisted under $FLAMINGO_STATE (default .wrangler/state) and the demo project;
//   3. once /health answers: creates the airline trigger if absent and seeds the demo data set
//      unless it is there (scripts/seed-demo.ts; FLAMINGO_SEED_EVENTS events, default 25,000,
//      0 to skip);
//   4. prints the URLs and keys, then a line "flamingo: ready" (tests wait for it).
//
// Ctrl-C stops wrangler (and a seed in progress). A script rather than `${PORT:-8787}` in
// package.json so the defaults work in every shell, including Windows cmd.
//
// Usage: PORT=8799 FLAMINGO_STATE=/tmp/state FLAMINGO_SEED_EVENTS=2000 npm start [-- wrangler args]
/* global fetch */
import { spawn, spawnSync } from "node:child_process";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const port = process.env.PORT || "8787";
if (!/^\d+$/.test(port)) {
  console.error(`start: PORT must be a number, got "${port}"`);
  process.exit(1);
}
const state = resolve(root, process.env.FLAMINGO_STATE || ".wrangler/state");
const origin = `http://127.0.0.1:${port}`;

for (const script of ["build-wasm.mjs", "build-web.mjs"]) {
  const build = spawnSync(process.execPath, [join(root, "scripts", script)], {
    cwd: root,
    stdio: "inherit",
  });
  if (build.status !== 0) process.exit(build.status ?? 1);
}

const wrangler = join(root, "node_modules", "wrangler", "bin", "wrangler.js");
const child = spawn(
  process.execPath,
  [
    wrangler,
    "dev",
    "--ip",
    "127.0.0.1",
    "--port",
    port,
    "--persist-to",
    state,
    // The local demo project (keys demo-write-key, demo-read-key, demo-admin-key); never deployed.
    "--var",
    "FLAMINGO_DEMO:true",
    ...process.argv.slice(2),
  ],
  {
    cwd: root,
    stdio: "inherit",
    // Local development must not phone home.
    env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
  },
);
/** The seed while it runs, so a signal reaches it too. */
let seed = null;
let stopping = false;

// Forward Ctrl-C / kill to wrangler so it shuts workerd down instead of orphaning it.
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    stopping = true;
    seed?.kill(signal);
    child.kill(signal);
  });
}
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));

/** Resolves once /health answers; false if wrangler exits or 120 s pass first. */
async function healthy() {
  const deadline = Date.now() + 120_000;
  while (child.exitCode === null && Date.now() < deadline) {
    try {
      if ((await fetch(`${origin}/health`)).ok) return true;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  return false;
}

if (!(await healthy())) {
  console.error(`start: ${origin}/health did not answer; wrangler's output is above`);
  child.kill("SIGINT");
} else {
  seed = spawn(
    process.execPath,
    ["--experimental-strip-types", "--no-warnings", join(root, "scripts", "seed-demo.ts"), origin],
    { cwd: root, stdio: "inherit" },
  );
  const code = await new Promise((r) => seed.on("exit", (c) => r(c)));
  seed = null;
  if (stopping) await new Promise(() => {}); // wrangler's exit ends the process
  if (code !== 0) console.error("start: the demo setup failed (above); the edge keeps running");
  console.log(
    [
      "",
      `  Dashboard   ${origin}/dashboard/`,
      `  Demo site   ${origin}/demo/`,
      `  API         ${origin}/v1/  (docs/query.md, docs/ingest.md)`,
      "  Keys        write demo-write-key   read demo-read-key   admin demo-admin-key",
      `  State       ${state}`,
      "",
      "flamingo: ready (Ctrl-C stops)",
    ].join("\n"),
  );
}
