/**
 * The partition Durable Object: wiring only. The log store, dedup window, profiles, ingest and
 * reads live beside it, one concept per file (docs/partition.md).
 */
import { DurableObject } from "cloudflare:workers";
import { openBlock, type FlamEvent } from "../../flam/index.ts";
import type { Env } from "../env.ts";
import { rebuild } from "./catch-up.ts";
import { QueryError, runTask, type Query } from "../../query/index.ts";
import type { DefinitionSet } from "../registry/definitions.ts";
import type { IngestOutcome, Offer, PartitionApi, TaskOutcome, VisitorView } from "./contract.ts";
import { ingest } from "./ingest.ts";
import { openPartition, type PartitionState } from "./open-partition.ts";
import { Outbox, type Delivery } from "./outbox.ts";
import {
  type Hold,
  OverloadGate,
  type OfferMode,
  type OverloadChange,
  type OverloadSettings,
  type OverloadState,
} from "./overload.ts";
import { ResidentBlocks } from "./query-blocks.ts";
import { partitionSource } from "./query-source.ts";
import { exportLog, type ExportChunk } from "./export-log.ts";
import { replayLog } from "./replay.ts";
import { evaluateBatch } from "./trigger-ingest.ts";
import { TriggerEngine } from "./trigger-engine.ts";
import { visitorView } from "./visitor-view.ts";

const EMPTY = { properties: {} };
/** The overload gate's hold (overload.ts), in the object's key-value storage. */
const HOLD_KEY = "overload-hold";

/** The log's events from offset `from` on, in order (decoding only the blocks that hold them). */
function* eventsFrom({ log, store }: PartitionState["source"], from: number): Generator<FlamEvent> {
  for (const meta of log.metas()) {
    if (meta.first + meta.count <= from) continue;
    const bytes = store.block(meta.first);
    if (bytes === undefined) throw new Error(`log block ${meta.first} is missing from storage`);
    const events = openBlock(bytes).events();
    for (let i = Math.max(0, from - meta.first); i < events.length; i++) yield events[i]!;
  }
}

/**
 * One partition: a project's visitors in a range of buckets, their log and derived state.
 *
 * @example
 * const outcomes = await env.PARTITION.getByName("project/p0").ingest(events);
 * const { profile, events: newest } = await env.PARTITION.getByName("project/p0").visitor("v1", 20);
 */
export class Partition extends DurableObject<Env> implements PartitionApi {
  private state: Promise<PartitionState> | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  /** Sealed blocks kept opened for queries (derived, bounded per isolate). */
  private readonly resident = new ResidentBlocks();
  /** Webhook deliveries, sent by `alarm()` outside the call queue so receivers never slow ingest. */
  readonly outbox = new Outbox(this.ctx.storage);
  /** Segment and trigger definitions and every visitor's evaluation state. */
  readonly triggers = new TriggerEngine(this.ctx.storage);
  /** Counts the events offered and not yet answered; refuses past its bound. */
  private readonly overload = new OverloadGate({
    load: () => this.ctx.storage.kv.get<Hold>(HOLD_KEY) ?? null,
    save: (hold) => {
      if (hold === null) this.ctx.storage.kv.delete(HOLD_KEY);
      else this.ctx.storage.kv.put(HOLD_KEY, hold);
    },
  });

  /** Delivers due webhooks, then sets the alarm for the next one. */
  override async alarm(): Promise<void> {
    await this.outbox.deliverDue(Date.now());
    await this.outbox.schedule();
  }

  ingest(events: FlamEvent[]): Promise<IngestOutcome[]> {
    return this.serial(async (s) => {
      const { log } = s.source;
      if (!this.triggers.active) {
        const outcomes = await ingest(s.source, s.derived, events);
        this.triggers.advance(log.nextOffset);
        return outcomes;
      }
      // Profiles as they were before the batch: the engine folds them event by event.
      const before = s.derived.profiles.load([...new Set(events.map((e) => e.visitor))]);
      const outcomes = await ingest(s.source, s.derived, events);
      const now = Date.now();
      const effects = evaluateBatch(this.triggers, events, outcomes, before, now);
      // All of it lands with the batch: the storage writes of one call commit together.
      if (effects.fired.length > 0) await ingest(s.source, s.derived, effects.fired);
      this.triggers.advance(log.nextOffset);
      if (effects.webhooks.length > 0) {
        this.outbox.enqueue(effects.webhooks, now);
        await this.outbox.schedule();
      }
      return outcomes;
    });
  }

