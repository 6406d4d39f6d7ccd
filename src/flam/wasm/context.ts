/**
 * What blocks and scans share with their `FlamWasm`: the instance's exports, memory views, arena
 * bookkeeping and text codecs. An interface, so that blocks and scans do not import the class.
 */
import type { ArenaStack } from "./arena-stack.ts";
import type { FlamExports } from "./exports.ts";
import type { MemoryViews } from "./memory-views.ts";

export interface FlamContext {
  readonly exports: FlamExports;
  readonly views: MemoryViews;
  readonly arena: ArenaStack;
  /** Bumped by `clear`: blocks and scans of an older epoch refuse to run. */
  readonly epoch: number;
  readonly encoder: TextEncoder;
  /** A leading U+FEFF is text, not a byte-order mark (as in the reference decoder). */
  readonly decoder: TextDecoder;
}

/** WASM memory could not grow: not a block error, so a plain RangeError. */
export function outOfMemory(): RangeError {
  return new RangeError("FlamWasm: WebAssembly memory cannot grow");
}
