// Workers cannot compile WebAssembly from bytes at run time, so the binary is imported as a
// module that wrangler compiles at upload (the CompiledWasm rule in wrangler.toml).
import flamModule from "../../build/flam.wasm";

export { flamModule };

let instance: WebAssembly.Instance | undefined;

/**
 * The FlaM kernels instantiated once per isolate. The build drops every import
 * (`--use abort=`), so `{}` suffices; a new import in assembly/ fails here, at /health.
 *
 * @example
 * const { memory } = flamInstance().exports as { memory: WebAssembly.Memory };
 */
export function flamInstance(): WebAssembly.Instance {
  instance ??= new WebAssembly.Instance(flamModule, {});
  return instance;
}
