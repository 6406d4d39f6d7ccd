/**
 * A partition's write path: dedup by id, append to the log, apply to the derived state, and
 * answer one outcome per event in batch order. Why an answered batch is durable, and why the
 * dedup table can never claim an id the log lacks: docs/partition.md, "Durability".
 */
import type { FlamEvent } from "../../flam/index.ts";
import type { Rejected } from "../../log/index.ts";
import { catchUp, type LogSource } from "./catch-up.ts";
import type { IngestOutcome } from "./contract.ts";
import type { DerivedState, LoggedEvent } from "./derived-state.ts";
import { storedIds } from "./stored-ids.ts";

/**
 * Stores the events not stored before, in the order given, and answers each.
 *
 * - An id already in the dedup window: `duplicate` with the offset it was stored at.
 * - An id repeated within the batch: the later copies get the first copy's answer
 *   (`duplicate` with its offset if it was stored, its rejection if it was refused).
 * - An event the log refuses (FlaM validation, `FlamEncodeError`): `rejected` with the error's
 *   code and message; the others are stored.
 *
 * @example
 * await ingest({ log, store }, derived, [e1, e1, e2])
 * // [{status:"accepted",offset:0}, {status:"duplicate",offset:0}, {status:"accepted",offset:1}]
 */
export async function ingest(
  source: LogSource,
  derived: DerivedState,
  events: readonly FlamEvent[],
): Promise<IngestOutcome[]> {
  const { log } = source;
  catchUp(source, derived);
  const outcomes: IngestOutcome[] = new Array(events.length);
  const ids = events.map((e) => e.id).filter((id) => typeof id === "string");
  const stored = derived.dedup.find(ids, log.nextOffset, (offsets) => storedIds(source, offsets));
  const fresh: FlamEvent[] = [];
  const freshAt: number[] = [];
  const firstCopy = new Map<unknown, number>();
  const repeats: [at: number, first: number][] = [];
  events.forEach((e, i) => {
    const offset = stored.get(e.id);
    const first = firstCopy.get(e.id);
    if (offset !== undefined) outcomes[i] = { status: "duplicate", offset };
    else if (first !== undefined) repeats.push([i, first]);
    else {
      firstCopy.set(e.id, i);
      fresh.push(e);
      freshAt.push(i);
    }
  });

  const { offsets, rejected } = await log.append(fresh);
  const refused = new Map<number, Rejected>(rejected.map((r) => [r.index, r]));
  const accepted: LoggedEvent[] = [];
  fresh.forEach((event, j) => {
    const r = refused.get(j);
    if (r !== undefined) {
      const { code, message } = r.error;
      outcomes[freshAt[j]!] = { status: "rejected", code, message };
    } else {
      const offset = offsets[accepted.length]!;
      accepted.push({ event, offset });
      outcomes[freshAt[j]!] = { status: "accepted", offset };
    }
  });
  for (const [at, first] of repeats) {
    const o = outcomes[first]!;
    outcomes[at] = o.status === "accepted" ? { status: "duplicate", offset: o.offset } : o;
  }

  // The derived rows follow the log rows. Were the log to hold more than this batch (a failed
  // batch before), catch-up applies everything from the log instead.
  if (accepted[0]?.offset === derived.through)
    derived.apply(accepted, log.nextOffset, log.nextOffset);
  else catchUp(source, derived);
  return outcomes;
}
