/**
 * The webhook outbox of a partition (docs/triggers.md, "Webhooks"): deliveries are rows written in
 * the same transaction as the ingest that fired them, and sent later by the Durable Object's
 * alarm, so a slow or failing receiver never blocks or slows ingest. At least once: a delivery is
 * marked done only after a 2xx; each carries an idempotency key (its id) and an HMAC-SHA256
 * signature of the body. Retries back off exponentially; after `maxAttempts` the row is `failed`
 * and stays visible through the API.
 */
import { hmacSha256 } from "../hmac.ts";
import { migrate, type Migration } from "./schema.ts";

const MIGRATIONS: readonly Migration[] = [
  [
    `CREATE TABLE outbox (
       id TEXT PRIMARY KEY, trigger TEXT NOT NULL, trigger_version INTEGER NOT NULL,
       visitor TEXT NOT NULL, event TEXT NOT NULL, url TEXT NOT NULL, secret TEXT NOT NULL,
       body TEXT NOT NULL, status TEXT NOT NULL, attempts INTEGER NOT NULL, next_at INTEGER NOT NULL,
       last_status INTEGER, last_error TEXT, created_at INTEGER NOT NULL, done_at INTEGER)`,
    `CREATE INDEX outbox_due ON outbox (status, next_at)`,
    `CREATE INDEX outbox_trigger ON outbox (trigger, created_at)`,
  ],
];

/** What a fired webhook action asks for. */
export interface WebhookRequest {
  id: string;
  trigger: string;
  triggerVersion: number;
  visitor: string;
  event: string;
  url: string;
  secret: string;
  body: string;
}

/** A delivery as the API shows it (never the secret). */
export interface Delivery {
  id: string;
  trigger: string;
  triggerVersion: number;
  visitor: string;
  event: string;
  url: string;
  status: "pending" | "delivered" | "failed";
  attempts: number;
  nextAt: number | null;
  lastStatus: number | null;
  lastError: string | null;
  createdAt: number;
  doneAt: number | null;
}

export interface OutboxOptions {
  /** Attempts before a delivery is `failed`. */
  maxAttempts: number;
  /** Delay after the first failure; doubled after each further one, at most `maxDelayMs`. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** A receiver that does not answer within this is a failed attempt. */
  timeoutMs: number;
  /** Deliveries sent per alarm run (the rest wait for the next run, scheduled at once). */
  batch: number;
}

export const OUTBOX_DEFAULTS: OutboxOptions = {
  maxAttempts: 8,
  baseDelayMs: 1000,
  maxDelayMs: 3_600_000,
  timeoutMs: 10_000,
  batch: 50,
};

/** Header carrying `sha256=<hex HMAC-SHA256 of the body with the trigger's secret>`. */
export const SIGNATURE_HEADER = "X-Flamingo-Signature";

type Row = {
  id: string;
  trigger: string;
  trigger_version: number;
  visitor: string;
  event: string;
  url: string;
  secret: string;
  body: string;
  status: Delivery["status"];
  attempts: number;
  next_at: number;
  last_status: number | null;
  last_error: string | null;
  created_at: number;
  done_at: number | null;
};

/**
 * @example
 * const outbox = new Outbox(ctx.storage);
 * outbox.enqueue([request], Date.now()); // inside the ingest transaction
 * await outbox.deliverDue(Date.now());   // from alarm()
 */
export class Outbox {
  private readonly storage: DurableObjectStorage;
  private readonly sql: SqlStorage;
  readonly options: OutboxOptions;
  /** How a request leaves; replaced in tests by a fake receiver. */
  send: (request: Request) => Promise<Response> = (r) => fetch(r);

  constructor(storage: DurableObjectStorage, options: Partial<OutboxOptions> = {}) {
    this.storage = storage;
    this.sql = storage.sql;
    this.options = { ...OUTBOX_DEFAULTS, ...options };
    migrate(storage, "outbox", MIGRATIONS);
  }

  /** Adds deliveries, due at once; the caller schedules the alarm (`schedule`). */
  enqueue(requests: readonly WebhookRequest[], now: number): void {
    for (const r of requests)
      this.sql.exec(
        `INSERT OR IGNORE INTO outbox (id, trigger, trigger_version, visitor, event, url, secret, body,
           status, attempts, next_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?)`,
        r.id,
        r.trigger,
        r.triggerVersion,
        r.visitor,
        r.event,
        r.url,
        r.secret,
        r.body,
        now,
        now,
      );
  }

  /** When the next pending delivery is due, or null. */
  nextDue(): number | null {
    const row = this.sql
      .exec<{ at: number | null }>("SELECT MIN(next_at) AS at FROM outbox WHERE status = 'pending'")
      .toArray()[0];
    return row?.at ?? null;
  }

