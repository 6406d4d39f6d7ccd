// Compiles assembly/index.ts twice, from the same source:
//   build/flam.wasm         with WebAssembly SIMD: the binary the Worker (wrangler's CompiledWasm
//                           rule), Node tests and benchmarks (readFileSync) and browsers load;
//   build/flam-scalar.wasm  without it, for browsers that lack SIMD (Chrome < 91, Safari < 16.4):
//                           every v128 path in assembly/ sits under `if (ASC_FEATURE_SIMD)`, a
//                           compile-time constant, so this build compiles only the scalar twins.
// Both give the same answers on every input (test/node/flam-scalar.test.ts). Skips a binary that
// is newer than every input, so `npm test` and `npm start` can call it on every run for free.
//
// Usage: node scripts/build-wasm.mjs [--force]
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, utimesSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const sourceDir = join(root, "assembly");
const entry = join(sourceDir, "index.ts");

// Flags from docs: `--runtime stub` (no GC: kernels work in one arena), `--use abort=` (drops
// the only import, so every runtime instantiates with `{}`), `--noAssert` (bounds are checked
// once in TypeScript), `--bindings raw` (no generated loader: each runtime brings its own).
const flags = ["-O3", "--runtime", "stub", "--noAssert", "--use", "abort=", "--bindings", "raw"];

// SIMD is off by default in asc 0.28; `--enable simd` turns it on and sets ASC_FEATURE_SIMD.
const binaries = [
  { output: join(root, "build", "flam.wasm"), flags: [...flags, "--enable", "simd"] },
  { output: join(root, "build", "flam-scalar.wasm"), flags },
];

/** Newest modification time among files under `dir`, recursively. */
function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    const mtime = entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs;
    newest = Math.max(newest, mtime);
  }
  return newest;
}

/** Compiles one binary; exits the process on a compile error. */
async function compile(asc, { output, flags }) {
  const startedAt = new Date();
  const started = performance.now();
  const { error } = await asc.main(
    [
      relative(root, entry),
      ...flags,
      "-o",
      relative(root, output),
      "--textFile",
      relative(root, output.replace(/\.wasm$/, ".wat")),
      "--baseDir",
      root,
    ],
    { stdout: process.stdout, stderr: process.stderr },
  );
  if (error) {
    // A half-written binary newer than the sources would make the next run skip the compile.
    rmSync(output, { force: true });
    console.error(`build-wasm: ${relative(root, output)}: ${error.message}`);
    process.exit(1);
  }
  // Date the binary at the start of the compile: a source saved while asc ran is then newer than
  // the binary, so the next run rebuilds instead of trusting output made from the older text.
  utimesSync(output, startedAt, startedAt);
  const ms = Math.round(performance.now() - started);
  const name = relative(root, output);
  console.log(`build-wasm: wrote ${name} (${statSync(output).size} bytes) in ${ms} ms`);
}

if (!existsSync(entry)) {
  console.error(`build-wasm: ${relative(root, entry)} is missing; nothing to compile.`);
  process.exit(1);
}

// This script holds the flags, so editing it also invalidates the binaries.
const inputsMtime = Math.max(
  newestMtime(sourceDir),
  statSync(fileURLToPath(import.meta.url)).mtimeMs,
);
const force = process.argv.includes("--force");
const stale = binaries.filter(
  ({ output }) => force || !existsSync(output) || statSync(output).mtimeMs <= inputsMtime,
);
if (stale.length === 0) {
  console.log("build-wasm: build/flam.wasm and build/flam-scalar.wasm are up to date");
  process.exit(0);
}

mkdirSync(join(root, "build"), { recursive: true });
// Loaded only when compiling: importing the compiler costs more than the freshness check.
const { default: asc } = await import("assemblyscript/asc");
for (const binary of stale) await compile(asc, binary);
