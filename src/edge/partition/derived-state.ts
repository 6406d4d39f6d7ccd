/**
 * Everything a partition derives from its log (the dedup window and visitor profiles), kept in
 * step with it by one number: `through`, the log offset up to which every event has been
 * applied. `through` is written in the same transaction as the derived rows, so the tables
 * always describe exactly the log prefix `[0, through)`, and whatever the log holds past it is
 * applied again from the log (see catch-up.ts). That is the whole recovery story.
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
];

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
 * derived.apply([{ event, offset: derived.through }], derived.through + 1);
 */
export class DerivedState {
  readonly dedup: DedupIndex;
  readonly profiles: ProfileStore;
  private readonly storage: DurableObjectStorage;
  private throughOffset: number;

  constructor(storage: DurableObjectStorage, options: Readonly<Partial<DerivedOptions>> = {}) {
    this.storage = storage;
    this.dedup = new DedupIndex(storage, options.dedupWindow);
    this.profiles = new ProfileStore(storage);
    migrate(storage, "derived", MIGRATIONS);
    this.throughOffset = storage.sql
      .exec<{ through: number }>("SELECT through FROM derived_state")
      .one().through;
  }

  /** Every log event below this offset has been applied; none at or above it. */
  get through(): number {
    return this.throughOffset;
  }

  /**
   * Applies the log events `[this.through, through)` (given in log order, rejected offsets do
   * not exist: the log numbers only stored events) in one transaction, with the log's next
   * offset `logNext` to place the dedup window.
   *
   * @throws {RangeError} when `events` do not start at `this.through` or do not fill the range.
   */
  apply(events: readonly LoggedEvent[], through: number, logNext: number): void {
    const first = events[0]?.offset ?? through;
    if (first !== this.throughOffset || through - first !== events.length)
      throw new RangeError(
        `derived state is at ${this.throughOffset}; got events [${first}, ${first + events.length}) through ${through}`,
      );
    if (events.length === 0) return;
    try {
      this.storage.transactionSync(() => {
        this.dedup.add(
          events.map((e) => ({ id: e.event.id, offset: e.offset })),
          logNext,
        );
        this.profiles.save(this.fold(events));
        this.storage.sql.exec("UPDATE derived_state SET through = ?", through);
      });
    } catch (error) {
      this.profiles.discard();
      throw error;
    }
    this.profiles.commit();
    this.throughOffset = through;
  }

  /** Forgets every derived row and goes back to offset 0 (a rebuild starts here), atomically. */
  clear(): void {
    this.storage.transactionSync(() => {
      this.dedup.clear();
      this.storage.sql.exec("UPDATE derived_state SET through = 0");
      this.profiles.clear();
    });
    this.throughOffset = 0;
  }

  /** The changed profiles after folding events into the stored ones, one load per batch. */
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