  offer(events: FlamEvent[], mode: OfferMode = "live"): Promise<Offer> {
    // Checked on arrival, outside the call queue: a refusal must not wait behind the work it reports.
    return this.overload.offer(events.length, mode, () => {
      const stall = this.overload.stall();
      if (stall !== undefined) void this.serial(stall);
      return this.ingest(events);
    });
  }

  spillDrained(refusal: string | null): Promise<{ holdUntil: number | null }> {
    return Promise.resolve(this.overload.spillDrained(refusal));
  }

  overloadState(): Promise<OverloadState> {
    return Promise.resolve(this.overload.state());
  }

  configureOverload(settings: OverloadChange): Promise<OverloadSettings> {
    return Promise.resolve(this.overload.configure(settings));
  }

  setDefinitions(set: DefinitionSet): Promise<{ version: number; backfilled: string[] }> {
    return this.serial((s) => {
      const backfilled = this.triggers.setDefinitions(set, (visit) => replayLog(s.source, visit));
      return { version: this.triggers.version, backfilled };
    });
  }

  members(
    id: string,
    after: string | null,
    limit: number,
  ): Promise<{ count: number; visitors: string[]; more: boolean }> {
    return this.serial(() => this.triggers.members(id, after, limit, Date.now()));
  }

  exportLog(after: number, maxBytes: number, visitor: string | null): Promise<ExportChunk> {
    return this.serial((s) => exportLog(s.source, after, maxBytes, visitor));
  }

  deliveries(
    trigger: string,
    status: Delivery["status"] | null,
    limit: number,
  ): Promise<Delivery[]> {
    return Promise.resolve(this.outbox.list(trigger, status, limit));
  }

  visitor(id: string, limit?: number): Promise<VisitorView> {
    return this.serial((s) => visitorView(s.source, s.derived.profiles, id, limit));
  }

  query(query: Query): Promise<TaskOutcome> {
    // Serial with ingest: a query sees every event whose ingest answered before it, and never a
    // half-applied batch.
    return this.serial(async (s) => {
      this.resident.begin();
      try {
        return { ok: true, partial: await runTask(query, partitionSource(s, this.resident)) };
      } catch (error) {
        if (!(error instanceof QueryError)) throw error;
        return { ok: false, code: error.code, path: error.path, message: error.message };
      } finally {
        this.resident.end();
      }
    });
  }

  rebuild(): Promise<{ events: number; visitors: number }> {
    return this.serial((s) => {
      const result = rebuild(s.source, s.derived);
      // Trigger state too: replayed without firing; logged firings restore frequency bookkeeping.
      this.triggers.clear();
      replayLog(s.source, (event, profile) => this.triggers.step(event, profile, "backfill"));
      this.triggers.advance(s.source.log.nextOffset);
      this.triggers.flush();
      return result;
    });
  }

  abort(reason: string): Promise<void> {
    // Not queued: it must land while other calls are in flight, as a real eviction does.
    this.ctx.abort(reason);
    return Promise.reject(new Error(reason));
  }

  /**
   * Runs calls one at a time, in arrival order, over the opened state. Storage calls here never
   * wait on I/O, so calls would not interleave anyway; the queue keeps that true if one ever does.
   */
  private serial<T>(fn: (state: PartitionState) => T | Promise<T>): Promise<T> {
    const run = this.queue.then(async () => fn(await this.open()));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Opens the state on first use; a failed open is retried by the next call. */
  private open(): Promise<PartitionState> {
    this.state ??= openPartition(this.ctx.storage)
      .then((state) => {
        // Trigger states are written behind the log too: step what the last run left unwritten.
        const { log } = state.source;
        this.triggers.catchUp(
          log.nextOffset,
          (from) => eventsFrom(state.source, from),
          (visitor) => state.derived.profiles.load([visitor]).get(visitor)?.profile ?? EMPTY,
        );
        return state;
      })
      .catch((error: unknown) => {
        this.state = undefined;
        throw error;
      });
    return this.state;
  }
}
