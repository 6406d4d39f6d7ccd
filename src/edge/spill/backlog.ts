/**
 * The spill backlog of one partition: a small Durable Object (named like the partition,
 * `project/partition`) holding one row per message on the spill Queue that has not been stored
 * yet, and the delays of the messages drained. Queues tells a Worker nothing about a backlog per
 * key, so the edge keeps its own: it reserves rows before sending (and refuses past the bound),
 * the consumer deletes them once the partition stored the events.
 *
 * Rows rather than a counter: deleting a row is idempotent, so a message delivered twice (Queues
 * delivers at least once) is subtracted once, and a row whose message never arrives (the edge
 * died between reserving and sending) expires with the Queue's retention instead of holding the
 * bound down forever.
 */
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env.ts";
import { LIMITS } from "../limits.ts";
import { migrate } from "../partition/schema.ts";

/** The Queue's default message retention (4 days): a row older than this has no message left. */
const RETENTION_MS = 4 * 24 * 60 * 60 * 1000;
/** Drain delays kept for the percentiles in stats. */
const RECENT = 256;
/**
 * The shortest delay a queued event is told: the consumer waits up to `max_batch_timeout`
 * (wrangler.toml) for a batch to fill.
 */
const FLOOR_MS = 1_000;

const MIGRATIONS = [
  [
    `CREATE TABLE spill_backlog (id TEXT PRIMARY KEY, events INTEGER NOT NULL, enqueued_at INTEGER NOT NULL)`,
    `CREATE INDEX spill_backlog_age ON spill_backlog (enqueued_at)`,
    `CREATE TABLE spill_drained (one INTEGER PRIMARY KEY CHECK (one = 0), stats TEXT NOT NULL)`,
  ],
];

/** Totals of the messages drained, and the delays of the last {@link RECENT}. */
interface Drained {
  messages: number;
  events: number;
  /** Events the partition refused while draining (FlaM encoder limits); logged when it happens. */
  rejected: number;
  delaySumMs: number;
  maxDelayMs: number;
  lastAt: number | null;
  /** [drained at, events, delay ms], oldest first. */
  recent: [number, number, number][];
}

const NONE: Drained = {
  messages: 0,
  events: 0,
  rejected: 0,
  delaySumMs: 0,
  maxDelayMs: 0,
  lastAt: null,
  recent: [],
};

/** What `reserve()` answers. */
export type Reservation =
  | { ok: true; backlogEvents: number; delayMs: number }
  | { ok: false; backlogEvents: number; maxBacklogEvents: number; retryAfterMs: number };

/** What the stats route shows of one partition's backlog. */
export interface BacklogStats {
  /** Events and messages on the Queue not stored yet, and when the oldest was sent. */
  backlog: { events: number; messages: number; oldestEnqueuedAt: number | null };
  maxBacklogEvents: number;
  drained: {
    messages: number;
    events: number;
    rejected: number;
    lastAt: number | null;
    /** Enqueue to stored, per message: the mean and max of all, percentiles of the last 256. */
    delayMs: { mean: number | null; p50: number | null; p99: number | null; max: number | null };
  };
}

function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

/**
 * @example
 * const backlog = env.SPILL_BACKLOG.getByName("demo/p2");
 * const r = await backlog.reserve([{ id: message.id, events: 120 }], Date.now(), 2_000);
 * // {ok: true, backlogEvents: 120, delayMs: 2000} or, past the bound, {ok: false, ..., retryAfterMs}
 */
