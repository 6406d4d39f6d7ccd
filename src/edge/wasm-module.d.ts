// wrangler's CompiledWasm rule (and the workerd test pool) turn a `.wasm` import into a module.
declare module "*.wasm" {
  const module: WebAssembly.Module;
  export default module;
}
