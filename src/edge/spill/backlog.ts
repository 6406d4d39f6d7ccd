/**
 * The spill backlog of one partition: a small Durable Object (named like the partition,
 * `project/partition`) holding one row per spilled message not stored yet, with the message
 * itself, and the delays of the messages drained. It is the durable copy: the edge answers
 * `queued` once `reserve()` has committed the rows, and the Queue is only the way they reach the
 * consumer. Queues tells a Worker nothing about a backlog per key, so the ledger also bounds it.
 *
 * Rows rather than a counter: deleting a row is idempotent, so a message delivered twice (Queues
 * delivers at least once) is subtracted once. Each row has a sequence number in the order the
 * edge reserved it; the consumer stores a partition's rows in that order (`head()`), so a message
 * the Queue delivers early or late is stored in its place. A row whose message never reaches the
 * consumer (the edge died before sending, a local Queue lost it) is sent again by the alarm.
 */
import { DurableObject } from "cloudflare:workers";
import type { FlamEvent } from "../../flam/index.ts";
import type { Env } from "../env.ts";
import { LIMITS } from "../limits.ts";
import { migrate } from "../partition/schema.ts";
import { sendGroups, type SpillMessage } from "./message.ts";

/**
 * The Queue's default message retention (4 days): a row of the first schema, which holds no
 * message, is dropped after it, since its message is gone from the Queue by then.
 */
const RETENTION_MS = 4 * 24 * 60 * 60 * 1000;
/** Drain delays kept for the percentiles in stats. */
const RECENT = 256;
/**
 * The shortest delay a queued event is told: the consumer waits up to `max_batch_timeout`
 * (wrangler.toml) for a batch to fill.
 */
const FLOOR_MS = 1_000;
/**
 * How long a row may wait after its message was sent before the alarm sends it again. A message
 * is normally stored within seconds of its partition recovering; under a sustained overload the
 * consumer retries it at most 60 s apart and forces it in from its 10th attempt, so about 10 min
 * is the longest a message still on the Queue waits. Sending a copy of one that is merely late
 * is harmless (the consumer finds its row gone, or stores nothing twice), only wasteful.
 */
const SWEEP_AFTER_MS = 15 * 60 * 1000;
/**
 * Each further copy of the same row waits twice as long, up to this: a partition that fails for
 * hours (its messages retried by the Queue all along) gets a few copies, not one every 15 min.
 */
const SWEEP_MAX_MS = 12 * 60 * 60 * 1000;
/** When the edge could not send a message, or the sweep could not, it is tried again this soon. */
const RESEND_SOON_MS = 5_000;
/** Rows the alarm sends at most per run; it runs again at once for the rest. */
const SWEEP_ROWS = 500;

const MIGRATIONS = [
  [
    `CREATE TABLE spill_backlog (id TEXT PRIMARY KEY, events INTEGER NOT NULL, enqueued_at INTEGER NOT NULL)`,
    `CREATE INDEX spill_backlog_age ON spill_backlog (enqueued_at)`,
    `CREATE TABLE spill_drained (one INTEGER PRIMARY KEY CHECK (one = 0), stats TEXT NOT NULL)`,
  ],
  [
    // The message (JSON of a SpillMessage, at most a few hundred KB: messages are cut under the
    // Queue's 128 KB, well within the 2 MB a row may hold), its place in the partition's order,
    // and when the sweep sends it again. Rows of the first step keep their insertion order.
    `ALTER TABLE spill_backlog ADD COLUMN seq INTEGER`,
    `ALTER TABLE spill_backlog ADD COLUMN message TEXT`,
    `ALTER TABLE spill_backlog ADD COLUMN sends INTEGER NOT NULL DEFAULT 1`,
    `ALTER TABLE spill_backlog ADD COLUMN sent_at INTEGER`,
    `ALTER TABLE spill_backlog ADD COLUMN resend_at INTEGER`,
    `UPDATE spill_backlog SET seq = rowid, sent_at = enqueued_at`,
    `CREATE UNIQUE INDEX spill_backlog_seq ON spill_backlog (seq)`,
    `CREATE INDEX spill_backlog_resend ON spill_backlog (resend_at)`,
    // The next sequence number, and the latest refusal token the edge reported (partition.ts).
    `CREATE TABLE spill_ledger (one INTEGER PRIMARY KEY CHECK (one = 0), next_seq INTEGER NOT NULL, refusal TEXT)`,
    `INSERT INTO spill_ledger (one, next_seq) SELECT 0, COALESCE(MAX(seq), 0) + 1 FROM spill_backlog`,
  ],
];

