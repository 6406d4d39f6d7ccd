/**
 * Loads build/flam.wasm in Node for tests, benchmarks and the fuzz runner (`npm run build:wasm`
 * writes it). The binding itself never reads files: it is handed this module.
 *
 * @example
 * const flam = FlamWasm.fromModule(loadFlamWasmModule());
 */
import { existsSync, readFileSync } from "node:fs";

const WASM_URL = new URL("../../build/flam.wasm", import.meta.url);

export function loadFlamWasmModule(): WebAssembly.Module {
  if (!existsSync(WASM_URL)) {
    throw new Error("build/flam.wasm is missing: run `npm run build:wasm` first");
  }
  return new WebAssembly.Module(readFileSync(WASM_URL));
}
