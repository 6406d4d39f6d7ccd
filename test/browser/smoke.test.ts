import flamUrl from "../../build/flam.wasm?url";
import { describe, expect, it } from "vitest";

// (module (func (result v128) i32.const 0 i8x16.splat i8x16.popcnt)), as used by
// wasm-feature-detect: it validates only where fixed-width SIMD is supported.
const simdModule = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15,
  253, 98, 11,
]);

/** Resolves an IndexedDB request, rejecting with its error. */
function done<T>(request: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error ?? new Error("IndexedDB request failed"));
  });
}

describe("Chromium as a Flamingo client", () => {
  it("validates WebAssembly SIMD and rejects a corrupted module", () => {
    expect(WebAssembly.validate(simdModule)).toBe(true);
    const corrupted = simdModule.slice(0, -1);
    expect(WebAssembly.validate(corrupted)).toBe(false);
  });

  it("compiles build/flam.wasm from its URL and instantiates it with no imports", async () => {
    const module = await WebAssembly.compileStreaming(fetch(flamUrl));
    const instance = await WebAssembly.instantiate(module, {});

    expect(WebAssembly.Module.imports(module)).toEqual([]);
    expect(instance.exports.memory).toBeInstanceOf(WebAssembly.Memory);
  });

  it("stores and reads back a block in IndexedDB", async () => {
    const name = `flamingo-smoke-${crypto.randomUUID()}`;
    const open = indexedDB.open(name, 1);
    open.onupgradeneeded = () => open.result.createObjectStore("blocks");
    const db = await done(open);
    try {
      const block = new Uint8Array([1, 2, 3, 250]);
      await done(db.transaction("blocks", "readwrite").objectStore("blocks").put(block, "p0/0"));
      const read = await done(db.transaction("blocks").objectStore("blocks").get("p0/0"));
      expect(read).toEqual(block);
    } finally {
      db.close();
      await done(indexedDB.deleteDatabase(name));
    }
  });
});