  /** Sets the alarm to the next due delivery unless an earlier alarm is set. */
  async schedule(): Promise<void> {
    const due = this.nextDue();
    if (due === null) return;
    const current = await this.storage.getAlarm();
    if (current === null || current > due) await this.storage.setAlarm(due);
  }

  /**
   * Sends the due deliveries (at most `batch`) concurrently and records each outcome; returns
   * how many were delivered. Rows are read and written synchronously around the sends, so
   * ingest calls interleave freely while receivers are slow.
   */
  async deliverDue(now: number): Promise<number> {
    const rows = this.sql
      .exec<Row>(
        "SELECT * FROM outbox WHERE status = 'pending' AND next_at <= ? ORDER BY next_at LIMIT ?",
        now,
        this.options.batch,
      )
      .toArray();
    const results = await Promise.all(rows.map((r) => this.attempt(r)));
    let delivered = 0;
    const at = Date.now();
    rows.forEach((r, i) => {
      const { ok, status, error, retry } = results[i]!;
      const attempts = r.attempts + 1;
      if (ok) {
        delivered++;
        this.sql.exec(
          "UPDATE outbox SET status = 'delivered', attempts = ?, last_status = ?, last_error = NULL, done_at = ? WHERE id = ?",
          attempts,
          status,
          at,
          r.id,
        );
      } else if (!retry || attempts >= this.options.maxAttempts) {
        this.sql.exec(
          "UPDATE outbox SET status = 'failed', attempts = ?, last_status = ?, last_error = ?, done_at = ? WHERE id = ?",
          attempts,
          status,
          error,
          at,
          r.id,
        );
      } else {
        const delay = Math.min(
          this.options.baseDelayMs * 2 ** (attempts - 1),
          this.options.maxDelayMs,
        );
        this.sql.exec(
          "UPDATE outbox SET attempts = ?, last_status = ?, last_error = ?, next_at = ? WHERE id = ?",
          attempts,
          status,
          error,
          at + delay,
          r.id,
        );
      }
    });
    return delivered;
  }

  /** Deliveries of a trigger (all triggers when null), newest first, optionally by status. */
  list(trigger: string | null, status: Delivery["status"] | null, limit: number): Delivery[] {
    const rows = this.sql
      .exec<Row>(
        `SELECT * FROM outbox WHERE (?1 IS NULL OR trigger = ?1) AND (?2 IS NULL OR status = ?2)
         ORDER BY created_at DESC, id DESC LIMIT ?3`,
        trigger,
        status,
        limit,
      )
      .toArray();
    return rows.map((r) => ({
      id: r.id,
      trigger: r.trigger,
      triggerVersion: r.trigger_version,
      visitor: r.visitor,
      event: r.event,
      url: r.url,
      status: r.status,
      attempts: r.attempts,
      nextAt: r.status === "pending" ? r.next_at : null,
      lastStatus: r.last_status,
      lastError: r.last_error,
      createdAt: r.created_at,
      doneAt: r.done_at,
    }));
  }

  private async attempt(
    r: Row,
  ): Promise<{ ok: boolean; status: number | null; error: string | null; retry: boolean }> {
    const signature = await sign(r.secret, r.body);
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.options.timeoutMs);
    try {
      const res = await this.send(
        new Request(r.url, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            "idempotency-key": r.id,
            [SIGNATURE_HEADER]: `sha256=${signature}`,
            "user-agent": "flamingo-webhooks/1",
          },
          body: r.body,
          signal: controller.signal,
        }),
      );
      await res.body?.cancel();
      if (res.ok) return { ok: true, status: res.status, error: null, retry: false };
      // A receiver's 4xx is final (it refuses this request), but for 408 and 429 (try later).
      const retry = res.status >= 500 || res.status === 408 || res.status === 429;
      return { ok: false, status: res.status, error: `HTTP ${res.status}`, retry };
    } catch (error) {
      const message = controller.signal.aborted
        ? `no answer within ${this.options.timeoutMs} ms`
        : String((error as Error).message ?? error).slice(0, 300);
      return { ok: false, status: null, error: message, retry: true };
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * Hex HMAC-SHA256 of `body` with `secret`: what a receiver recomputes to check
 * `X-Flamingo-Signature`.
 *
 * @example
 * await sign("s3cr3t", '{"a":1}') // "5c3..." (64 hex digits)
 */
export async function sign(secret: string, body: string): Promise<string> {
  const mac = await hmacSha256(secret, body);
  return [...mac].map((b) => b.toString(16).padStart(2, "0")).join("");
}
