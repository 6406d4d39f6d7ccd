/**
 * The spill Queue's consumer (`queue()` of the Worker): stores buffered batches in their
 * partitions as the partitions recover. Messages are grouped by partition and offered in order,
 * up to a request's worth of events per call; a message is acknowledged only after its
 * partition stored its events and the backlog ledger recorded it. Delivery is at least once, so
 * a message may come again after it was stored: its event ids were assigned at the edge, so the
 * partition answers `duplicate` and stores nothing twice, and the ledger ignores its id.
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

/** The wait before retrying a message whose partition threw: 2, 4, 8 ... s, at most 5 min. */
const failureDelay = (attempts: number) => Math.min(300, 2 ** Math.min(attempts, 9));

/** Retry-After from the partition's estimate, in the whole seconds Queues takes, 1..60. */
const overloadDelay = (ms: number) => Math.min(60, Math.max(1, Math.ceil(ms / 1000)));

/** Consecutive messages whose events together stay within one request's worth. */
function* chunks(messages: readonly Message<SpillMessage>[]): Generator<Message<SpillMessage>[]> {
  let chunk: Message<SpillMessage>[] = [];
  let events = 0;
  for (const m of messages) {
    const n = m.body.events.length;
    if (chunk.length > 0 && events + n > LIMITS.eventsPerBatch) {
      yield chunk;
      chunk = [];
      events = 0;
    }
    chunk.push(m);
    events += n;
  }
  if (chunk.length > 0) yield chunk;
}

async function drainPartition(
  env: Env,
  name: string,
  messages: readonly Message<SpillMessage>[],
  dead: boolean,
): Promise<void> {
  const partition = env.PARTITION.getByName(name);
  const backlog = env.SPILL_BACKLOG.getByName(name);
  const retry = (chunk: readonly Message<SpillMessage>[], delaySeconds: (m: Message) => number) => {
    for (const m of chunk) m.retry({ delaySeconds: delaySeconds(m) });
  };
  const pending = [...chunks(messages)];
  for (let i = 0; i < pending.length; i++) {
    const chunk = pending[i]!;
    const force = dead || chunk.some((m) => m.attempts >= FORCE_FROM_ATTEMPT);
    try {
      const offer = await partition.offer(
        chunk.flatMap((m) => m.body.events),
        force,
      );
      if (offer.status === "overloaded") {
        // The partition's later messages would be refused too: all wait for it to recover.
        const delay = overloadDelay(offer.retryAfterMs);
        for (const rest of pending.slice(i)) retry(rest, () => delay);
        return;
      }
      const rejected = offer.outcomes.filter((o) => o.status === "rejected");
      if (rejected.length > 0) {
        // The edge validated these events, so the partition refusing one is a bug or a format
        // limit met: logged here, counted in stats, never retried (it would be refused again).
        console.error(`spill: ${name} refused ${rejected.length} buffered events`, rejected[0]);
      }
      await backlog.drained(
        chunk.map((m) => m.body.id),
        Date.now(),
        rejected.length,
      );
      for (const m of chunk) m.ack();
    } catch (error) {
      // Stored or not, the message comes back: storing it again stores nothing twice.
      console.error(`spill: draining into ${name} failed; retrying`, error);
      retry(chunk, (m) => failureDelay(m.attempts));
    }
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
