/**
 * The query engine's view of one partition (`TaskSource` of src/query): the log's blocks for a
 * time range (sealed blocks and tail segments, kept opened by the resident cache) and visitor
 * profiles from the profile store.
 */
import type { ProfileRow, SourceBlock, TaskSource, TimeRange } from "../../query/index.ts";
import type { PartitionState } from "./open-partition.ts";
import type { ResidentBlocks } from "./query-blocks.ts";

/**
 * A source over the partition's state as it is now.
 *
 * @example
 * const partial = await runTask(query, partitionSource(state, resident));
 */
export function partitionSource(state: PartitionState, resident: ResidentBlocks): TaskSource {
  const { log, store } = state.source;
  return {
    async *blocks(range: TimeRange): AsyncGenerator<SourceBlock> {
      // Fixed now: a seal during the query cannot hide events (the sealed blocks listed here
      // stay in the store; tail segments are in hand).
      const all = log.snapshot();
      resident.keepOnly(
        new Set([
          ...all.sealed.map((m) => `s${m.first}`),
          ...all.tail.map((t) => `t${t.meta.first}`),
        ]),
      );
      const { sealed, tail } = log.snapshot(range);
      for (const meta of sealed) {
        const r = await resident.get(`s${meta.first}`, () => store.block(meta.first));
        yield { reader: r.reader, event: (i) => resident.full(r).event(i) };
      }
      for (const segment of tail) {
        const r = await resident.get(`t${segment.meta.first}`, () => segment.bytes);
        yield { reader: r.reader, event: (i) => resident.full(r).event(i) };
      }
    },
    profiles(visitors: readonly string[]): Map<string, ProfileRow> {
      const out = new Map<string, ProfileRow>();
      for (const [id, stored] of state.derived.profiles.load(visitors)) out.set(id, stored.profile);
      return out;
    },
  };
}
