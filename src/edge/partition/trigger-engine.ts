/**
 * A partition's trigger engine (docs/triggers.md): the definition set it holds, the evaluator
 * compiled from it, and every visitor's evaluation state. The state is derived data, staged in
 * memory and written behind the log like profiles: every `FLUSH_EVENTS` events (or when many
 * visitors are staged), with a watermark `through`; after a restart, `catchUp` replays the log
 * past the watermark in backfill mode, which never fires again.
 *
 * Firings are facts of the log: each one is appended as a `$fired` event (carrying the tag
 * action's properties, so tags reach the profile through the ordinary fold), and a replay that
 * meets a `$fired` event restores the frequency bookkeeping from it. So a rebuild from the log
 * reaches the same state, firing history included, without firing again.
 */
import type { FlamEvent } from "../../flam/index.ts";
import {
  createEvaluator,
  type Evaluator,
  type Fired,
  type Mode,
  type ProfileView,
  type VisitorState,
} from "../../triggers/index.ts";
import type { DefinitionSet } from "../registry/definitions.ts";
import { resolveSet, type ResolvedSet } from "../triggers/definition-set.ts";
import { ByteLru } from "./byte-lru.ts";
import { migrate, type Migration } from "./schema.ts";
import { jsonChunks } from "./sql-json.ts";

const MIGRATIONS: readonly Migration[] = [
  [
    `CREATE TABLE trigger_defs (id INTEGER PRIMARY KEY CHECK (id = 0), set_json TEXT NOT NULL,
       effective TEXT NOT NULL)`,
    `CREATE TABLE trigger_state (visitor TEXT PRIMARY KEY, state TEXT NOT NULL)`,
  ],
  [
    // -1: states were written with every batch until now, so they are level with the log.
    `CREATE TABLE trigger_progress (id INTEGER PRIMARY KEY CHECK (id = 0), through INTEGER NOT NULL)`,
    `INSERT INTO trigger_progress (id, through) VALUES (0, -1)`,
  ],
];

/** States are written once this many events were stepped since the last write. */
export const TRIGGER_FLUSH_EVENTS = 8192;
/** ... or once this many visitors' states wait in memory. */
const TRIGGER_FLUSH_VISITORS = 4096;

/** Name of the system event recording a firing. */
export const FIRED_EVENT = "$fired";

/**
 * Characters of clean visitor states kept parsed between calls: with 100 triggers a state is a
 * few KB of JSON, and parsing it on every batch was the engine's largest cost.
 */
const STATE_CACHE_BYTES = 16 * 1024 * 1024;

/** A firing with what the plumbing needs to act. */
export interface Firing extends Fired {
  visitor: string;
  time: number;
}

/**
 * @example
 * const engine = new TriggerEngine(ctx.storage);
 * const fired = engine.step(event, profileAfter, "live");
 */
export class TriggerEngine {
  private readonly storage: DurableObjectStorage;
  private readonly sql: SqlStorage;
  private set: ResolvedSet;
  private evaluator: Evaluator;
  private readonly cache = new ByteLru<string, VisitorState>(STATE_CACHE_BYTES);
  private staged = new Map<string, VisitorState>();
  private writing: [string, VisitorState, number][] = [];
  /** Log offset through which every event has been stepped (in memory), and as stored. */
  private through: number;
  private storedThrough: number;

  constructor(storage: DurableObjectStorage) {
    this.storage = storage;
    this.sql = storage.sql;
    migrate(storage, "triggers", MIGRATIONS);
    const row = this.sql
      .exec<{ set_json: string; effective: string }>("SELECT set_json, effective FROM trigger_defs")
      .toArray()[0];
    const set: DefinitionSet =
      row === undefined ? { version: 0, definitions: [] } : JSON.parse(row.set_json);
    const effective = new Map<string, { json: string; version: number }>(
      row === undefined ? [] : JSON.parse(row.effective),
    );
    this.set = resolveSet(set, effective);
    this.evaluator = createEvaluator(this.set);
    this.through = this.storedThrough = this.sql
      .exec<{ through: number }>("SELECT through FROM trigger_progress")
      .one().through;
  }

