/**
 * Feature detection for WebAssembly SIMD (fixed-width 128-bit, part of WebAssembly 2.0), which
 * build/flam.wasm needs. Runtimes without it (Chrome < 91, Firefox < 89, Safari < 16.4) refuse
 * to compile that binary; they load build/flam-scalar.wasm, the same kernels built without SIMD
 * (scripts/build-wasm.mjs), which gives the same answers on every input, more slowly.
 */

/**
 * The smallest module that uses v128: `(func (result v128) i32.const 0 i8x16.splat
 * i8x16.popcnt)`. i8x16.popcnt joined the SIMD proposal last, so pre-standard implementations
 * with other opcode numbers reject it too (the probe of GoogleChromeLabs/wasm-feature-detect).
 */
// prettier-ignore
const PROBE = Uint8Array.of(
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // "\0asm", version 1
  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b,       // type section: one func type () -> v128
  0x03, 0x02, 0x01, 0x00,                         // function section: one function of type 0
  0x0a, 0x0a, 0x01, 0x08, 0x00,                   // code section: one 8-byte body, no locals
  0x41, 0x00, 0xfd, 0x0f, 0xfd, 0x62, 0x0b,       // i32.const 0, i8x16.splat, i8x16.popcnt, end
);

/**
 * Whether this runtime compiles WebAssembly SIMD. Pure and cheap (validates a 31-byte module);
 * never throws.
 *
 * @example
 * // Pick the binary, then hand the compiled module to FlamWasm.fromModule (or createLogCache).
 * const url = simdSupported() ? "/flam.wasm" : "/flam-scalar.wasm";
 * const flam = FlamWasm.fromModule(await WebAssembly.compileStreaming(fetch(url)));
 */
export function simdSupported(): boolean {
  return typeof WebAssembly === "object" && WebAssembly.validate(PROBE);
}
