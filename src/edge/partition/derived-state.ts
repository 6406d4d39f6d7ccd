/**
 * Everything a partition derives from its log (the dedup window and visitor profiles), kept in
 * step with it by watermarks: log offsets up to which every event has been applied.
 *
 * Derived rows are written behind the log: each batch is applied in memory (dedup entries and
 * profiles that `find` and `load` see at once), and once `FLUSH_EVENTS` events have been applied
 * since the last write, the rows and the watermarks `through` (dedup) and `profiles_through` go
 * to storage in one transaction. So the tables always describe a log prefix, and whatever the log
 * holds past a watermark is applied again from the log (see catch-up.ts), which is the whole
 * recovery story: after a restart, at most `FLUSH_EVENTS` events plus one batch are replayed.
 */
import type { FlamEvent } from "../../flam/index.ts";
import { DedupIndex } from "./dedup.ts";
import { applyEvent } from "../../profile/index.ts";
import { ProfileStore, RECENT_OFFSETS, type StoredProfile } from "./profile-store.ts";
import { migrate, type Migration } from "./schema.ts";

const MIGRATIONS: readonly Migration[] = [
  [
    `CREATE TABLE derived_state (id INTEGER PRIMARY KEY CHECK (id = 0), through INTEGER NOT NULL)`,
    `INSERT INTO derived_state (id, through) VALUES (0, 0)`,
  ],
  [
    `ALTER TABLE derived_state ADD COLUMN profiles_through INTEGER NOT NULL DEFAULT 0`,
    `UPDATE derived_state SET profiles_through = through`,
  ],
];

/**
 * Derived rows are written once this many events have been applied since the last write: the
 * most a restart replays (about one sealed block), and a bound on what waits in memory.
 */
export const FLUSH_EVENTS = 8192;

/** One event of the log with its offset. */
export interface LoggedEvent {
  event: FlamEvent;
  offset: number;
}

/** Options of the derived state. */
export interface DerivedOptions {
  /** The dedup window, in log offsets. Defaults to `DEDUP_WINDOW` (1,000,000). */
  dedupWindow: number;
  /** Write the derived rows once this many events were applied since the last write. Defaults to `FLUSH_EVENTS` (8,192). */
  flushEvents: number;
}

/**
 * @example
 * const derived = new DerivedState(ctx.storage);
 * derived.apply([{ event, offset: derived.through }], derived.through + 1, logNext);
 */
export class DerivedState {
  readonly dedup: DedupIndex;
  readonly profiles: ProfileStore;
  private readonly storage: DurableObjectStorage;
  private readonly flushEvents: number;
  /** Dedup entries (stored or pending) applied through here. */
  private dedupThrough: number;
  /** Profiles (stored or staged) applied through here. */
  private profilesThrough: number;
  /** Derived rows stored through here (the smaller watermark). */
  private stored: number;

  constructor(storage: DurableObjectStorage, options: Readonly<Partial<DerivedOptions>> = {}) {
    this.storage = storage;
    this.flushEvents = options.flushEvents ?? FLUSH_EVENTS;
    this.dedup = new DedupIndex(storage, options.dedupWindow);
    this.profiles = new ProfileStore(storage);
    migrate(storage, "derived", MIGRATIONS);
    const row = storage.sql
      .exec<{ through: number; profiles_through: number }>(
        "SELECT through, profiles_through FROM derived_state",
      )
      .one();
    this.dedupThrough = row.through;
    this.profilesThrough = row.profiles_through;
    this.stored = Math.min(row.through, row.profiles_through);
  }

  /** Every log event below this offset has been applied to every derived table; none above. */
  get through(): number {
    return Math.min(this.dedupThrough, this.profilesThrough);
  }

  /**
   * Applies the log events `[this.through, through)` (given in log order, rejected offsets do
   * not exist: the log numbers only stored events), each to the tables that lack it, in memory;
   * writes the rows once `flushEvents` have been applied since the last write.
   *
   * @throws {RangeError} when `events` do not start at `this.through` or do not fill the range.
   */
  apply(events: readonly LoggedEvent[], through: number, logNext: number): void {
    const first = events[0]?.offset ?? through;
    if (first !== this.through || through - first !== events.length)
      throw new RangeError(
        `derived state is at ${this.through}; got events [${first}, ${first + events.length}) through ${through}`,
      );
    if (events.length === 0) return;
    this.profiles.stage(this.fold(events.filter((e) => e.offset >= this.profilesThrough)));
    this.dedup.add(
      events
        .filter((e) => e.offset >= this.dedupThrough)
        .map((e) => ({ id: e.event.id, offset: e.offset })),
    );
    this.dedupThrough = this.profilesThrough = through;
    if (through - this.stored >= this.flushEvents) this.flush(logNext);
  }

  /**
   * Stores what was applied in memory (dedup entries within the window of a log whose next
   * offset is `logNext`, profiles) and both watermarks, in one transaction.
   */
  flush(logNext: number): void {
    const through = this.through;
    if (this.stored === through) return;
    this.storage.transactionSync(() => {
      this.dedup.write(logNext);
      this.profiles.write();
      this.storage.sql.exec(
        "UPDATE derived_state SET through = ?, profiles_through = ?",
        through,
        through,
      );
    });
    this.dedup.written();
    this.profiles.written();
    this.stored = through;
  }

  /** Forgets every derived row and goes back to offset 0 (a rebuild starts here), atomically. */
  clear(): void {
    this.storage.transactionSync(() => {
      this.dedup.clear();
      this.storage.sql.exec("UPDATE derived_state SET through = 0, profiles_through = 0");
      this.profiles.clear();
    });
    this.dedupThrough = this.profilesThrough = this.stored = 0;
  }

  /** The changed profiles after folding events into the current ones, one load per batch. */
  private fold(events: readonly LoggedEvent[]): StoredProfile[] {
    const byVisitor = new Map<string, LoggedEvent[]>();
    for (const e of events) {
      const list = byVisitor.get(e.event.visitor);
      if (list === undefined) byVisitor.set(e.event.visitor, [e]);
      else list.push(e);
    }
    const stored = this.profiles.load([...byVisitor.keys()]);
    const out: StoredProfile[] = [];
    for (const [visitor, list] of byVisitor) {
      const before = stored.get(visitor);
      let profile = before?.profile ?? null;
      for (const { event } of list) profile = applyEvent(profile, event);
      const recent = [...(before?.recent ?? []), ...list.map((e) => e.offset)];
      out.push({ profile: profile!, recent: recent.slice(-RECENT_OFFSETS) });
    }
    return out;
  }
}
