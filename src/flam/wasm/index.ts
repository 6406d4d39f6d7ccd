/** The WebAssembly FlaM decoder: `FlamWasm.fromModule(module).open(bytes)` is a `BlockReader`. */
export { FlamWasm } from "./flam-wasm.ts";
export { simdSupported } from "./simd-supported.ts";
