// `npm run size:tracker`: the tracker entry point (src/client/tracker.ts, idb included) bundled
// for browsers with esbuild, minified, then gzipped at level 9: the bytes a site downloads.
// The budget is 4 KB (docs/sdk.md); test/node/tracker-size.test.ts fails past 6 KB.
//
// Usage: node scripts/tracker-size.mjs [--json]
import { build } from "esbuild";
import { gzipSync } from "node:zlib";
import { fileURLToPath } from "node:url";

/** Bundles and gzips the tracker; returns its minified and gzipped sizes in bytes. */
export async function trackerSize() {
  const result = await build({
    entryPoints: [fileURLToPath(new URL("../src/client/tracker.ts", import.meta.url))],
    bundle: true,
    minify: true,
    format: "esm",
    platform: "browser",
    target: "es2020",
    write: false,
    legalComments: "none",
  });
  const code = result.outputFiles[0].contents;
  return { minBytes: code.length, gzipBytes: gzipSync(code, { level: 9 }).length };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const size = await trackerSize();
  console.log(
    process.argv.includes("--json")
      ? JSON.stringify(size)
      : `tracker: ${size.minBytes} bytes minified, ${size.gzipBytes} bytes gzipped (budget 4096)`,
  );
}
