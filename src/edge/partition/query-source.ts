/**
 * The query engine's view of one partition (`TaskSource` of src/query): the log's blocks for a
 * time range, sealed ones from the resident cache, the open tail opened for this query only,
 * and visitor profiles from the profile store.
 */
import type { BlockReader } from "../../flam/index.ts";
import { openBlock } from "../../flam/index.ts";
import { FlamWasm } from "../../flam/wasm/index.ts";
import type { ProfileRow, SourceBlock, TaskSource, TimeRange } from "../../query/index.ts";
import { flamModule } from "../flam-wasm.ts";
import type { PartitionState } from "./open-partition.ts";
import type { ResidentBlocks } from "./query-blocks.ts";

/**
 * A source over the partition's state as it is now. `done()` frees the tail's scratch memory.
 *
 * @example
 * const source = partitionSource(state, resident);
 * try { return await runTask(query, source); } finally { source.done(); }
 */
export function partitionSource(
  state: PartitionState,
  resident: ResidentBlocks,
): TaskSource & { done(): void } {
  const { log, store } = state.source;
  let scratch: FlamWasm | null = null;
  return {
    async *blocks(range: TimeRange): AsyncGenerator<SourceBlock> {
      // Fixed now: a seal during the query cannot hide events (the sealed blocks listed here
      // stay in the store; tail segments are in hand).
      const { sealed, tail } = log.snapshot(range);
      for (const meta of sealed) {
        const r = await resident.get(meta.first, () => store.readBlock(meta.first));
        yield { reader: r.reader, event: (i) => resident.full(r).event(i) };
      }
      for (const segment of tail) {
        scratch ??= FlamWasm.fromModule(flamModule);
        const reader: BlockReader = scratch.open(segment.bytes);
        let full: ReturnType<typeof openBlock> | undefined;
        yield { reader, event: (i) => (full ??= openBlock(segment.bytes)).event(i) };
      }
    },
    profiles(visitors: readonly string[]): Map<string, ProfileRow> {
      const out = new Map<string, ProfileRow>();
      for (const [id, stored] of state.derived.profiles.load(visitors)) out.set(id, stored.profile);
      return out;
    },
    done() {
      scratch = null;
    },
  };
}
