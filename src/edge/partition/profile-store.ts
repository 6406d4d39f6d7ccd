/**
 * Visitor profiles in the partition's SQLite database: one row per visitor, the profile of
 * profile.ts plus the offsets of the visitor's newest events (the index `visitor()` reads).
 * Derived state: a rebuild recomputes every row from the log.
 *
 * Rows are written behind: `stage` keeps changed profiles in memory (where `load` sees them at
 * once), and `write` stores them all in one statement when the derived state flushes, every few
 * thousand events (derived-state.ts); a visitor active in many batches costs one row write, not
 * one per batch. Staged profiles lost with the object are recomputed from the log.
 *
 * The cache holds stored rows only: `write` notes what it wrote, and the caller moves it into
 * the cache with `written()` once the transaction holding the write has succeeded; a rolled-back
 * write leaves the profiles staged, to be written again.
 */
import type { PropertyValue } from "../../flam/index.ts";
import { ByteLru } from "./byte-lru.ts";
import type { VisitorProfile } from "./contract.ts";
import { migrate, type Migration } from "./schema.ts";
import { jsonChunks } from "./sql-json.ts";

/** Offsets of a visitor's newest events kept with the profile. */
export const RECENT_OFFSETS = 100;

/**
 * Bound of the in-memory profile cache, in characters of the profiles' stored JSON (a few times
 * that in heap). Reading a profile row and parsing it costs about as much as writing it, so
 * visitors active across batches are served from memory.
 */
export const PROFILE_CACHE_CHARS = 4 * 1024 * 1024;

const MIGRATIONS: readonly Migration[] = [
  [
    `CREATE TABLE profiles (
      visitor TEXT PRIMARY KEY,
      first_seen INTEGER NOT NULL,
      last_seen INTEGER NOT NULL,
      event_count INTEGER NOT NULL,
      properties TEXT NOT NULL,
      counts TEXT NOT NULL,
      recent TEXT NOT NULL
    )`,
  ],
];

/** A profile as stored: with the log offsets of the visitor's newest events, oldest first. */
export interface StoredProfile {
  profile: VisitorProfile;
  recent: number[];
}

type Row = {
  visitor: string;
  first_seen: number;
  last_seen: number;
  event_count: number;
  properties: string;
  counts: string;
  recent: string;
};

/**
 * @example
 * const profiles = new ProfileStore(ctx.storage);
 * profiles.load(["v1"]).get("v1")?.profile.eventCount
 */
export class ProfileStore {
  private readonly sql: SqlStorage;
  private readonly cache = new ByteLru<string, StoredProfile>(PROFILE_CACHE_CHARS);
  /** Profiles changed since the last write, by visitor: newer than their rows. */
  private staged = new Map<string, StoredProfile>();
  /** What the last `write` stored, with its cache weight, until `written()`. */
  private writing: [StoredProfile, number][] = [];

  constructor(storage: DurableObjectStorage) {
    this.sql = storage.sql;
    migrate(storage, "profiles", MIGRATIONS);
  }

  /** The stored profiles of these visitors (visitors without one are absent). */
  load(visitors: readonly string[]): Map<string, StoredProfile> {
    const out = new Map<string, StoredProfile>();
    const missing: string[] = [];
    for (const v of visitors) {
      const cached = this.staged.get(v) ?? this.cache.get(v);
      if (cached === undefined) missing.push(v);
      else out.set(v, cached);
    }
    for (const chunk of jsonChunks(missing))
      for (const row of this.sql.exec<Row>(
        `SELECT p.* FROM json_each(?) AS j JOIN profiles AS p ON p.visitor = j.value`,
        chunk,
      )) {
        const stored = fromRow(row);
        out.set(row.visitor, stored);
        this.cache.set(row.visitor, stored, sizeOf(row));
      }
    return out;
  }

  /** Holds changed profiles in memory until the next `write`; `load` returns them from now on. */
  stage(profiles: Iterable<StoredProfile>): void {
    for (const stored of profiles) this.staged.set(stored.profile.visitor, stored);
  }

  /** Number of profiles staged and not yet written. */
  get pending(): number {
    return this.staged.size;
  }

  /** Inserts or replaces the rows of every staged profile (see `written`). */
  write(): void {
    const rows: (string | number)[][] = [];
    this.writing = [];
    for (const stored of this.staged.values()) {
      const { profile: p, recent } = stored;
      const row = {
        visitor: p.visitor,
        properties: JSON.stringify(p.properties),
        counts: JSON.stringify(p.counts),
        recent: JSON.stringify(recent),
      };
      rows.push([
        p.visitor,
        p.firstSeen,
        p.lastSeen,
        p.eventCount,
        row.properties,
        row.counts,
        row.recent,
      ]);
      this.writing.push([stored, sizeOf(row)]);
    }
    // `->>` on a JSON string yields the SQL text itself: the stored JSON is exactly ours.
    for (const chunk of jsonChunks(rows))
      this.sql.exec(
        `INSERT OR REPLACE INTO profiles
           (visitor, first_seen, last_seen, event_count, properties, counts, recent)
         SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5,
           value ->> 6
         FROM json_each(?)`,
        chunk,
      );
  }

  /** The transaction holding the last `write` committed: its profiles move to the cache. */
  written(): void {
    for (const [stored, size] of this.writing) {
      const visitor = stored.profile.visitor;
      this.cache.set(visitor, stored, size);
      // A profile staged again after the write stays staged.
      if (this.staged.get(visitor) === stored) this.staged.delete(visitor);
    }
    this.writing = [];
  }

  /** Number of visitors with a stored profile (staged ones are counted once written). */
  count(): number {
    return this.sql.exec<{ n: number }>("SELECT count(*) AS n FROM profiles").one().n;
  }

  /** Deletes every profile (before a rebuild). */
  clear(): void {
    this.sql.exec("DELETE FROM profiles");
    this.cache.clear();
    this.staged.clear();
    this.writing = [];
  }
}

/** A row's weight in the cache: the characters it stores, plus a fixed cost per entry. */
function sizeOf(row: Pick<Row, "visitor" | "properties" | "counts" | "recent">): number {
  return 64 + row.visitor.length + row.properties.length + row.counts.length + row.recent.length;
}

function fromRow(row: Row): StoredProfile {
  return {
    profile: {
      visitor: row.visitor,
      properties: JSON.parse(row.properties) as Record<string, PropertyValue>,
      firstSeen: row.first_seen,
      lastSeen: row.last_seen,
      eventCount: row.event_count,
      counts: JSON.parse(row.counts) as Record<string, number>,
    },
    recent: JSON.parse(row.recent) as number[],
  };
}
