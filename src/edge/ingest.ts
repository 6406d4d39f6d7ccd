/**
 * The write path shared by every wire format: normalize the parsed events, route them to their
 * partitions (one RPC per partition, carrying its whole batch, all partitions in parallel), and
 * answer per event in the order sent. A partition that is overloaded, or still has refused
 * batches waiting to be stored, refuses its share at once; that share goes on the spill Queue,
 * behind them, and is answered `queued` (src/edge/spill/).
 */
import type { Env } from "./env.ts";
import { isFailure, type ParsedBatch } from "./formats/incoming.ts";
import { HttpError } from "./http-error.ts";
import { LIMITS } from "./limits.ts";
import { normalizeEvent, skewOf } from "./normalize.ts";
import type { InPageAction, Offer } from "./partition/contract.ts";
import type { Project } from "./registry/project.ts";
import { groupByPartition, partitionObjectName } from "./routing.ts";
import { spill } from "./spill/index.ts";
import type { FlamEvent } from "../flam/index.ts";

/**
 * One event's answer. `queued`: acknowledged and durable in the partition's spill ledger, stored
 * in its partition in about `delayMs` (an estimate), in the order the edge accepted it, visible to
 * queries from then on; its triggers' in-page actions cannot come back in this answer.
 */
export type EventResult =
  | { status: "accepted" | "duplicate"; id: string }
  | { status: "queued"; id: string; delayMs: number }
  | { status: "rejected"; code: string; message: string };

/** The answer to an ingest request. */
export interface IngestAnswer {
  results: EventResult[];
  /** In-page actions of the triggers the batch's events fired, in batch order. */
  actions: InPageAction[];
  /** Events acknowledged (stored, duplicate or queued), and refused. */
  accepted: number;
  rejected: number;
  /** Of `accepted`, the events queued on the spill buffer. */
  queued: number;
}

/**
 * @throws {HttpError} 413 when the batch has too many events; 429 with `Retry-After` when a
 *   partition is overloaded and its spill buffer is full; 503 when a partition could not store
 *   its events (the client should retry: event ids make the retry idempotent, including for the
 *   events of other partitions the request did store).
 */
export async function ingest(
  env: Env,
  project: Project,
  batch: ParsedBatch,
  receivedAt = Date.now(),
): Promise<IngestAnswer> {
  if (batch.events.length > LIMITS.eventsPerBatch) {
    throw new HttpError(
      413,
      "too_many_events",
      `a request carries at most ${LIMITS.eventsPerBatch} events, got ${batch.events.length}`,
    );
  }
  const skew = skewOf(receivedAt, batch.sentAt);
  const results: EventResult[] = new Array(batch.events.length);
  const good: [number, FlamEvent][] = [];
  batch.events.forEach((incoming, i) => {
    if (isFailure(incoming)) {
      results[i] = { status: "rejected", code: incoming.code, message: incoming.message };
      return;
    }
    const e = normalizeEvent(incoming, { receivedAt, skew, newId: () => crypto.randomUUID() });
    if ("code" in e) results[i] = { status: "rejected", ...e };
    else good.push([i, e]);
  });

  const fired: [number, InPageAction[]][] = [];
  const groups = groupByPartition(project, good, ([, e]) => e.visitor);
  await Promise.all(
    [...groups].map(async ([partition, items]) => {
      const stub = env.PARTITION.getByName(partitionObjectName(project.id, partition));
      const events = items.map(([, [, e]]) => e);
      let offer: Offer;
      try {
        offer = await stub.offer(events);
      } catch (cause) {
        throw new HttpError(
          503,
          "partition_unavailable",
          "events could not be stored; retry the request",
          { cause },
        );
      }
      if (offer.status === "overloaded") {
        const delayMs = await spill(env, project.id, partition, events, offer);
        for (const [, [i, e]] of items) results[i] = { status: "queued", id: e.id, delayMs };
        return;
      }
      const { outcomes } = offer;
      items.forEach(([, [i, e]], j) => {
        const o = outcomes[j];
        if (o === undefined)
          throw new HttpError(500, "internal", "partition answered fewer outcomes than events");
        results[i] =
          o.status === "rejected"
            ? { status: "rejected", code: o.code, message: o.message }
            : { status: o.status, id: e.id };
        if (o.status === "accepted" && o.actions !== undefined) fired.push([i, o.actions]);
      });
    }),
  );
  const rejected = results.filter((r) => r.status === "rejected").length;
  const queued = results.filter((r) => r.status === "queued").length;
  // In batch order, whatever partition answered first.
  const actions = fired.sort((a, b) => a[0] - b[0]).flatMap(([, a]) => a);
  return { results, actions, accepted: results.length - rejected, rejected, queued };
}