/** Totals of the messages drained, and the delays of the last {@link RECENT}. */
interface Drained {
  messages: number;
  events: number;
  /** Events the partition refused while draining (FlaM encoder limits); logged when it happens. */
  rejected: number;
  /** Copies of messages the alarm sent again (absent in stats written before the sweep). */
  resent?: number;
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
  resent: 0,
  delaySumMs: 0,
  maxDelayMs: 0,
  lastAt: null,
  recent: [],
};

/** What `reserve()` answers. */
export type Reservation =
  | { ok: true; backlogEvents: number; delayMs: number }
  | { ok: false; backlogEvents: number; maxBacklogEvents: number; retryAfterMs: number };

/**
 * The next rows to store, oldest first: `events` is null for a row whose message the consumer
 * holds already (its own delivery), so the payload does not cross twice.
 */
export interface Head {
  rows: { id: string; events: FlamEvent[] | null }[];
  /** The latest refusal token the edge reported, for `spillDrained` once no row is left. */
  refusal: string | null;
}

/** What the stats route shows of one partition's backlog. */
export interface BacklogStats {
  /** Events and messages spilled not stored yet, and when the oldest was sent. */
  backlog: { events: number; messages: number; oldestEnqueuedAt: number | null };
  maxBacklogEvents: number;
  drained: {
    messages: number;
    events: number;
    rejected: number;
    /** Messages the sweep sent again because they were not stored in time. */
    resent: number;
    lastAt: number | null;
    /** Enqueue to stored, per message: the mean and max of all, percentiles of the last 256. */
    delayMs: { mean: number | null; p50: number | null; p99: number | null; max: number | null };
  };
}

function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

/** The wait before the sweep sends a row again, after its `sends`-th send. */
const resendAfter = (sweepMs: number, sends: number) =>
  Math.min(SWEEP_MAX_MS, sweepMs * 2 ** Math.min(Math.max(0, sends - 1), 20));

/**
 * @example
 * const backlog = env.SPILL_BACKLOG.getByName("demo/p2");
 * const r = await backlog.reserve(messages, Date.now(), 2_000, refusal.refusal);
 * // {ok: true, backlogEvents: 120, delayMs: 2000} or, past the bound, {ok: false, ..., retryAfterMs}
 */
