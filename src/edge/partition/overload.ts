/**
 * The partition's overload signal (docs/reliability.md, "The spike buffer"). A partition runs its
 * calls one at a time, so a spike shows up as calls waiting in its call queue. `offer()` counts the
 * events it has admitted and not yet answered; past `maxPendingEvents` it refuses a batch at once,
 * without queueing it, and the edge puts the batch on the spill Queue instead. The check is two
 * additions and a comparison: refusing must cost far less than storing.
 */
import type { IngestOutcome, Offer, Overloaded } from "./contract.ts";

/** The gate's settings; the local debug route changes them to make a partition slow. */
export interface OverloadSettings {
  /**
   * Events admitted and not yet answered above which a batch is refused. A batch arriving at an
   * idle partition is always admitted, whatever its size. Defaults to 10,000: at the 25-40 us of
   * CPU an event costs (docs/benchmarks.md) about 0.25-0.4 s of queued work.
   */
  maxPendingEvents: number;
  /**
   * Extra time each admitted batch holds the call queue, to simulate a slow partition in tests and
   * load runs. Defaults to 0 (off); only `/v1/debug/partition-overload` sets it.
   */
  stallMs: number;
}

/** A change of some settings (the others kept). */
export type OverloadChange = { [K in keyof OverloadSettings]?: OverloadSettings[K] };

export const DEFAULT_OVERLOAD: Readonly<OverloadSettings> = {
  maxPendingEvents: 10_000,
  stallMs: 0,
};

/** The shortest and longest wait a refusal suggests. */
const RETRY_MIN_MS = 1_000;
const RETRY_MAX_MS = 60_000;
/** Answered batches remembered to estimate the drain rate. */
const RATE_WINDOW = 32;

/** What `overloadState()` answers, for the stats route. */
export interface OverloadState extends OverloadSettings {
  pendingEvents: number;
  pendingCalls: number;
  /** Batches refused since the object started. */
  refused: number;
}

/**
 * Counts admitted work and refuses past the bound.
 *
 * @example
 * const gate = new OverloadGate();
 * const offer = await gate.offer(events.length, false, () => partition.ingest(events));
 * // {status: "stored", outcomes} or, past the bound, {status: "overloaded", pendingEvents, retryAfterMs}
 */
export class OverloadGate {
  private settings: OverloadSettings = { ...DEFAULT_OVERLOAD };
  private pendingEvents = 0;
  private pendingCalls = 0;
  private refused = 0;
  /** [answered at, events] of the last answered batches, oldest first. */
  private readonly answered: [number, number][] = [];

  /**
   * Runs `ingest` unless the partition is overloaded. `force` admits regardless: the spill
   * consumer's last attempts, so a buffered batch always gets in eventually.
   */
  async offer(
    events: number,
    force: boolean,
    ingest: () => Promise<IngestOutcome[]>,
  ): Promise<Offer> {
    const refusal = force ? null : this.refusal(events);
    if (refusal !== null) return refusal;
    return { status: "stored", outcomes: await this.admit(events, ingest) };
  }

  /** The refusal for a batch of `events`, or null when it may go in. */
  private refusal(events: number): Overloaded | null {
    const { pendingEvents } = this;
    if (pendingEvents === 0 || pendingEvents + events <= this.settings.maxPendingEvents)
      return null;
    this.refused++;
    return { status: "overloaded", pendingEvents, retryAfterMs: this.drainEstimate() };
  }

  /** Counts `events` as pending while `run` is in flight. */
  async admit<T>(events: number, run: () => Promise<T>): Promise<T> {
    this.pendingEvents += events;
    this.pendingCalls++;
    try {
      return await run();
    } finally {
      this.pendingEvents -= events;
      this.pendingCalls--;
      this.answered.push([Date.now(), events]);
      if (this.answered.length > RATE_WINDOW) this.answered.shift();
    }
  }

  /** The debug stall, as a call-queue task; undefined when off. */
  stall(): (() => Promise<void>) | undefined {
    const ms = this.settings.stallMs;
    if (ms <= 0) return undefined;
    return () => new Promise((resolve) => setTimeout(resolve, ms));
  }

  configure(settings: OverloadChange): OverloadSettings {
    this.settings = { ...this.settings, ...settings };
    return { ...this.settings };
  }

  state(): OverloadState {
    const { pendingEvents, pendingCalls, refused } = this;
    return { ...this.settings, pendingEvents, pendingCalls, refused };
  }

  /**
   * How long the events now pending should take to answer, from the rate of the last answered
   * batches: the wait a refused caller is told. Clamped, because a rate over a few batches is
   * noisy and a caller should neither spin nor wait minutes on an estimate.
   */
  private drainEstimate(): number {
    const first = this.answered[0];
    const span = first === undefined ? 0 : Date.now() - first[0];
    const events = this.answered.reduce((sum, [, n]) => sum + n, 0);
    const ms = span > 0 && events > 0 ? (this.pendingEvents * span) / events : RETRY_MIN_MS;
    return Math.round(Math.min(RETRY_MAX_MS, Math.max(RETRY_MIN_MS, ms)));
  }
}
