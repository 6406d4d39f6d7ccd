/**
 * `visitor(id, limit)`: the profile and the newest events of one visitor, newest first.
 *
 * Events come from the log, found one of two ways:
 * - by the profile's recent offsets (the last `RECENT_OFFSETS` of the visitor's events): only
 *   the blocks holding those offsets are read. Each is decoded whole, so the cost is one block
 *   decode (up to 8,192 events, a few ms) per distinct block, not per event;
 * - by a scan when more events are asked for than the index holds: every block, newest first,
 *   until `limit` events are found. A block whose string table lacks the visitor id is skipped
 *   after opening (checksum and validation), without decoding its events; a visitor with few,
 *   old events still costs a pass over the whole log. A per-visitor offsets table would make it
 *   O(events of the visitor) at one more row written per event.
 */
import { openBlock, type FlamEvent, type FullBlockReader } from "../../flam/index.ts";
import type { BlockMeta } from "../../log/index.ts";
import type { LogSource } from "./catch-up.ts";
import type { VisitorView } from "./contract.ts";
import type { ProfileStore } from "./profile-store.ts";

/** `limit` when the caller gives none. */
export const DEFAULT_VISITOR_EVENTS = 50;
/** Larger limits are lowered to this. */
export const MAX_VISITOR_EVENTS = 1000;

/**
 * @example
 * visitorView({ log, store }, profiles, "v1", 10) // { profile: {...}, events: [newest, ...] }
 */
export function visitorView(
  source: LogSource,
  profiles: ProfileStore,
  visitor: string,
  limit = DEFAULT_VISITOR_EVENTS,
): VisitorView {
  const n = Math.min(Math.max(Math.floor(limit), 0), MAX_VISITOR_EVENTS);
  if (Number.isNaN(n)) throw new RangeError(`limit must be a number, got ${limit}`);
  const stored = profiles.load([visitor]).get(visitor);
  if (stored === undefined) return { profile: null, events: [] };
  const { profile, recent } = stored;
  const wanted = Math.min(n, profile.eventCount);
  const events =
    recent.length >= wanted
      ? byOffsets(source, recent.slice(recent.length - wanted).reverse())
      : byScan(source, visitor, wanted);
  return { profile, events };
}

/** The events at these offsets, in the order given. */
function byOffsets({ log, store }: LogSource, offsets: readonly number[]): FlamEvent[] {
  const metas = log.metas();
  const opened = new Map<number, FlamEvent[]>();
  return offsets.map((offset) => {
    const meta = blockOf(metas, offset);
    let events = opened.get(meta.first);
    if (events === undefined) opened.set(meta.first, (events = open(store, meta).events()));
    return events[offset - meta.first]!;
  });
}

/** The newest `limit` events of the visitor, newest first, scanning blocks newest first. */
function byScan({ log, store }: LogSource, visitor: string, limit: number): FlamEvent[] {
  const out: FlamEvent[] = [];
  const metas = log.metas();
  for (let b = metas.length - 1; b >= 0 && out.length < limit; b--) {
    const block = open(store, metas[b]!);
    if (block.stringId(visitor) < 0) continue;
    const events = block.events();
    for (let i = events.length - 1; i >= 0 && out.length < limit; i--)
      if (events[i]!.visitor === visitor) out.push(events[i]!);
  }
  return out;
}

/** The block (metas ascending by `first`, contiguous) holding `offset`. */
function blockOf(metas: readonly BlockMeta[], offset: number): BlockMeta {
  let lo = 0;
  let hi = metas.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (metas[mid]!.first <= offset) lo = mid;
    else hi = mid - 1;
  }
  const meta = metas[lo];
  if (meta === undefined || offset < meta.first || offset >= meta.first + meta.count)
    throw new Error(`no log block holds offset ${offset}`);
  return meta;
}

function open(store: LogSource["store"], meta: BlockMeta): FullBlockReader {
  const bytes = store.block(meta.first);
  if (bytes === undefined) throw new Error(`log block ${meta.first} is missing from storage`);
  return openBlock(bytes);
}
