/**
 * Opening a partition's state over a Durable Object's storage: the log store, the log, the
 * derived state, and a catch-up so the derived state is level with the log before any call.
 */
import { Log } from "../../log/index.ts";
import { catchUp, type LogSource } from "./catch-up.ts";
import { DerivedState, type DerivedOptions } from "./derived-state.ts";
import { SqliteLogStore } from "./sqlite-log-store.ts";

/** A partition's state. Held in memory: the log's block index and tail, nothing per visitor. */
export interface PartitionState {
  source: LogSource;
  derived: DerivedState;
}

/**
 * Opens the partition state. The Log keeps its default options (seal at 8,192 events or
 * 4 MiB of segments), so its tail holds at most about 4 MiB plus one batch in memory.
 *
 * @example
 * const { source, derived } = await openPartition(ctx.storage);
 */
export async function openPartition(
  storage: DurableObjectStorage,
  options: Readonly<Partial<DerivedOptions>> = {},
): Promise<PartitionState> {
  const store = new SqliteLogStore(storage);
  const log = await Log.open(store, {
    onError: (error) =>
      console.error("flamingo partition: sealing the log tail failed; it keeps the events", error),
  });
  const derived = new DerivedState(storage, options);
  const source = { log, store };
  catchUp(source, derived);
  return { source, derived };
}
