/**
 * Everything a partition derives from its log (the dedup window and visitor profiles), kept in
 * step with it by watermarks: log offsets up to which every event has been applied.
 *
 * - `through` (stored): the dedup rows describe exactly the log prefix `[0, through)`; it is
 *   written in the same transaction as the rows, at every batch.
 * - `profiles_through` (stored): the profile rows describe `[0, profiles_through)`. Profiles are
 *   written behind, once `PROFILE_FLUSH_EVENTS` events have been applied since the last write;
 *   the profiles of the events after it live in memory (profile-store.ts).
 *
 * Whatever the log holds past a watermark is applied again from the log (see catch-up.ts), which
 * is the whole recovery story: after a restart, profiles replay at most `PROFILE_FLUSH_EVENTS`
 * events plus one batch.
 */
import type { FlamEvent } from "../../flam/index.ts";
import { DedupIndex } from "./dedup.ts";
import { applyEvent } from "./profile.ts";
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
 * Profile rows are written once this many events have been applied since the last write: the
 * most a restart replays for profiles (about one sealed block), and a bound on staged profiles.
 */
export const PROFILE_FLUSH_EVENTS = 8192;

/** One event of the log with its offset. */
export interface LoggedEvent {
  event: FlamEvent;
  offset: number;
}

/** Options of the derived state. */
export interface DerivedOptions {
  /** The dedup window, in log offsets. Defaults to `DEDUP_WINDOW` (1,000,000). */
  dedupWindow: number;
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
  /** Dedup rows stored through here. */
  private dedupThrough: number;
  /** Profiles (stored or staged) applied through here. */
  private profilesThrough: number;
  /** Profile rows stored through here. */
  private profilesStored: number;

  constructor(storage: DurableObjectStorage, options: Readonly<Partial<DerivedOptions>> = {}) {
    this.storage = storage;
    this.dedup = new DedupIndex(storage, options.dedupWindow);
    this.profiles = new ProfileStore(storage);
    migrate(storage, "derived", MIGRATIONS);
    const row = storage.sql
      .exec<{ through: number; profiles_through: number }>(
        "SELECT through, profiles_through FROM derived_state",
      )
      .one();
    this.dedupThrough = row.through;
    this.profilesThrough = this.profilesStored = row.profiles_through;
  }

  /** Every log event below this offset has been applied to every derived table; none above. */
  get through(): number {
    return Math.min(this.dedupThrough, this.profilesThrough);
  }

  /**
   * Applies the log events `[this.through, through)` (given in log order, rejected offsets do
   * not exist: the log numbers only stored events), each to the tables that lack it, with the
   * log's next offset `logNext` to place the dedup window. Dedup rows are stored in one
   * transaction; profile rows when `PROFILE_FLUSH_EVENTS` have passed since the last write.
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
    const profiles = this.fold(events.filter((e) => e.offset >= this.profilesThrough));
    const ids = events.filter((e) => e.offset >= this.dedupThrough);
    if (ids.length > 0) {
      this.storage.transactionSync(() => {
        this.dedup.add(
          ids.map((e) => ({ id: e.event.id, offset: e.offset })),
          logNext,
        );
        this.storage.sql.exec("UPDATE derived_state SET through = ?", through);
      });
      this.dedupThrough = through;
    }
    this.profiles.stage(profiles);
    this.profilesThrough = through;
    if (through - this.profilesStored >= PROFILE_FLUSH_EVENTS) this.flush();
  }

  /** Stores the staged profiles and their watermark, in one transaction. */
  flush(): void {
    if (this.profilesStored === this.profilesThrough) return;
    this.storage.transactionSync(() => {
      this.profiles.write();
      this.storage.sql.exec("UPDATE derived_state SET profiles_through = ?", this.profilesThrough);
    });
    this.profiles.written();
    this.profilesStored = this.profilesThrough;
  }

  /** Forgets every derived row and goes back to offset 0 (a rebuild starts here), atomically. */
  clear(): void {
    this.storage.transactionSync(() => {
      this.dedup.clear();
      this.storage.sql.exec("UPDATE derived_state SET through = 0, profiles_through = 0");
      this.profiles.clear();
    });
    this.dedupThrough = this.profilesThrough = this.profilesStored = 0;
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
