import { mkdirSync } from "node:fs";
import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { playwright } from "@vitest/browser-playwright";
import { defineConfig, type TestProjectInlineConfiguration } from "vitest/config";
import { CHROMIUM_ARGS, findChromium } from "./scripts/chromium.mjs";

/** Unit tests beside the code, Node-side suites and benchmark checks. */
const node: TestProjectInlineConfiguration = {
  test: {
    name: "node",
    environment: "node",
    include: ["src/**/*.test.ts", "test/node/**/*.test.ts", "bench/**/*.test.ts"],
  },
};

// wrangler.toml's `[assets]` directory must exist for the Worker to load; `npm start` and
// `npm run build` fill it (scripts/build-web.mjs), tests of the API need it only to exist.
mkdirSync("build/web", { recursive: true });

/** The Worker from wrangler.toml, exercised inside workerd (`exports.default.fetch`). */
const workerd: TestProjectInlineConfiguration = {
  plugins: [
    cloudflareTest({
      wrangler: { configPath: "./wrangler.toml" },
      // What `npm start` passes with --var: the local demo project and an admin token. A deployed
      // Worker has neither unless its owner sets them.
      miniflare: { bindings: { FLAMINGO_DEMO: "true", ADMIN_TOKEN: "test-admin-token" } },
    }),
  ],
  test: {
    name: "workerd",
    include: ["test/workerd/**/*.test.ts"],
  },
};

/** Real Chromium (IndexedDB, WASM SIMD) driven by Playwright; never downloads a browser. */
function browser(executablePath: string): TestProjectInlineConfiguration {
  return {
    test: {
      name: "browser",
      include: ["test/browser/**/*.test.ts"],
      // `wrangler dev` with the demo project, for the tracker's end-to-end tests.
      globalSetup: ["test/browser/global-setup.ts"],
      browser: {
        enabled: true,
        headless: true,
        provider: playwright({
          launchOptions: {
            executablePath,
            args: [...CHROMIUM_ARGS],
          },
        }),
        instances: [{ browser: "chromium" }],
      },
    },
  };
}

/**
 * The first-run experience (test/e2e): `npm start` on a free port, a small seed, and
 * playwright-core driving Chromium through the demo site and the dashboard.
 */
const e2e: TestProjectInlineConfiguration = {
  test: {
    name: "e2e",
    environment: "node",
    include: ["test/e2e/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 300_000,
  },
};

// Without a Chromium the browser project is left out; scripts/test.mjs then names the files
// that did not run (and fails when FLAMINGO_REQUIRE_BROWSER=1).
const chromium = findChromium();

export default defineConfig({
  test: {
    // A project may have no tests yet (src/ while the core is written); that is not a failure.
    passWithNoTests: true,
    projects: [node, workerd, ...(chromium ? [browser(chromium), e2e] : [])],
  },
});
