// `npm start`: builds the WASM kernels, then serves the Worker locally with `wrangler dev` on
// 127.0.0.1:$PORT (default 8787). A script rather than `${PORT:-8787}` in package.json so the
// default works in every shell, including Windows cmd.
//
// Usage: PORT=8799 npm start
import { spawn, spawnSync } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const port = process.env.PORT || "8787";
if (!/^\d+$/.test(port)) {
  console.error(`start: PORT must be a number, got "${port}"`);
  process.exit(1);
}

const build = spawnSync(process.execPath, [join(root, "scripts", "build-wasm.mjs")], {
  cwd: root,
  stdio: "inherit",
});
if (build.status !== 0) process.exit(build.status ?? 1);

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
    // The local demo project (write key demo-write-key, read key demo-read-key); never deployed.
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

// Forward Ctrl-C / kill to wrangler so it shuts workerd down instead of orphaning it.
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => child.kill(signal));
}
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
