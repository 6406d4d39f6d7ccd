// Finds the Chromium that the browser tests drive. Shared by vitest.config.ts (to include the
// browser project) and scripts/test.mjs (to say plainly what did not run). Nothing here may
// download a browser: it has to be installed (Debian: `apt-get install -y chromium`).
import { existsSync } from "node:fs";

/**
 * The flags every Chromium this project launches gets (browser tests, e2e tests, the client
 * bench): no sandbox (containers), and nothing in the background that could reach the network
 * or compete with what is measured.
 */
export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

/** Paths tried after the environment variables, in order. */
export const CHROMIUM_CANDIDATES = ["/usr/bin/chromium", "/usr/bin/chromium-browser"];

/**
 * The Chromium executable to use, or undefined when none is installed.
 * `FLAMINGO_CHROMIUM`, then `CHROMIUM_PATH`, then {@link CHROMIUM_CANDIDATES}.
 *
 * @throws Error when an environment variable names a path that does not exist.
 *
 * @example
 * findChromium(); // "/usr/bin/chromium"
 */
export function findChromium(env = process.env) {
  for (const name of ["FLAMINGO_CHROMIUM", "CHROMIUM_PATH"]) {
    const path = env[name];
    if (!path) continue;
    // An explicit path that is wrong is a mistake to report, not a reason to skip tests.
    if (!existsSync(path)) throw new Error(`${name}=${path} does not exist`);
    return path;
  }
  return CHROMIUM_CANDIDATES.find((path) => existsSync(path));
}
