/**
 * The WebAssembly FlaM decoder (assembly/): opens blocks into one reusable arena and scans them
 * with SIMD kernels. Platform-neutral: it is handed a compiled `WebAssembly.Module` (workerd
 * imports it, Node compiles the file, the browser fetches it) and imports nothing.
 */
import type { BlockReader } from "../block-reader.ts";
import { flamError, FlamErrorCode } from "../errors.ts";
import { ArenaStack } from "./arena-stack.ts";
import { outOfMemory, type FlamContext } from "./context.ts";
import { OUT_OF_MEMORY, type FlamExports } from "./exports.ts";
import { MemoryViews } from "./memory-views.ts";
import { WasmBlock } from "./wasm-block.ts";

/** Inputs longer than this are BAD_LENGTH or a header error: only their header is copied. */
const MAX_BLOCK_BYTES = 16 * 1024 * 1024;
const HEADER_PREFIX = 16;

/**
 * One WASM instance and its arena. Not thread-safe; one per isolate or worker is enough.
 *
 * @example
 * const flam = FlamWasm.fromModule(module);
 * const block = flam.open(bytes);                  // validates; throws like openBlock
 * const scan = block.scan([block.keyId("country"), block.keyId("price")]);
 * scan.aggregate(0, 1);                             // [{ sid, count, valueCount, sum, min, max }]
 * scan.release();
 * flam.clear();                                     // frees every block and scan
 */
export class FlamWasm implements FlamContext {
  /** @internal */ readonly exports: FlamExports;
  /** @internal */ readonly views: MemoryViews;
  /** @internal */ readonly arena: ArenaStack;
  /** @internal */ epoch = 0;
  /** @internal */ readonly encoder = new TextEncoder();
  /** @internal */ readonly decoder = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });

  private constructor(instance: WebAssembly.Instance) {
    this.exports = instance.exports as unknown as FlamExports;
    this.views = new MemoryViews(this.exports.memory);
    this.arena = new ArenaStack((mark) => this.exports.release(mark));
    // The dictionary hash is seeded per instance so that no block can be built to collide.
    this.exports.setSeed((Math.random() * 2 ** 32) >>> 0);
  }

  /**
   * Instantiates the module: build/flam.wasm, or build/flam-scalar.wasm where `simdSupported()`
   * is false (both have the same exports and no imports, and give the same answers).
   */
  static fromModule(module: WebAssembly.Module): FlamWasm {
    return new FlamWasm(new WebAssembly.Instance(module, {}));
  }

  /**
   * Copies `bytes` into the arena and validates the whole block (docs/flam.md section 9).
   *
   * @throws {FlamTruncatedError} the bytes end before the block does.
   * @throws {FlamCorruptError} with the same code as the TypeScript reference `openBlock`.
   * @throws {RangeError} when WASM memory cannot grow.
   */
  open(bytes: Uint8Array): BlockReader {
    const ex = this.exports;
    const total = bytes.length;
    const copied = total <= MAX_BLOCK_BYTES ? total : HEADER_PREFIX;
    const mark = ex.mark();
    const p = ex.alloc(copied);
    if (p === 0) throw outOfMemory();
    this.views.u8.set(bytes.subarray(0, copied), p);
    const d = ex.open(p, copied, total);
    if (d === 0) {
      ex.release(mark);
      throw openError(ex, total);
    }
    return new WasmBlock(this, d, this.arena.push(mark));
  }

  /** Frees every opened block and scan; the memory is reused by the next `open`. */
  clear(): void {
    this.arena.clear();
    this.exports.reset();
    this.epoch++;
  }
}

function openError(ex: FlamExports, total: number): Error {
  const code = ex.lastError();
  if (code === OUT_OF_MEMORY) return outOfMemory();
  const at = ex.lastErrorAt();
  if (code === FlamErrorCode.TRUNCATED) {
    const needed = ex.lastNeeded();
    const want = needed > 0 ? `${needed} bytes` : "at least 16 bytes";
    return flamError(code, `block needs ${want}, got ${total}`, needed);
  }
  return flamError(code, `found at byte ${at} of ${total}`);
}
