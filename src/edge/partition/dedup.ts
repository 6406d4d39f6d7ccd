/**
 * The dedup window: which event ids the partition has stored, and at which log offset, so a
 * retried event is answered `duplicate` instead of being stored twice (docs/partition.md).
 *
 * The window is a count of log offsets, not an age: an id is remembered while fewer than
 * `window` events (default 1,000,000) have been appended after it. A count bounds the table
 * (about 60-100 bytes a row with its index, so about 100 MB at the default, whatever the
 * traffic), does not depend on clocks, and is a function of the log alone, so a rebuild yields
 * the same window. The cost: on a partition taking 1,000 events/s, a retry more than about
 * 17 minutes late is stored again.
 */
import { migrate, type Migration } from "./schema.ts";
import { jsonChunks } from "./sql-json.ts";

/** Ids of the last this many log offsets are remembered. */
export const DEDUP_WINDOW = 1_000_000;

const MIGRATIONS: readonly Migration[] = [
  [
    // Keyed by offset so trimming the window deletes a range at the start of the table.
    `CREATE TABLE dedup_ids (log_offset INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE)`,
  ],
];

/** One stored event: its id and log offset. */
export interface DedupEntry {
  id: string;
  offset: number;
}

/**
 * @example
 * const dedup = new DedupIndex(ctx.storage);
 * dedup.find(["e-1", "e-2"], log.nextOffset) // Map { "e-1" => 0 } when e-1 is stored at offset 0
 */
export class DedupIndex {
  private readonly sql: SqlStorage;
  readonly window: number;

  constructor(storage: DurableObjectStorage, window = DEDUP_WINDOW) {
    this.sql = storage.sql;
    this.window = window;
    migrate(storage, "dedup", MIGRATIONS);
  }

  /** The ids among `ids` stored within the window of a log whose next offset is `next`. */
  find(ids: readonly string[], next: number): Map<string, number> {
    const found = new Map<string, number>();
    for (const chunk of jsonChunks(ids)) {
      const rows = this.sql.exec<{ id: string; log_offset: number }>(
        `SELECT d.id, d.log_offset FROM json_each(?) AS j JOIN dedup_ids AS d ON d.id = j.value
         WHERE d.log_offset >= ?`,
        chunk,
        next - this.window,
      );
      for (const row of rows) found.set(row.id, row.log_offset);
    }
    return found;
  }

  /**
   * Remembers entries (those already outside the window are skipped) and forgets ids that fell
   * out of it. An id stored again (only possible after it left the window) moves to its new offset.
   */
  add(entries: readonly DedupEntry[], next: number): void {
    const floor = next - this.window;
    const rows = entries.filter((e) => e.offset >= floor).map((e) => [e.offset, e.id]);
    for (const chunk of jsonChunks(rows))
      this.sql.exec(
        `INSERT OR REPLACE INTO dedup_ids (log_offset, id)
         SELECT value ->> 0, value ->> 1 FROM json_each(?)`,
        chunk,
      );
    this.sql.exec("DELETE FROM dedup_ids WHERE log_offset < ?", floor);
  }

  /** Forgets every id (before a rebuild). */
  clear(): void {
    this.sql.exec("DELETE FROM dedup_ids");
  }
}