  /**
   * Steps the log events past the stored watermark, in backfill mode (a restart lost the states
   * staged in memory; their firings already happened and are in the log as `$fired` events).
   * Profiles are as stored now, which may be a little ahead of those events: only visitor-property
   * conditions over the replayed stretch can tell.
   */
  catchUp(
    next: number,
    events: (from: number) => Iterable<FlamEvent>,
    profile: (visitor: string) => ProfileView,
  ): number {
    if (this.through < 0) this.through = this.storedThrough = next;
    if (this.through >= next) return 0;
    let n = 0;
    if (this.active)
      for (const event of events(this.through)) {
        this.step(event, profile(event.visitor), "backfill");
        n++;
      }
    this.through = next;
    this.flush();
    return n;
  }

  /** Marks every event below `next` as stepped; writes the states when enough have waited. */
  advance(next: number): void {
    this.through = next;
    if (
      this.through - this.storedThrough >= TRIGGER_FLUSH_EVENTS ||
      this.staged.size >= TRIGGER_FLUSH_VISITORS
    )
      this.flush();
  }

  /** Writes the staged states and the watermark in one transaction. */
  flush(): void {
    if (this.staged.size === 0 && this.through === this.storedThrough) return;
    this.storage.transactionSync(() => {
      this.write();
      this.sql.exec("UPDATE trigger_progress SET through = ?", this.through);
    });
    this.written();
    this.storedThrough = this.through;
  }

  /** The version of the definition set held. */
  get version(): number {
    return this.set.version;
  }

  /** Whether any definition is active (no state is kept otherwise). */
  get active(): boolean {
    return this.set.triggers.length + this.set.segments.length > 0;
  }

  /** The name of a trigger held, for answers. */
  trigger(id: string) {
    return this.set.triggers.find((t) => t.id === id);
  }

  /**
   * Folds one event of a visitor into its state and answers what fires (never in backfill).
   * `profile` is the visitor's profile with the event applied.
   */
  step(event: FlamEvent, profile: ProfileView, mode: Mode): Firing[] {
    if (!this.active) return [];
    const state = this.load(event.visitor);
    if (event.name === FIRED_EVENT) {
      this.restoreFiring(state, event);
      this.staged.set(event.visitor, state);
      return [];
    }
    const result = this.evaluator.step(state, event, profile, mode);
    this.staged.set(event.visitor, result.state);
    return result.fired.map((f) => ({ ...f, visitor: event.visitor, time: event.time }));
  }

  /**
   * Takes a newer definition set: stores it, recompiles, and backfills the definitions whose
   * effective version changed by replaying the log (`replay` calls its visitor with every event
   * in log order and the visitor's profile after it). Returns the ids backfilled.
   */
  setDefinitions(
    set: DefinitionSet,
    replay: (visit: (event: FlamEvent, profile: ProfileView) => void) => void,
  ): string[] {
    if (set.version <= this.set.version) return [];
    const next = resolveSet(set, this.set.effective);
    for (const b of next.broken) console.error(`flamingo triggers: ${b.id} skipped: ${b.error}`);
    const changed = [...next.effective]
      .filter(([id, e]) => this.set.effective.get(id)?.version !== e.version)
      .map(([id]) => id);
    const changedSet = new Set(changed);
    // The new set first: loading a state prunes what the current evaluator does not know.
    this.set = next;
    this.evaluator = createEvaluator(next);
    if (changed.length > 0) {
      // Only the changed definitions replay; the others keep their state. A changed definition's
      // old state is discarded by the evaluator (its version differs), so history counts once.
      const partial = createEvaluator({
        segments: next.segments.filter((s) => changedSet.has(s.id)),
        triggers: next.triggers.filter((t) => changedSet.has(t.id)),
      });
      replay((event, profile) => {
        const state = this.load(event.visitor);
        if (event.name === FIRED_EVENT) this.restoreFiring(state, event, changedSet);
        else partial.step(state, event, profile, "backfill");
        this.staged.set(event.visitor, state);
      });
    }
    this.storage.transactionSync(() => {
      this.sql.exec(
        "INSERT OR REPLACE INTO trigger_defs (id, set_json, effective) VALUES (0, ?, ?)",
        JSON.stringify(set),
        JSON.stringify([...next.effective]),
      );
      this.write();
      this.sql.exec("UPDATE trigger_progress SET through = ?", this.through);
    });
    this.written();
    this.storedThrough = this.through;
    return changed;
  }

