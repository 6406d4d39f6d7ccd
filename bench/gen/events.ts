/**
 * A seeded generator of realistic analytics events for benchmarks and tests: skewed event names,
 * visitors and values, per-name schemas with optional keys and occasional nulls, time-ordered
 * over seven days. Same `n` and `seed`, same events, on every machine.
 */
import { AIRPORTS, PRODUCTS, type Product } from "./domains.ts";
import { createRng, zipf } from "./prng.ts";
import { EVENT_NAMES, type EventContext, FIELDS, SCHEMAS } from "./schemas.ts";
import type { FlamEvent, Scalar } from "./types.ts";
import { createVisitors, type Visitor } from "./visitors.ts";

export type { FlamEvent, Scalar } from "./types.ts";

/** The event name the benchmark queries filter on. */
export const PURCHASE = "purchase";

/** 2026-01-01T00:00:00Z: the first generated event is at or just after this instant. */
export const START_TIME = Date.UTC(2026, 0, 1);
const SPAN_MS = 7 * 86_400_000;
const VISITOR_COUNT = 20_000;
const SESSION_GAP_MS = 30 * 60_000;
const VISITOR_PROPERTIES_RATE = 0.05;

const eventName = zipf(EVENT_NAMES, 1);
const product = zipf(PRODUCTS, 1);
const airport = zipf(AIRPORTS, 0.8);

/**
 * Generates `n` events, ordered by `time`, from a seeded PRNG.
 *
 * @example
 * const events = generateEvents(200_000);
 * events.filter((e) => e.name === PURCHASE).length; // about 7,400
 */
export function generateEvents(n: number, seed = 1): FlamEvent[] {
  const rng = createRng(seed);
  const { pick: pickVisitor } = createVisitors(rng, VISITOR_COUNT);
  const sessions = new Map<Visitor, { id: string; last: number }>();
  const step = SPAN_MS / Math.max(n, 1);
  let orders = 0;
  const events: FlamEvent[] = [];

  for (let i = 0; i < n; i++) {
    // Evenly spread slots with jitter inside each slot keep times ordered without a sort.
    const time = START_TIME + Math.floor(i * step + rng.next() * step);
    const visitor = pickVisitor(rng);
    const name = eventName(rng);

    let session = sessions.get(visitor);
    if (!session || time - session.last > SESSION_GAP_MS) {
      session = { id: `s_${rng.hex(16)}`, last: time };
      sessions.set(visitor, session);
    }
    session.last = time;

    const context = eventContext(rng, name, time, visitor, session.id, () => ++orders);
    const properties: Record<string, Scalar> = {};
    for (const key of SCHEMAS.get(name)!) {
      const field = FIELDS[key]!;
      if (field.presence !== undefined && !rng.chance(field.presence)) continue;
      if (field.nullRate !== undefined && rng.chance(field.nullRate)) {
        properties[key] = null;
        continue;
      }
      const value = field.gen(context);
      if (value !== undefined) properties[key] = value;
    }

    events.push({
      id: rng.uuid(),
      visitor: visitor.id,
      name,
      time,
      // Most beacons arrive within a second or two; some are stamped in the same millisecond.
      receivedAt: rng.chance(0.1) ? time : time + Math.floor(rng.next() ** 2 * 2000),
      properties,
      visitorProperties: rng.chance(VISITOR_PROPERTIES_RATE) ? visitorProperties(rng, visitor) : {},
    });
  }
  return events;
}

function eventContext(
  rng: ReturnType<typeof createRng>,
  name: string,
  time: number,
  visitor: Visitor,
  sessionId: string,
  nextOrder: () => number,
): EventContext {
  const item: Product = product(rng);
  const quantity = 1 + Math.floor(rng.next() ** 3 * 4);
  let priceCents = item.cents;
  if (name === PURCHASE) {
    // An order: the viewed item times its quantity, sometimes with one or two more items.
    priceCents = item.cents * quantity;
    for (let extra = rng.int(3); extra > 0; extra--) priceCents += product(rng).cents;
  }
  const origin = airport(rng);
  let destination = airport(rng);
  while (destination === origin) destination = airport(rng);
  return {
    rng,
    time,
    visitor,
    sessionId,
    product: item,
    quantity,
    priceCents,
    orderId: `ORD-${String(nextOrder()).padStart(7, "0")}`,
    origin,
    destination,
  };
}

function visitorProperties(
  rng: ReturnType<typeof createRng>,
  visitor: Visitor,
): Record<string, Scalar> {
  const props: Record<string, Scalar> = {
    email: visitor.email,
    name: visitor.fullName,
    plan: visitor.plan,
  };
  if (rng.chance(0.4))
    props["company"] = rng.chance(0.2) ? null : `${visitor.fullName.split(" ")[1]} Inc`;
  if (rng.chance(0.3)) props["signup_source"] = rng.pick(["organic", "ads", "referral"]);
  return props;
}
