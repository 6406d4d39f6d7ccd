// Lint: the recommended rules, plus the one architectural rule that must not rot: the core
// (src/flam, src/log, src/query, src/triggers, src/profile) is platform-neutral, so it runs unchanged in
// workerd, Node and the browser. Only src/edge and src/client may touch a platform.
// test/node/lint-boundary.test.ts fails if this rule stops reporting.
import js from "@eslint/js";
import { defineConfig, globalIgnores } from "eslint/config";
import tseslint from "typescript-eslint";

/** Folders that must not import a platform. */
const CORE = ["src/flam/**", "src/log/**", "src/query/**", "src/triggers/**", "src/profile/**"];

const TESTS = ["**/*.test.ts"];

const MESSAGE =
  "The core (src/flam, src/log, src/query, src/triggers, src/profile) is platform-neutral: platform code " +
  "belongs in src/edge or src/client, which pass what the core needs in.";

// Tests beside core code run in Node, so Node modules are their platform, not a leak.
const nodeModules = { paths: ["fs", "path"], patterns: ["node:*", "fs/*", "path/*"] };

function boundaryRules({ allowNode }) {
  const paths = ["hono", "idb", ...(allowNode ? [] : nodeModules.paths)];
  const patterns = [
    "hono/*",
    "cloudflare:*",
    "**/edge",
    "**/edge/**",
    "**/client",
    "**/client/**",
    ...(allowNode ? [] : nodeModules.patterns),
  ];
  const dynamic = allowNode ? "hono|cloudflare:|idb$" : "hono|cloudflare:|idb$|node:|fs$|path$";
  const globals = ["indexedDB", "window", "document", "navigator", "caches"];
  return {
    "no-restricted-imports": [
      "error",
      {
        paths: paths.map((name) => ({ name, message: MESSAGE })),
        patterns: [{ group: patterns, message: MESSAGE }],
      },
    ],
    // `import("hono")` is not an import declaration, so no-restricted-imports misses it.
    "no-restricted-syntax": [
      "error",
      { selector: `ImportExpression[source.value=/^(${dynamic})/]`, message: MESSAGE },
    ],
    "no-restricted-globals": ["error", ...globals.map((name) => ({ name, message: MESSAGE }))],
  };
}

// Globals for the Node scripts and configs written in plain JS (TypeScript files get theirs
// from the type checker, which is why typescript-eslint turns no-undef off for them).
const nodeGlobals = Object.fromEntries(
  ["process", "console", "URL", "performance", "setTimeout", "clearTimeout", "Buffer"].map(
    (name) => [name, "readonly"],
  ),
);

export default defineConfig(
  globalIgnores(["build/", "dist/", ".wrangler/", "coverage/", "assembly/"]),
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    files: ["**/*.{js,mjs}"],
    languageOptions: { globals: nodeGlobals },
  },
  {
    files: CORE,
    ignores: TESTS,
    rules: boundaryRules({ allowNode: false }),
  },
  {
    files: CORE.map((dir) => `${dir}/*.test.ts`),
    rules: boundaryRules({ allowNode: true }),
  },
);
