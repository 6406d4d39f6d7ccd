/**
 * Bringing the derived state level with the log, from the log alone: after a crash between a
 * log write and its derived rows (catch-up), or from nothing (rebuild). Both read blocks in log
 * order and apply one block per transaction, so memory stays at one decoded block and a crash
 * half-way leaves a consistent prefix that the next catch-up continues.
 */
import { openBlock } from "../../flam/index.ts";
import type { Log } from "../../log/index.ts";
import type { DerivedState, LoggedEvent } from "./derived-state.ts";
import type { SqliteLogStore } from "./sqlite-log-store.ts";

/** What a partition's derived state is computed from. */
export interface LogSource {
  log: Log;
  store: SqliteLogStore;
}

/**
 * Applies the log events past `derived.through`; returns how many. A no-op (one comparison) when
 * the derived state is level, which is every call but the first after a failure.
 *
 * @example
 * catchUp({ log, store }, derived); // before serving, and before each ingest
 */
export function catchUp({ log, store }: LogSource, derived: DerivedState): number {
  const start = derived.through;
  const end = log.nextOffset;
  if (start >= end) return 0;
  for (const meta of log.metas()) {
    if (meta.first + meta.count <= derived.through) continue;
    const bytes = store.block(meta.first);
    if (bytes === undefined) throw new Error(`log block ${meta.first} is missing from storage`);
    const events: LoggedEvent[] = openBlock(bytes)
      .events()
      .map((event, i) => ({ event, offset: meta.first + i }))
      .filter((e) => e.offset >= derived.through);
    derived.apply(events, meta.first + meta.count, end);
  }
  return end - start;
}

/**
 * Recomputes every derived table from the log: clears them, then catches up from offset 0.
 *
 * @example
 * const { events, visitors } = rebuild({ log, store }, derived);
 */
export function rebuild(
  source: LogSource,
  derived: DerivedState,
): { events: number; visitors: number } {
  derived.clear();
  const events = catchUp(source, derived);
  derived.flush(source.log.nextOffset);
  return { events, visitors: derived.profiles.count() };
}
