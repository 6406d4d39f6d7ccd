/**
 * The RPC contract of a partition Durable Object (one per project and bucket range): what the
 * edge router calls, one call per partition per request carrying that partition's whole batch.
 * Semantics in docs/partition.md.
 */
import type { FlamEvent } from "../../flam/index.ts";
import type { VisitorProfile } from "../../profile/index.ts";
import type { Partial, Query, QueryErrorCode } from "../../query/index.ts";
import type { DefinitionSet } from "../registry/definitions.ts";
import type { ExportChunk } from "./export-log.ts";
import type { Delivery } from "./outbox.ts";
import type { OfferMode, OverloadChange, OverloadSettings, OverloadState } from "./overload.ts";

/**
 * What happened to one event of an ingest call, in batch order. `offset` is the event's place
 * in the partition's log (0, 1, 2, ... in append order).
 */
export type IngestOutcome =
  /** Stored now; `actions`: the in-page actions of triggers this event fired. */
  | { status: "accepted"; offset: number; actions?: InPageAction[] }
  /**
   * Its id was already stored (a retry, or an earlier copy in the same batch): not stored
   * again, still a success for the client. `offset` is where the first copy was stored.
   */
  | { status: "duplicate"; offset: number }
  /**
   * Refused alone (the rest of the batch is unaffected). `code` is the FlaM encoder's
   * (`INVALID`, `LIMIT`, `FULL`) and `message` names the field, e.g.
   * `properties.price: must be a finite number, got NaN`.
   */
  | { status: "rejected"; code: string; message: string };

/**
 * The partition's answer that it is overloaded (src/edge/partition/overload.ts): nothing of the
 * batch was stored. `retryAfterMs` estimates how long the work already pending takes to answer.
 */
export interface Overloaded {
  status: "overloaded";
  pendingEvents: number;
  retryAfterMs: number;
  /**
   * A live refusal's token, which the edge records in the spill ledger with the batch; the spill
   * consumer hands the ledger's latest back with `spillDrained` to end the hold. Null for a
   * refusal of the consumer's own offer.
   */
  refusal: string | null;
}

/**
 * What `offer()` answers: the batch's outcomes, or a refusal because the partition is
 * overloaded. A union rather than a thrown error: an error's class and fields do not cross RPC,
 * and a refusal is an expected answer, not a failure.
 */
export type Offer = { status: "stored"; outcomes: IngestOutcome[] } | Overloaded;

/** An in-page action of a trigger that fired, returned to the beacon that sent the event. */
export interface InPageAction {
  /** The trigger's id and name. */
  trigger: string;
  name: string;
  /** The id of the event that fired it. */
  event: string;
  payload: Record<string, unknown>;
}

export type { VisitorProfile } from "../../profile/index.ts";

/** What `visitor()` returns: the profile and the newest events, newest first. */
export interface VisitorView {
  /** Null when the partition has no event of the visitor. */
  profile: VisitorProfile | null;
  events: FlamEvent[];
}

/**
 * What a query task answers: the partial, or the engine's refusal (a limit met while running).
 * A union rather than a thrown error, because an error's class and fields do not cross RPC.
 */
export type TaskOutcome =
  | { ok: true; partial: Partial }
  | { ok: false; code: QueryErrorCode; path: string; message: string };

/**
 * The partition's RPC methods.
 *
 * @example
 * const p = env.PARTITION.getByName(`${project}/${partition}`);
 * const outcomes = await p.ingest(events); // one outcome per event, in order
 * const { profile, events: newest } = await p.visitor("v1", 20);
 */
export interface PartitionApi {
  /**
   * Dedups by id, appends the new events to the log in the order given, updates profiles;
   * durable when it resolves. Throws only when nothing could be answered (storage failure):
   * the caller retries the whole batch, and ids make the retry idempotent.
   */
  ingest(events: FlamEvent[]): Promise<IngestOutcome[]>;
  /**
   * `ingest()` unless the partition already holds more than its bound of pending events, or (for
   * a `live` offer) has refused a live batch whose spill is not drained yet: then it answers
   * `overloaded` at once, storing nothing (docs/reliability.md, "The spike buffer"). The edge
   * offers `live` (the default), the spill consumer `drain`, or `force` on its last attempts;
   * `ingest()` stays unconditional.
   */
  offer(events: FlamEvent[], mode?: OfferMode): Promise<Offer>;
  /**
   * The spill consumer found the partition's ledger empty, its latest refusal token `refusal`:
   * ends the hold on live offers if that is the partition's latest refusal.
   */
  spillDrained(refusal: string | null): Promise<{ holdUntil: number | null }>;
  /** The overload gate's settings, pending work and refusals, for the stats route. */
  overloadState(): Promise<OverloadState>;
  /**
   * Changes the overload gate's settings (the bound, a simulated stall) until the object is
   * evicted. Only the local debug route and tests call it.
   */
  configureOverload(settings: OverloadChange): Promise<OverloadSettings>;
  /**
   * The visitor's profile and newest `limit` events (default 50, at most 1,000: larger values
   * are lowered, negative ones count as 0).
   */
  visitor(id: string, limit?: number): Promise<VisitorView>;
  /**
   * Runs a validated query's task over this partition's log (sealed blocks and the open tail:
   * everything ingested before the call) and profiles (docs/query.md).
   */
  query(query: Query): Promise<TaskOutcome>;
  /**
   * Takes the project's definition set if it is newer than the one held: stores it and backfills
   * the definitions that changed from the log before answering (docs/triggers.md).
   */
  setDefinitions(set: DefinitionSet): Promise<{ version: number; backfilled: string[] }>;
  /** Visitors in a segment's (or trigger's) segment now: count, a page after `after`, and whether more follow. */
  members(
    id: string,
    after: string | null,
    limit: number,
  ): Promise<{ count: number; visitors: string[]; more: boolean }>;
  /**
   * The log for an offline cache: sealed blocks from offset `after` up to about `maxBytes`, then
   * the open tail; only `visitor`'s events when given (docs/sdk.md).
   */
  exportLog(after: number, maxBytes: number, visitor: string | null): Promise<ExportChunk>;
  /** Webhook deliveries of a trigger, newest first. */
  deliveries(
    trigger: string,
    status: Delivery["status"] | null,
    limit: number,
  ): Promise<Delivery[]>;
  /** Recomputes every derived table (profiles, dedup index) from the log alone. */
  rebuild(): Promise<{ events: number; visitors: number }>;
  /**
   * Resets the object as an eviction or crash would (`ctx.abort`): calls in flight fail, memory
   * is dropped, storage keeps what was committed. Only the local debug routes call it, to inject
   * faults (routes/debug.ts); the call itself always rejects.
   */
  abort(reason: string): Promise<void>;
}