  /** Visitors (after `after`, ascending, at most `limit`) in definition `id`'s segment at `now`, and how many there are. */
  members(
    id: string,
    after: string | null,
    limit: number,
    now: number,
  ): { count: number; visitors: string[]; more: boolean } {
    const states = new Map<string, VisitorState>();
    for (const row of this.sql.exec<{ visitor: string; state: string }>(
      "SELECT visitor, state FROM trigger_state",
    ))
      states.set(row.visitor, JSON.parse(row.state) as VisitorState);
    for (const [v, s] of this.staged) states.set(v, s);
    const members: string[] = [];
    for (const [v, s] of states) if (this.evaluator.isMember(s, id, now)) members.push(v);
    members.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const rest = after === null ? members : members.filter((v) => v > after);
    return { count: members.length, visitors: rest.slice(0, limit), more: rest.length > limit };
  }

  /** Inserts or replaces the rows of every staged state (see `written`). */
  write(): void {
    const rows: [string, string][] = [];
    this.writing = [];
    for (const [visitor, state] of this.staged) {
      const text = JSON.stringify(state);
      rows.push([visitor, text]);
      this.writing.push([visitor, state, 64 + visitor.length + text.length]);
    }
    for (const chunk of jsonChunks(rows))
      this.sql.exec(
        `INSERT OR REPLACE INTO trigger_state (visitor, state)
         SELECT value ->> 0, value ->> 1 FROM json_each(?)`,
        chunk,
      );
  }

  /** The transaction holding the last `write` committed: its states move to the cache. */
  written(): void {
    for (const [visitor, state, size] of this.writing) {
      this.cache.set(visitor, state, size);
      if (this.staged.get(visitor) === state) this.staged.delete(visitor);
    }
    this.writing = [];
  }

  /** Deletes every state (before a rebuild); definitions stay. */
  clear(): void {
    this.sql.exec("DELETE FROM trigger_state");
    this.sql.exec("UPDATE trigger_progress SET through = 0");
    this.through = this.storedThrough = 0;
    this.cache.clear();
    this.staged.clear();
    this.writing = [];
  }

  private load(visitor: string): VisitorState {
    let state = this.staged.get(visitor) ?? this.cache.get(visitor);
    if (state === undefined) {
      const row = this.sql
        .exec<{ state: string }>("SELECT state FROM trigger_state WHERE visitor = ?", visitor)
        .toArray()[0];
      state = row === undefined ? { d: {} } : (JSON.parse(row.state) as VisitorState);
    }
    // Cached objects are updated in place by the evaluator: stage them so the write sees it.
    return this.evaluator.prune(state);
  }

  /**
   * A logged firing sets the trigger's frequency bookkeeping (last firing time) when the state
   * is for the same effective version; other versions start over anyway.
   */
  private restoreFiring(state: VisitorState, event: FlamEvent, only?: ReadonlySet<string>): void {
    const id = event.properties["trigger"];
    const version = event.properties["version"];
    if (typeof id !== "string" || typeof version !== "number") return;
    if (only !== undefined && !only.has(id)) return;
    if (this.set.effective.get(id)?.version !== version) return;
    const d = state.d[id];
    if (d !== undefined && d.v === version) d.f = Math.max(d.f ?? -Infinity, event.time);
  }
}
