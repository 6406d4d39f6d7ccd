// `npm test`: builds the WASM kernels, runs every Vitest project, and, when no Chromium is
// installed, says at the end which browser tests did not run and how to enable them, so a
// green run without them is never mistaken for a full one.
//
// Usage: node scripts/test.mjs [vitest args...]   e.g. `npm test -- --project node`
// FLAMINGO_REQUIRE_BROWSER=1 (set by .ci/run) turns a missing Chromium into a failure, as does
// asking for the browser project explicitly.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { findChromium } from "./chromium.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const args = process.argv.slice(2);

/** Runs a Node script of this repository with the current Node; returns its exit code. */
function runNode(script, scriptArgs = []) {
  const { status, signal } = spawnSync(process.execPath, [script, ...scriptArgs], {
    cwd: root,
    stdio: "inherit",
  });
  return status ?? (signal ? 1 : 0);
}

const buildStatus = runNode(join(root, "scripts", "build-wasm.mjs"));
if (buildStatus !== 0) process.exit(buildStatus);

let chromium;
try {
  chromium = findChromium();
} catch (error) {
  console.error(`test: ${error.message}`);
  process.exit(1);
}
const projects = args.flatMap((arg, i) =>
  arg.startsWith("--project=") ? [arg.slice(10)] : arg === "--project" ? [args[i + 1]] : [],
);
const browserAsked = projects.includes("browser");
const howToEnable =
  "Install Chromium (Debian/Ubuntu: `sudo apt-get install -y chromium`) or point " +
  "FLAMINGO_CHROMIUM at a Chromium executable, then run `npm test` again.";

if (!chromium && (process.env.FLAMINGO_REQUIRE_BROWSER === "1" || browserAsked)) {
  console.error(`test: the browser tests need Chromium and none was found. ${howToEnable}`);
  process.exit(1);
}

const vitest = join(root, "node_modules", "vitest", "vitest.mjs");
const status = runNode(vitest, ["run", ...args]);

if (!chromium && projects.length === 0) {
  const dir = join(root, "test", "browser");
  const skipped = existsSync(dir)
    ? readdirSync(dir, { recursive: true, encoding: "utf8" })
        .filter((file) => file.endsWith(".test.ts"))
        .map((file) => `test/browser/${file}`)
        .sort()
    : [];
  console.warn(
    [
      "",
      `test: no Chromium found, so these ${skipped.length} browser test file(s) did NOT run:`,
      ...skipped.map((file) => `  - ${file}`),
      howToEnable,
    ].join("\n"),
  );
}

process.exit(status);
