/**
 * The spill Queue's message: one overloaded partition's share of a request, normalized (ids
 * assigned), so that storing it later, once or many times, stores each event once.
 *
 * Queues bounds a message at 128 KB and a `sendBatch` at 100 messages or 256 KB
 * (developers.cloudflare.com/queues/platform/limits), while one partition's share of a request
 * may reach 1,000 events and 1 MiB, so a share is cut into messages by a size bound.
 */
import type { FlamEvent, PropertyValue } from "../../flam/index.ts";

/** The queue the edge spills to, and the one Queues moves a message to after its last retry. */
export const SPILL_QUEUE = "flamingo-spill";
export const SPILL_DEAD_LETTER_QUEUE = "flamingo-spill-dead";

/**
 * One message on the spill Queue.
 *
 * @example
 * { id: "5b0e...", project: "demo", partition: "p2", enqueuedAt: 1764230400000, events: [...] }
 */
export interface SpillMessage {
  /** The backlog ledger's key for this message (src/edge/spill/backlog.ts), not an event id. */
  id: string;
  project: string;
  partition: string;
  /** Epoch ms when the edge sent it: the start of the drain delay. */
  enqueuedAt: number;
  events: FlamEvent[];
}

/** Bounds a message's serialized body under the 128 KB limit, with room for its metadata. */
export const MESSAGE_BYTES = 120_000;
/** Bounds one `sendBatch` under its 256 KB limit. */
const SEND_BATCH_BYTES = 250_000;
const SEND_BATCH_MESSAGES = 100;

/**
 * An upper bound of a value's size in the V8 serialization Queues uses for a message body: a
 * string costs at most two bytes per UTF-16 unit plus its tag and length, a number at most a
 * tag and a double. JSON length is no bound (a two-byte string of ASCII costs twice its JSON),
 * and the bound must hold, because a message past the limit makes the whole send fail.
 */
function boundOf(value: PropertyValue): number {
  if (typeof value === "string") return 6 + 2 * value.length;
  if (Array.isArray(value)) return value.reduce<number>((n, v) => n + boundOf(v), 12);
  return 10;
}

function recordBound(record: Record<string, PropertyValue>): number {
  let n = 12;
  for (const key in record) n += 6 + 2 * key.length + boundOf(record[key]!);
  return n;
}

/** The serialized size bound of one event. */
export function eventBytes(e: FlamEvent): number {
  return (
    64 +
    boundOf(e.id) +
    boundOf(e.visitor) +
    boundOf(e.name) +
    recordBound(e.properties) +
    recordBound(e.visitorProperties)
  );
}

/**
 * Cuts a partition's events into messages under {@link MESSAGE_BYTES}, keeping their order.
 * Returns null when one event alone is past the bound: such a batch cannot be buffered.
 *
 * @example
 * packMessages("demo", "p2", events, Date.now()); // [{ id, project: "demo", partition: "p2", enqueuedAt, events }]
 */
export function packMessages(
  project: string,
  partition: string,
  events: readonly FlamEvent[],
  enqueuedAt: number,
): SpillMessage[] | null {
  const messages: SpillMessage[] = [];
  let current: FlamEvent[] = [];
  let bytes = 256;
  for (const e of events) {
    const n = eventBytes(e);
    if (n + 256 > MESSAGE_BYTES) return null;
    if (bytes + n > MESSAGE_BYTES) {
      messages.push({ id: crypto.randomUUID(), project, partition, enqueuedAt, events: current });
      current = [];
      bytes = 256;
    }
    current.push(e);
    bytes += n;
  }
  if (current.length > 0)
    messages.push({ id: crypto.randomUUID(), project, partition, enqueuedAt, events: current });
  return messages;
}

/**
 * Groups messages into `sendBatch` calls within the batch limits, in order.
 *
 * @example
 * for (const group of sendGroups(messages)) await queue.sendBatch(group.map((body) => ({ body })));
 */
export function sendGroups(messages: readonly SpillMessage[]): SpillMessage[][] {
  const groups: SpillMessage[][] = [];
  let current: SpillMessage[] = [];
  let bytes = 0;
  for (const m of messages) {
    const n = m.events.reduce((sum, e) => sum + eventBytes(e), 256);
    if (
      current.length > 0 &&
      (bytes + n > SEND_BATCH_BYTES || current.length === SEND_BATCH_MESSAGES)
    ) {
      groups.push(current);
      current = [];
      bytes = 0;
    }
    current.push(m);
    bytes += n;
  }
  if (current.length > 0) groups.push(current);
  return groups;
}
