// Builds the dashboard and the demo site into build/web/, which the Worker serves as static
// assets (wrangler.toml `[assets]`; /v1/* and /health always reach the Worker):
//
//   build/web/index.html             a link to both
//   build/web/dashboard/             web/dashboard/*.html|css + app.js (esbuild bundle of main.ts)
//   build/web/demo/                  web/demo/*.html|css + app.js
//   build/web/flam.wasm              the kernels, for the dashboard's offline cache
//
// Needs build/flam.wasm (scripts/build-wasm.mjs). Fast enough (well under a second) to run on
// every `npm start`.
//
// Usage: node scripts/build-web.mjs
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = fileURLToPath(new URL("..", import.meta.url));
const out = join(root, "build", "web");
const wasm = join(root, "build", "flam.wasm");

if (!existsSync(wasm)) {
  console.error("build-web: build/flam.wasm is missing: run `npm run build:wasm` first");
  process.exit(1);
}

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

for (const site of ["dashboard", "demo"]) {
  const source = join(root, "web", site);
  const target = join(out, site);
  mkdirSync(target, { recursive: true });
  for (const file of readdirSync(source))
    if (/\.(html|css|svg|png)$/.test(file)) copyFileSync(join(source, file), join(target, file));
  await build({
    entryPoints: [join(source, "main.ts")],
    outfile: join(target, "app.js"),
    bundle: true,
    minify: true,
    sourcemap: true,
    format: "esm",
    target: "es2022",
    // uPlot's stylesheet is imported by the dashboard and lands beside app.js as app.css.
    loader: { ".css": "css" },
    logLevel: "warning",
  });
}
copyFileSync(join(root, "web", "index.html"), join(out, "index.html"));
copyFileSync(wasm, join(out, "flam.wasm"));
console.log("build-web: build/web (dashboard, demo)");