export class SpillBacklog extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  /** Set by tests and the debug route; {@link LIMITS.spillBacklogEvents} otherwise. */
  private maxBacklogEvents: number = LIMITS.spillBacklogEvents;
  /** Set by tests and the debug route; {@link SWEEP_AFTER_MS} otherwise. */
  private sweepAfterMs = SWEEP_AFTER_MS;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    migrate(ctx.storage, "spill", MIGRATIONS);
  }

  /**
   * Stores messages about to be sent, unless they would take the backlog past its bound; the
   * rows are committed when this answers, so the edge may then answer `queued` whatever becomes
   * of the send. `partitionWaitMs` is the partition's own estimate of its pending work (its
   * refusal's `retryAfterMs`), the least a queued event will wait. `refusal` is the refusal's
   * token, kept even when the bound refuses: that batch is not spilled, so the hold need not
   * wait for it.
   */
  async reserve(
    messages: readonly SpillMessage[],
    now: number,
    partitionWaitMs: number,
    refusal: string | null = null,
  ): Promise<Reservation> {
    this.noteRefusal(refusal);
    this.sql.exec(
      "DELETE FROM spill_backlog WHERE message IS NULL AND enqueued_at < ?",
      now - RETENTION_MS,
    );
    const { events: backlogEvents, oldestEnqueuedAt } = this.backlog();
    const adding = messages.reduce((n, m) => n + m.events.length, 0);
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
    let seq = this.sql
      .exec<{ next_seq: number }>("SELECT next_seq FROM spill_ledger WHERE one = 0")
      .one().next_seq;
    for (const m of messages)
      this.sql.exec(
        `INSERT OR IGNORE INTO spill_backlog (id, events, enqueued_at, seq, message, sends, sent_at, resend_at)
         VALUES (?, ?, ?, ?, ?, 1, ?, ?)`,
        m.id,
        m.events.length,
        now,
        seq++,
        JSON.stringify(m),
        now,
        now + this.sweepAfterMs,
      );
    this.sql.exec("UPDATE spill_ledger SET next_seq = ? WHERE one = 0", seq);
    await this.schedule();
    return { ok: true, backlogEvents: backlogEvents + adding, delayMs: wait };
  }

  /** The edge could not send these messages: the alarm sends them soon instead. */
  async unsent(ids: readonly string[], now = Date.now()): Promise<void> {
    for (const id of ids)
      this.sql.exec(
        "UPDATE spill_backlog SET resend_at = ? WHERE id = ?",
        now + RESEND_SOON_MS,
        id,
      );
    await this.schedule();
  }

  /**
   * The oldest rows, in the order they were reserved, up to `maxEvents` events (at least one
   * row). `have`: ids of messages the caller holds, whose events it need not be sent. A row of the
   * first schema has no message to store: it is skipped unless the caller holds its message.
   */
  head(maxEvents: number, have: readonly string[] = []): Head {
    const held = new Set(have);
    const rows: Head["rows"] = [];
    let events = 0;
    const cursor = this.sql.exec<{ id: string; events: number; message: string | null }>(
      "SELECT id, events, message FROM spill_backlog ORDER BY seq",
    );
    for (const row of cursor) {
      if (rows.length > 0 && events + row.events > maxEvents) break;
      if (held.has(row.id)) rows.push({ id: row.id, events: null });
      else if (row.message !== null)
        rows.push({ id: row.id, events: (JSON.parse(row.message) as SpillMessage).events });
      else continue;
      events += row.events;
    }
    return { rows, refusal: this.refusal() };
  }

  /**
   * Records that the partition stored these messages' events at `storedAt`. An id without a row
   * (a message stored before, delivered again) changes nothing. Answers what is left.
   */
  drained(
    ids: readonly string[],
    storedAt: number,
    rejected = 0,
  ): { drained: number; remaining: number; refusal: string | null } {
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
    this.saveStats(stats);
    return { drained, remaining: this.backlog().messages, refusal: this.refusal() };
  }

  /**
   * The sweep: sends again every row whose message should have been stored by now, oldest first,
   * then sets the alarm for the next row due. Idempotent on the consumer's side: a row stored
   * meanwhile makes its copy an ack, and the partition dedups by the ids the edge assigned.
   */
  override async alarm(): Promise<void> {
    const now = Date.now();
    this.sql.exec(
      "DELETE FROM spill_backlog WHERE message IS NULL AND enqueued_at < ?",
      now - RETENTION_MS,
    );
    const due = this.sql
      .exec<{ id: string; sends: number; message: string }>(
        `SELECT id, sends, message FROM spill_backlog
         WHERE message IS NOT NULL AND resend_at <= ? ORDER BY seq LIMIT ?`,
        now,
        SWEEP_ROWS,
      )
      .toArray();
    const sends = new Map(due.map((r) => [r.id, r.sends]));
    const stats = this.drainedStats();
    try {
      for (const group of sendGroups(due.map((r) => JSON.parse(r.message) as SpillMessage))) {
        await this.env.SPILL.sendBatch(group.map((body) => ({ body })));
        for (const { id } of group) {
          const n = (sends.get(id) ?? 1) + 1;
          this.sql.exec(
            "UPDATE spill_backlog SET sends = ?, sent_at = ?, resend_at = ? WHERE id = ?",
            n,
            now,
            now + resendAfter(this.sweepAfterMs, n),
            id,
          );
          stats.resent = (stats.resent ?? 0) + 1;
        }
      }
    } catch (error) {
      // The rows not sent stay due; the alarm comes back for them shortly.
      console.error("spill: the sweep could not send messages; retrying", error);
      this.sql.exec(
        "UPDATE spill_backlog SET resend_at = ? WHERE resend_at <= ?",
        now + RESEND_SOON_MS,
        now,
      );
    }
    this.saveStats(stats);
    await this.schedule();
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
        resent: d.resent ?? 0,
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

  /**
   * Changes the bound, or the sweep's wait (rows already waiting are due by the new one), until
   * the object is evicted: tests and the local debug route only.
   */
  async configure(settings: {
    maxBacklogEvents?: number;
    sweepAfterMs?: number;
  }): Promise<{ maxBacklogEvents: number; sweepAfterMs: number }> {
    if (settings.maxBacklogEvents !== undefined) this.maxBacklogEvents = settings.maxBacklogEvents;
    if (settings.sweepAfterMs !== undefined) {
      this.sweepAfterMs = settings.sweepAfterMs;
      for (const row of this.sql
        .exec<{ id: string; sends: number; sent_at: number }>(
          "SELECT id, sends, sent_at FROM spill_backlog WHERE message IS NOT NULL",
        )
        .toArray())
        this.sql.exec(
          "UPDATE spill_backlog SET resend_at = MIN(resend_at, ?) WHERE id = ?",
          row.sent_at + resendAfter(this.sweepAfterMs, row.sends),
          row.id,
        );
      await this.schedule();
    }
    return { maxBacklogEvents: this.maxBacklogEvents, sweepAfterMs: this.sweepAfterMs };
  }

  /** Sets the alarm for the next row due, or clears it when none is waiting. */
  private async schedule(): Promise<void> {
    const next = this.sql
      .exec<{ at: number | null }>(
        "SELECT MIN(resend_at) AS at FROM spill_backlog WHERE message IS NOT NULL",
      )
      .one().at;
    const current = await this.ctx.storage.getAlarm();
    if (next === null) {
      if (current !== null) await this.ctx.storage.deleteAlarm();
    } else if (current === null || current > next) {
      await this.ctx.storage.setAlarm(next);
    }
  }

  /**
   * Keeps the latest refusal token of the partition's current instance. Tokens are
   * `instance/count`; a token of another instance replaces the one held, since the partition
   * restarts with a new instance and the old one's tokens no longer matter.
   */
  private noteRefusal(refusal: string | null): void {
    if (refusal === null) return;
    const held = this.refusal();
    const [instance, count] = refusal.split("/");
    const [heldInstance, heldCount] = held?.split("/") ?? [];
    if (held !== null && instance === heldInstance && Number(heldCount) >= Number(count)) return;
    this.sql.exec("UPDATE spill_ledger SET refusal = ? WHERE one = 0", refusal);
  }

  private refusal(): string | null {
    return this.sql.exec<{ refusal: string | null }>("SELECT refusal FROM spill_ledger").one()
      .refusal;
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

  private saveStats(stats: Drained): void {
    this.sql.exec(
      "INSERT OR REPLACE INTO spill_drained (one, stats) VALUES (0, ?)",
      JSON.stringify(stats),
    );
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