export class SpillBacklog extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  /** Set by tests and the debug route; {@link LIMITS.spillBacklogEvents} otherwise. */
  private maxBacklogEvents: number = LIMITS.spillBacklogEvents;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    migrate(ctx.storage, "spill", MIGRATIONS);
  }

  /**
   * Records messages about to be sent, unless they would take the backlog past its bound.
   * `partitionWaitMs` is the partition's own estimate of its pending work (its refusal's
   * `retryAfterMs`), the least a queued event will wait.
   */
  reserve(
    messages: readonly { id: string; events: number }[],
    now: number,
    partitionWaitMs: number,
  ): Reservation {
    this.sql.exec("DELETE FROM spill_backlog WHERE enqueued_at < ?", now - RETENTION_MS);
    const { events: backlogEvents, oldestEnqueuedAt } = this.backlog();
    const adding = messages.reduce((n, m) => n + m.events, 0);
    // The head of the line's age too: while the partition stays overloaded nothing drains, so no
    // rate is known, but a new message waits at least as long as the oldest has so far.
    const waited = oldestEnqueuedAt === null ? 0 : now - oldestEnqueuedAt;
    const wait = Math.max(
      FLOOR_MS,
      partitionWaitMs,
      waited,
      this.drainMs(backlogEvents + adding, now),
    );
    if (backlogEvents + adding > this.maxBacklogEvents) {
      return {
        ok: false,
        backlogEvents,
        maxBacklogEvents: this.maxBacklogEvents,
        // Until the backlog has drained enough for this batch.
        retryAfterMs: Math.max(FLOOR_MS, partitionWaitMs, this.drainMs(adding, now)),
      };
    }
    for (const m of messages)
      this.sql.exec(
        "INSERT OR IGNORE INTO spill_backlog (id, events, enqueued_at) VALUES (?, ?, ?)",
        m.id,
        m.events,
        now,
      );
    return { ok: true, backlogEvents: backlogEvents + adding, delayMs: wait };
  }

  /** Forgets reserved messages that were not sent after all. */
  release(ids: readonly string[]): void {
    for (const id of ids) this.sql.exec("DELETE FROM spill_backlog WHERE id = ?", id);
  }

  /**
   * Records that the partition stored these messages' events at `storedAt`. An id without a row
   * (a message delivered again after it was drained) changes nothing.
   */
  drained(ids: readonly string[], storedAt: number, rejected = 0): { drained: number } {
    const stats = this.drainedStats();
    let drained = 0;
    for (const id of ids) {
      const row = this.sql
        .exec<{
          events: number;
          enqueued_at: number;
        }>("DELETE FROM spill_backlog WHERE id = ? RETURNING events, enqueued_at", id)
        .toArray()[0];
      if (row === undefined) continue;
      const delay = Math.max(0, storedAt - row.enqueued_at);
      drained++;
      stats.messages++;
      stats.events += row.events;
      stats.delaySumMs += delay;
      stats.maxDelayMs = Math.max(stats.maxDelayMs, delay);
      stats.recent.push([storedAt, row.events, delay]);
    }
    stats.rejected += rejected;
    if (drained > 0) stats.lastAt = storedAt;
    stats.recent = stats.recent.slice(-RECENT);
    this.sql.exec(
      "INSERT OR REPLACE INTO spill_drained (one, stats) VALUES (0, ?)",
      JSON.stringify(stats),
    );
    return { drained };
  }

  stats(): BacklogStats {
    const d = this.drainedStats();
    const delays = d.recent.map(([, , ms]) => ms).sort((a, b) => a - b);
    return {
      backlog: this.backlog(),
      maxBacklogEvents: this.maxBacklogEvents,
      drained: {
        messages: d.messages,
        events: d.events,
        rejected: d.rejected,
        lastAt: d.lastAt,
        delayMs: {
          mean: d.messages === 0 ? null : Math.round(d.delaySumMs / d.messages),
          p50: percentile(delays, 0.5),
          p99: percentile(delays, 0.99),
          max: d.messages === 0 ? null : d.maxDelayMs,
        },
      },
    };
  }

  /** Changes the bound until the object is evicted: tests and the local debug route only. */
  configure(settings: { maxBacklogEvents?: number }): { maxBacklogEvents: number } {
    if (settings.maxBacklogEvents !== undefined) this.maxBacklogEvents = settings.maxBacklogEvents;
    return { maxBacklogEvents: this.maxBacklogEvents };
  }

  private backlog(): BacklogStats["backlog"] {
    const row = this.sql
      .exec<{ events: number | null; messages: number; oldest: number | null }>(
        "SELECT SUM(events) AS events, COUNT(*) AS messages, MIN(enqueued_at) AS oldest FROM spill_backlog",
      )
      .one();
    return { events: row.events ?? 0, messages: row.messages, oldestEnqueuedAt: row.oldest };
  }

  private drainedStats(): Drained {
    const row = this.sql
      .exec<{ stats: string }>("SELECT stats FROM spill_drained WHERE one = 0")
      .toArray()[0];
    return row === undefined ? structuredClone(NONE) : (JSON.parse(row.stats) as Drained);
  }

  /**
   * How long `events` take to drain at the rate of the last minute's drains; 0 when nothing was
   * drained recently (the partition's own estimate then stands).
   */
  private drainMs(events: number, now: number): number {
    const recent = this.drainedStats().recent.filter(([at]) => at > now - 60_000);
    const first = recent[0];
    if (first === undefined || events === 0) return 0;
    const span = Math.max(1_000, now - first[0]);
    const drained = recent.reduce((n, [, e]) => n + e, 0);
    return Math.round((events * span) / drained);
  }
}
