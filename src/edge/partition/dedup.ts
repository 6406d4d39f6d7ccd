/**
 * The dedup window: which event ids the partition has stored, and at which log offset, so a
 * retried event is answered `duplicate` instead of being stored twice (docs/partition.md).
 *
 * The window is a count of log offsets, not an age: an id is remembered while fewer than
 * `window` events (default 1,000,000) have been appended after it. A count bounds the table
 * (about 30 bytes a row with its index, so about 30 MB at the default, whatever the traffic),
 * does not depend on clocks, and is a function of the log alone, so a rebuild yields the same
 * window. The cost: on a partition taking 1,000 events/s, a retry more than about 17 minutes
 * late is stored again.
 *
 * Rows hold a 52-bit hash of the id (id-hash.ts), not the id: an integer index is a fraction of
 * the size of a text one. A hash match is confirmed against the id the log holds at that offset,
 * so a collision never answers `duplicate` for a new event.
 *
 * Rows are written behind, like profiles: `add` keeps the new entries in memory (where `find`
 * sees them at once) and `write` stores them sorted by hash when the derived state flushes
 * (every few thousand events). Random ids inserted batch by batch would touch a page of the hash
 * index per id; a few thousand sorted ones touch each page at most once. Entries lost with the
 * object are recomputed from the log (catch-up, derived-state.ts).
 */
import { idHash } from "./id-hash.ts";
import { migrate, type Migration } from "./schema.ts";
import { jsonChunks } from "./sql-json.ts";

/** Ids of the last this many log offsets are remembered. */
export const DEDUP_WINDOW = 1_000_000;

const MIGRATIONS: readonly Migration[] = [
  [
    // Keyed by offset so trimming the window deletes a range at the start of the table.
    `CREATE TABLE dedup_ids (log_offset INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE)`,
  ],
  [
    `CREATE TABLE dedup_hashes (log_offset INTEGER PRIMARY KEY, hash INTEGER NOT NULL)`,
    `CREATE INDEX dedup_hashes_by_hash ON dedup_hashes (hash)`,
    (sql) => {
      const rows = sql.exec<{ log_offset: number; id: string }>(
        "SELECT log_offset, id FROM dedup_ids",
      );
      insertHashes(
        sql,
        [...rows].map((r) => [r.log_offset, idHash(r.id)]),
      );
    },
    `DROP TABLE dedup_ids`,
  ],
];

/** One stored event: its id and log offset. */
export interface DedupEntry {
  id: string;
  offset: number;
}

/** The ids the log holds at these offsets (offsets it does not hold are absent). */
export type StoredIds = (offsets: readonly number[]) => Map<number, string>;

/**
 * @example
 * const dedup = new DedupIndex(ctx.storage);
 * dedup.find(["e-1", "e-2"], log.nextOffset, idsInLog) // Map { "e-1" => 0 } when e-1 is at offset 0
 */
export class DedupIndex {
  private readonly sql: SqlStorage;
  readonly window: number;
  /** Entries added and not yet written: the newest offset by hash, and `[offset, hash]` rows. */
  private pendingByHash = new Map<number, number>();
  private pendingRows: [offset: number, hash: number][] = [];

  constructor(storage: DurableObjectStorage, window = DEDUP_WINDOW) {
    this.sql = storage.sql;
    this.window = window;
    migrate(storage, "dedup", MIGRATIONS);
  }

  /**
   * The ids among `ids` stored within the window of a log whose next offset is `next`, each with
   * its offset. `stored` reads the ids the log holds at the offsets whose hash matched: only
   * retries and (about one in 2^32 lookups at a full window) collisions reach it.
   */
  find(ids: readonly string[], next: number, stored: StoredIds): Map<string, number> {
    const found = new Map<string, number>();
    const byHash = new Map<number, string[]>();
    for (const id of ids) {
      const h = idHash(id);
      const same = byHash.get(h);
      if (same === undefined) byHash.set(h, [id]);
      else same.push(id);
    }
    const candidates: [hash: number, offset: number][] = [];
    for (const chunk of jsonChunks([...byHash.keys()]))
      for (const row of this.sql.exec<{ hash: number; log_offset: number }>(
        `SELECT d.hash, d.log_offset FROM json_each(?) AS j JOIN dedup_hashes AS d
           ON d.hash = j.value WHERE d.log_offset >= ?`,
        chunk,
        next - this.window,
      ))
        candidates.push([row.hash, row.log_offset]);
    for (const hash of byHash.keys()) {
      const offset = this.pendingByHash.get(hash);
      if (offset !== undefined && offset >= next - this.window) candidates.push([hash, offset]);
    }
    if (candidates.length === 0) return found;
    const inLog = stored(candidates.map(([, offset]) => offset));
    for (const [hash, offset] of candidates) {
      const id = inLog.get(offset);
      if (id !== undefined && byHash.get(hash)!.includes(id) && !(found.get(id)! > offset))
        found.set(id, offset);
    }
    return found;
  }

  /**
   * Remembers entries in memory, for `find` at once and for the next `write`. An id stored again
   * (only possible after it left the window) gets a second row.
   */
  add(entries: readonly DedupEntry[]): void {
    for (const e of entries) {
      const hash = idHash(e.id);
      this.pendingByHash.set(hash, e.offset);
      this.pendingRows.push([e.offset, hash]);
    }
  }

  /** Number of entries added and not yet written. */
  get pending(): number {
    return this.pendingRows.length;
  }

  /**
   * Stores the entries added since the last write (those already outside the window of a log
   * whose next offset is `next` are skipped) and forgets ids that fell out of the window. Call
   * inside the transaction that records how far the rows reach, then `written()`.
   */
  write(next: number): void {
    const floor = next - this.window;
    const rows = this.pendingRows.filter(([offset]) => offset >= floor);
    insertHashes(
      this.sql,
      rows.sort((x, y) => x[1] - y[1]),
    );
    this.sql.exec("DELETE FROM dedup_hashes WHERE log_offset < ?", floor);
  }

  /** The transaction holding the last `write` committed: forget what it stored. */
  written(): void {
    this.pendingByHash.clear();
    this.pendingRows = [];
  }

  /** Forgets every id (before a rebuild). */
  clear(): void {
    this.sql.exec("DELETE FROM dedup_hashes");
    this.written();
  }
}

/** Inserts `[offset, hash]` rows, one statement per JSON chunk. */
function insertHashes(sql: SqlStorage, rows: readonly (readonly [number, number])[]): void {
  for (const chunk of jsonChunks(rows))
    sql.exec(
      `INSERT OR REPLACE INTO dedup_hashes (log_offset, hash)
       SELECT value ->> 0, value ->> 1 FROM json_each(?)`,
      chunk,
    );
}
