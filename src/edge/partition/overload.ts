/**
 * The partition's overload signal (docs/reliability.md, "The spike buffer"). A partition runs its
 * calls one at a time, so a spike shows up as calls waiting in its call queue. `offer()` counts the
 * events it has admitted and not yet answered; past `maxPendingEvents` it refuses a batch at once,
 * without queueing it, and the edge puts the batch on the spill Queue instead. The check is two
 * additions and a comparison: refusing must cost far less than storing.
 *
 * Once it has refused a live batch the gate holds: later live batches are refused too, even when
 * the partition has caught up, so that they spill behind the earlier ones instead of being stored
 * ahead of them (a visitor's events keep the order the edge accepted them in). The spill consumer
 * ends the hold when the partition's ledger is empty (`spillDrained`); an expiry ends it if that
 * signal is lost.
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

/**
 * Who offers a batch. `live`: the edge, refused past the bound or while a spill is outstanding.
 * `drain`: the spill consumer, refused only past the bound (it is what ends the hold). `force`:
 * the consumer's last attempts, never refused, so a buffered batch always gets in eventually.
 */
export type OfferMode = "live" | "drain" | "force";

/**
 * How long after its last refusal for overload the gate holds at most, should the consumer's
 * signal never come: above the longest wait the consumer is told before retrying an overloaded
 * partition (60 s) plus its batch wait, so a drain that is merely slow does not lose the hold.
 * Past it live batches go in again, possibly ahead of spilled ones still waiting.
 */
export const HOLD_MAX_MS = 120_000;

/** The shortest and longest wait a refusal suggests. */
const RETRY_MIN_MS = 1_000;
const RETRY_MAX_MS = 60_000;
/** Answered batches remembered to estimate the drain rate. */
const RATE_WINDOW = 32;

/** The hold as stored: until when, and the token of the latest live refusal. */
export interface Hold {
  until: number;
  token: string;
}

/**
 * Where the gate keeps its hold across restarts (the partition's storage). A hold only in memory
 * would end with the object: a partition restarted while its spilled batches wait would admit
 * live batches ahead of them. Written only when a live refusal for overload starts or extends
 * the hold, and when the hold ends: the exceptional path, never a stored batch's.
 */
export interface HoldStore {
  load(): Hold | null;
  save(hold: Hold | null): void;
}

/** What `overloadState()` answers, for the stats route. */
export interface OverloadState extends OverloadSettings {
  pendingEvents: number;
  pendingCalls: number;
  /** Batches refused since the object started. */
  refused: number;
  /** Until when live batches are refused because a spill is outstanding (epoch ms), or null. */
  holdUntil: number | null;
}

/**
 * Counts admitted work and refuses past the bound.
 *
 * @example
 * const gate = new OverloadGate();
 * const offer = await gate.offer(events.length, "live", () => partition.ingest(events));
 * // {status: "stored", outcomes} or, past the bound, {status: "overloaded", pendingEvents, retryAfterMs, refusal}
 */
export class OverloadGate {
  private settings: OverloadSettings = { ...DEFAULT_OVERLOAD };
  private pendingEvents = 0;
  private pendingCalls = 0;
  private refused = 0;
  /**
   * Live refusals since the object started, and a name for this instance: a refusal's token is
   * both, so `spillDrained` can tell whether the ledger has seen the latest refusal.
   */
  private liveRefused = 0;
  private readonly instance = crypto.randomUUID().slice(0, 8);
  private holdUntil: number | null = null;
  /** The token of the latest live refusal, as `spillDrained` expects it back. */
  private latestToken: string | null = null;
  private readonly holds: HoldStore | undefined;
  /** [answered at, events] of the last answered batches, oldest first. */
  private readonly answered: [number, number][] = [];

  /** `holds`: where the hold survives a restart; without it the hold lives in memory only. */
  constructor(holds?: HoldStore) {
    this.holds = holds;
    const hold = holds?.load() ?? null;
    if (hold !== null && hold.until > Date.now()) {
      this.holdUntil = hold.until;
      this.latestToken = hold.token;
    }
  }

  /** Runs `ingest` unless `mode` refuses it (see {@link OfferMode}). */
  async offer(
    events: number,
    mode: OfferMode,
    ingest: () => Promise<IngestOutcome[]>,
  ): Promise<Offer> {
    const refusal = mode === "force" ? null : this.refusal(events, mode, Date.now());
    if (refusal !== null) return refusal;
    return { status: "stored", outcomes: await this.admit(events, ingest) };
  }

  /**
   * Ends the hold if `refusal` (the token the ledger recorded last) is this gate's latest live
   * refusal: every batch refused has then been spilled and stored. A refusal the ledger has not
   * seen yet (its edge is still reserving) keeps the hold, until a later drain or the expiry.
   */
  spillDrained(refusal: string | null): { holdUntil: number | null } {
    if (refusal !== null && refusal === this.latestToken && this.holdUntil !== null) {
      this.holdUntil = null;
      this.holds?.save(null);
    }
    return { holdUntil: this.holdUntil };
  }

  /** The refusal for a batch of `events`, or null when it may go in. */
  private refusal(events: number, mode: "live" | "drain", now: number): Overloaded | null {
    const { pendingEvents } = this;
    const overloaded = pendingEvents > 0 && pendingEvents + events > this.settings.maxPendingEvents;
    if (this.holdUntil !== null && this.holdUntil <= now) this.holdUntil = null;
    if (mode === "drain") {
      if (!overloaded) return null;
      this.refused++;
      // Not a live refusal: nothing new is spilled, so it neither starts nor extends the hold.
      return {
        status: "overloaded",
        pendingEvents,
        retryAfterMs: this.drainEstimate(),
        refusal: null,
      };
    }
    if (!overloaded && this.holdUntil === null) return null;
    // Only overload extends the hold: refusals because of the hold itself must not, or steady
    // traffic on a lost signal would keep the partition spilling for ever.
    this.refused++;
    this.liveRefused++;
    const token = `${this.instance}/${this.liveRefused}`;
    this.latestToken = token;
    if (overloaded) this.holdUntil = now + HOLD_MAX_MS;
    // Every live refusal's token, not only overload's: the ledger records the latest one, and a
    // restarted gate must recognise it when the drain reports it.
    this.holds?.save({ until: this.holdUntil!, token });
    return {
      status: "overloaded",
      pendingEvents,
      retryAfterMs: this.drainEstimate(),
      refusal: token,
    };
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
    const holdUntil =
      this.holdUntil !== null && this.holdUntil > Date.now() ? this.holdUntil : null;
    return { ...this.settings, pendingEvents, pendingCalls, refused, holdUntil };
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
