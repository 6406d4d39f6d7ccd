/**
 * Reading event ids back from the log by offset: how the dedup window confirms that a hash
 * match is the same id (dedup.ts). Only retried events and hash collisions get here.
 */
import { openBlock } from "../../flam/index.ts";
import type { LogSource } from "./catch-up.ts";

/**
 * The ids the log holds at `offsets`; offsets past its end are absent. Each block holding one of
 * them is read and opened once.
 *
 * @example
 * storedIds({ log, store }, [0, 7]) // Map { 0 => "e-0", 7 => "e-7" }
 */
export function storedIds(
  { log, store }: LogSource,
  offsets: readonly number[],
): Map<number, string> {
  const out = new Map<number, string>();
  const wanted = [...new Set(offsets)].sort((a, b) => a - b);
  let i = 0;
  for (const meta of log.metas()) {
    const end = meta.first + meta.count;
    while (i < wanted.length && wanted[i]! < meta.first) i++;
    if (i === wanted.length) break;
    if (wanted[i]! >= end) continue;
    const bytes = store.block(meta.first);
    if (bytes === undefined) throw new Error(`log block ${meta.first} is missing from storage`);
    const block = openBlock(bytes);
    for (; i < wanted.length && wanted[i]! < end; i++)
      out.set(wanted[i]!, block.event(wanted[i]! - meta.first).id);
  }
  return out;
}
