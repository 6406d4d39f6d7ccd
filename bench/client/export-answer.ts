/**
 * The bench's stand-in for `GET /v1/export` (src/edge/routes/export.ts): one partition's log,
 * sealed blocks paged by a byte budget and resumed by cursor, the open tail with the last page,
 * framed as the edge frames it (src/log/export-frame.ts).
 */
import { readHeader } from "../../src/flam/index.ts";
import { frameExport, type ExportHead } from "../../src/log/export-frame.ts";

/** What the edge puts in one answer (`ANSWER_BYTES` in src/edge/routes/export.ts). */
const ANSWER_BYTES = 8 * 1024 * 1024;

export interface ExportLog {
  partition: string;
  sealed: readonly Uint8Array[];
  tail: readonly Uint8Array[];
}

/**
 * The answer to `?cursor=` (the log offset as text; "" from the start).
 *
 * @example
 * exportAnswer({ partition: "p0", sealed, tail }, ""); // first ~8 MB of blocks, cursor "40960"
 */
export function exportAnswer(log: ExportLog, cursor: string): Uint8Array {
  const after = cursor === "" ? 0 : Number(cursor);
  if (!Number.isSafeInteger(after) || after < 0) throw new RangeError(`bad cursor ${cursor}`);
  const head: ExportHead["blocks"] = [];
  const parts: Uint8Array[] = [];
  let first = 0;
  let size = 0;
  let through = after;
  let more = false;
  const add = (sealed: boolean, at: number, bytes: Uint8Array) => {
    const h = readHeader(bytes);
    const meta = { first: at, count: h.eventCount, minTime: h.minTime, maxTime: h.maxTime };
    head.push({ partition: log.partition, sealed, ...meta, length: bytes.length });
    parts.push(bytes);
    return h.eventCount;
  };
  for (const block of log.sealed) {
    const count = readHeader(block).eventCount;
    if (first >= after) {
      if (size > 0 && size + block.length > ANSWER_BYTES) {
        more = true;
        break;
      }
      add(true, first, block);
      size += block.length;
      through = first + count;
    }
    first += count;
  }
  if (!more) for (const segment of log.tail) first += add(false, first, segment);
  return frameExport({ cursor: String(through), more, blocks: head }, parts);
}
