/**
 * Loads build/flam.wasm (or its scalar twin build/flam-scalar.wasm) in Node for tests,
 * benchmarks and the fuzz runner (`npm run build:wasm` writes both). The binding itself never
 * reads files: it is handed this module.
 *
 * @example
 * const flam = FlamWasm.fromModule(loadFlamWasmModule());
 * const scalar = FlamWasm.fromModule(loadFlamWasmModule("flam-scalar.wasm"));
 */
import { existsSync, readFileSync } from "node:fs";

/** The two builds of assembly/ (scripts/build-wasm.mjs): with WebAssembly SIMD, and without. */
export const FLAM_BINARIES = ["flam.wasm", "flam-scalar.wasm"] as const;
export type FlamBinary = (typeof FLAM_BINARIES)[number];

export function loadFlamWasmModule(binary: FlamBinary = "flam.wasm"): WebAssembly.Module {
  const url = new URL(`../../build/${binary}`, import.meta.url);
  if (!existsSync(url)) {
    throw new Error(`build/${binary} is missing: run \`npm run build:wasm\` first`);
  }
  return new WebAssembly.Module(readFileSync(url));
}
