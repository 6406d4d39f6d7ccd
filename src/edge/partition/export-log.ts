/**
 * `exportLog`: a partition's log for an offline cache (docs/sdk.md, "Log cache"): the sealed
 * blocks from an offset on, up to a byte budget, then the whole open tail (segments are immutable
 * until sealed; the client replaces its copy of the tail on every sync). Scoped to one visitor,
 * each block is re-encoded with only that visitor's events, so a visitor token never carries
 * anyone else's data.
 */
import { encodeBlock, openBlock, readHeader } from "../../flam/index.ts";
import type { ExportBlock } from "../../log/export-frame.ts";
import type { LogSource } from "./catch-up.ts";

/**
 * One block of an export, before the edge names its partition. `first` is the log offset of the
 * block (before any visitor filter).
 */
export type ExportedBlock = Omit<ExportBlock, "partition">;

export interface ExportChunk {
  blocks: ExportedBlock[];
  /** Every sealed block below this offset has been sent: the next call's `after`. */
  sealedThrough: number;
  /** More sealed blocks wait past the budget (the tail comes with the last chunk). */
  more: boolean;
}

/**
 * @example
 * exportLog(source, 0, 4 << 20, null) // { blocks: [...sealed, ...tail], sealedThrough: 81920, more: false }
 */
export function exportLog(
  { log, store }: LogSource,
  after: number,
  maxBytes: number,
  visitor: string | null,
): ExportChunk {
  const { sealed, tail } = log.snapshot();
  const blocks: ExportedBlock[] = [];
  let size = 0;
  let sealedThrough = after;
  let more = false;
  for (const meta of sealed) {
    if (meta.first + meta.count <= after) continue;
    if (size > 0 && size + meta.bytes > maxBytes) {
      more = true;
      break;
    }
    const bytes = store.block(meta.first);
    if (bytes === undefined) throw new Error(`log block ${meta.first} is missing from storage`);
    const block = scoped(true, meta.first, bytes, visitor);
    if (block !== null) {
      blocks.push(block);
      size += block.bytes.length;
    }
    sealedThrough = meta.first + meta.count;
  }
  if (!more)
    for (const s of tail) {
      const block = scoped(false, s.meta.first, s.bytes, visitor);
      if (block !== null) blocks.push(block);
    }
  return { blocks, sealedThrough, more };
}

function scoped(
  sealed: boolean,
  first: number,
  bytes: Uint8Array,
  visitor: string | null,
): ExportedBlock | null {
  let out = bytes;
  if (visitor !== null) {
    const block = openBlock(bytes);
    // A block without the visitor's id in its dictionary has none of its events.
    if (block.stringId(visitor) < 0) return null;
    const events = block.events().filter((e) => e.visitor === visitor);
    if (events.length === 0) return null;
    out = encodeBlock(events);
  }
  const h = readHeader(out);
  return { sealed, first, count: h.eventCount, minTime: h.minTime, maxTime: h.maxTime, bytes: out };
}
