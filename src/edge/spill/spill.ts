/**
 * The edge's side of the spike buffer: a partition refused a batch as overloaded, so the batch
 * goes on the spill Queue instead, once its backlog ledger has stored it. The client is answered
 * `queued`: acknowledged and durable (the ledger's rows, holding the events, are committed before
 * `reserve` answers), stored in the partition when the consumer (drain.ts) gets it in.
 */
import type { FlamEvent } from "../../flam/index.ts";
import type { Env } from "../env.ts";
import { HttpError } from "../http-error.ts";
import type { Overloaded } from "../partition/contract.ts";
import { partitionObjectName } from "../routing.ts";
import { packMessages, sendGroups } from "./message.ts";

/** Retry-After is whole seconds; a client told 0 would come straight back. */
const retryAfterSeconds = (ms: number) => String(Math.min(3600, Math.max(1, Math.ceil(ms / 1000))));

/**
 * Puts `events` (one partition's share of a request, normalized) on the spill Queue and answers
 * the estimated delay until they are stored.
 *
 * @throws {HttpError} 429 with `Retry-After` when the partition's backlog is full, or an event is
 *   too large for a message; 503 when the ledger failed (nothing was acknowledged: the client
 *   retries, and ids make a batch that was stored after all harmless). A Queue that refuses the
 *   message does not fail the request: the ledger holds it and sends it again (its alarm).
 * @example
 * const delayMs = await spill(env, "demo", "p2", events, refusal);
 */
export async function spill(
  env: Env,
  project: string,
  partition: string,
  events: readonly FlamEvent[],
  refusal: Overloaded,
  now = Date.now(),
): Promise<number> {
  const messages = packMessages(project, partition, events, now);
  if (messages === null) {
    throw new HttpError(
      429,
      "overloaded",
      `partition ${partition} is overloaded and an event is too large to buffer; retry later`,
      { headers: { "Retry-After": retryAfterSeconds(refusal.retryAfterMs) } },
    );
  }
  const backlog = env.SPILL_BACKLOG.getByName(partitionObjectName(project, partition));
  const unavailable = (cause: unknown) =>
    new HttpError(503, "partition_unavailable", "events could not be stored; retry the request", {
      cause,
    });
  const reservation = await backlog
    .reserve(messages, now, refusal.retryAfterMs, refusal.refusal)
    .catch((cause: unknown) => {
      throw unavailable(cause);
    });
  if (!reservation.ok) {
    const after = retryAfterSeconds(reservation.retryAfterMs);
    throw new HttpError(
      429,
      "overloaded",
      `partition ${partition} is overloaded and its spill buffer is full ` +
        `(${reservation.backlogEvents} of ${reservation.maxBacklogEvents} events); retry after ${after} s`,
      { headers: { "Retry-After": after }, details: { partition, retryAfter: Number(after) } },
    );
  }
  const unsent = new Set(messages.map((m) => m.id));
  try {
    for (const group of sendGroups(messages)) {
      await env.SPILL.sendBatch(group.map((body) => ({ body })));
      for (const m of group) unsent.delete(m.id);
    }
  } catch (error) {
    // Already durable in the ledger: it sends what did not go out, soon (or, if this call fails
    // too, at its usual sweep). Answering 503 here would make the client send a copy instead.
    console.error(`spill: sending ${unsent.size} messages of ${partition} failed`, error);
    await backlog.unsent([...unsent]).catch((cause: unknown) => {
      console.error(`spill: marking ${unsent.size} messages of ${partition} unsent failed`, cause);
    });
  }
  return reservation.delayMs;
}
