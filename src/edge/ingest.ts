/**
 * The write path shared by every wire format: normalize the parsed events, route them to their
 * partitions (one RPC per partition, carrying its whole batch, all partitions in parallel), and
 * answer per event in the order sent.
 */
import type { Env } from "./env.ts";
import { isFailure, type ParsedBatch } from "./formats/incoming.ts";
import { HttpError } from "./http-error.ts";
import { LIMITS } from "./limits.ts";
import { normalizeEvent, skewOf } from "./normalize.ts";
import type { IngestOutcome, InPageAction } from "./partition/contract.ts";
import type { Project } from "./registry/project.ts";
import { groupByPartition, partitionObjectName } from "./routing.ts";
import type { FlamEvent } from "../flam/index.ts";

/** One event's answer. */
export type EventResult =
  | { status: "accepted" | "duplicate"; id: string }
  | { status: "rejected"; code: string; message: string };

/** The answer to an ingest request. */
export interface IngestAnswer {
  results: EventResult[];
  /** In-page actions of the triggers the batch's events fired, in batch order. */
  actions: InPageAction[];
  accepted: number;
  rejected: number;
}

/**
 * @throws {HttpError} 413 when the batch has too many events; 503 when a partition could not
 *   store its events (the client should retry: event ids make the retry idempotent).
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
      let outcomes: IngestOutcome[];
      try {
        outcomes = await stub.ingest(items.map(([, [, e]]) => e));
      } catch (cause) {
        throw new HttpError(
          503,
          "partition_unavailable",
          "events could not be stored; retry the request",
          { cause },
        );
      }
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
  // In batch order, whatever partition answered first.
  const actions = fired.sort((a, b) => a[0] - b[0]).flatMap(([, a]) => a);
  return { results, actions, accepted: results.length - rejected, rejected };
}
