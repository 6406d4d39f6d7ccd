/**
 * The spill Queue's consumer (`queue()` of the Worker): stores buffered batches in their
 * partitions as the partitions recover. A delivery wakes the consumer for its partitions; each
 * partition's ledger (backlog.ts) says what to store, in the order the edge spilled it: the
 * oldest rows first, up to a request's worth of events per call, until the ledger is empty. A
 * message is acknowledged once its row is stored, by this delivery or an earlier one, so a
 * message the Queue delivers early waits for nothing (its elders come from the ledger) and one
 * delivered late or twice is an ack. The events' ids were assigned at the edge, so a copy stored
 * twice by two deliveries at once is `duplicate` in the partition, never a second event.
 */
import type { Env } from "../env.ts";
import { LIMITS } from "../limits.ts";
import { partitionObjectName } from "../routing.ts";
import { SPILL_DEAD_LETTER_QUEUE, type SpillMessage } from "./message.ts";

/**
 * From this attempt on a message is stored even if its partition is still overloaded, so a
 * sustained overload delays a buffered batch by a bounded time instead of sending it to the dead
 * letter queue. wrangler.toml's `max_retries` (20) leaves ten more attempts for a partition that
 * fails outright; the dead letter queue's consumer (this one again) always forces.
 */
export const FORCE_FROM_ATTEMPT = 10;

/**
 * Calls (of up to 1,000 events) one delivery makes into a partition: a bound on one invocation's
 * work. The rest of the backlog has messages of its own on the Queue, or the sweep sends them.
 */
const MAX_CALLS = 32;

/** The wait before retrying a message whose partition threw: 2, 4, 8 ... s, at most 5 min. */
const failureDelay = (attempts: number) => Math.min(300, 2 ** Math.min(attempts, 9));

/** Retry-After from the partition's estimate, in the whole seconds Queues takes, 1..60. */
const overloadDelay = (ms: number) => Math.min(60, Math.max(1, Math.ceil(ms / 1000)));

async function drainPartition(
  env: Env,
  name: string,
  messages: readonly Message<SpillMessage>[],
  dead: boolean,
): Promise<void> {
  const partition = env.PARTITION.getByName(name);
  const backlog = env.SPILL_BACKLOG.getByName(name);
  // By message id: a delivery can hold two copies of one message (the sweep's and the first).
  const waiting = new Map<string, Message<SpillMessage>[]>();
  for (const m of messages) waiting.set(m.body.id, [...(waiting.get(m.body.id) ?? []), m]);
  const settle = (id: string, how: (m: Message<SpillMessage>) => void) => {
    for (const m of waiting.get(id) ?? []) how(m);
    waiting.delete(id);
  };
  const settleAll = (how: (m: Message<SpillMessage>) => void) => {
    for (const id of [...waiting.keys()]) settle(id, how);
  };
  const mode = dead || messages.some((m) => m.attempts >= FORCE_FROM_ATTEMPT) ? "force" : "drain";
  try {
    for (let call = 0; call < MAX_CALLS; call++) {
      const head = await backlog.head(LIMITS.eventsPerBatch, [...waiting.keys()]);
      if (head.rows.length === 0) {
        // Every row is stored: messages left were stored before (redelivered, or a sweep's copy).
        settleAll((m) => m.ack());
        // Live offers may go straight in again. If this fails the hold expires on its own.
        await partition.spillDrained(head.refusal).catch((error: unknown) => {
          console.error(`spill: ending the hold of ${name} failed`, error);
        });
        return;
      }
      const offer = await partition.offer(
        head.rows.flatMap((r) => r.events ?? waiting.get(r.id)![0]!.body.events),
        mode,
      );
      if (offer.status === "overloaded") {
        // Everything this delivery holds is behind the refused rows: all wait for the partition.
        const delay = overloadDelay(offer.retryAfterMs);
        settleAll((m) => m.retry({ delaySeconds: delay }));
        return;
      }
      const rejected = offer.outcomes.filter((o) => o.status === "rejected");
      if (rejected.length > 0) {
        // The edge validated these events, so the partition refusing one is a bug or a format
        // limit met: logged here, counted in stats, never retried (it would be refused again).
        console.error(`spill: ${name} refused ${rejected.length} buffered events`, rejected[0]);
      }
      await backlog.drained(
        head.rows.map((r) => r.id),
        Date.now(),
        rejected.length,
      );
      for (const r of head.rows) settle(r.id, (m) => m.ack());
    }
    // The bound of calls met: what this delivery still holds comes back shortly.
    settleAll((m) => m.retry({ delaySeconds: 1 }));
  } catch (error) {
    // Stored or not, the messages come back: storing them again stores nothing twice.
    console.error(`spill: draining into ${name} failed; retrying`, error);
    settleAll((m) => m.retry({ delaySeconds: failureDelay(m.attempts) }));
  }
}

/**
 * The Worker's `queue()` handler, for the spill Queue and its dead letter queue.
 *
 * @example
 * export default { fetch: app.fetch, queue: drainSpill } satisfies ExportedHandler<Env, SpillMessage>;
 */
export async function drainSpill(batch: MessageBatch<SpillMessage>, env: Env): Promise<void> {
  const dead = batch.queue === SPILL_DEAD_LETTER_QUEUE;
  const byPartition = new Map<string, Message<SpillMessage>[]>();
  for (const m of batch.messages) {
    const name = partitionObjectName(m.body.project, m.body.partition);
    let list = byPartition.get(name);
    if (list === undefined) byPartition.set(name, (list = []));
    list.push(m);
  }
  await Promise.all(
    [...byPartition].map(([name, messages]) => drainPartition(env, name, messages, dead)),
  );
}
