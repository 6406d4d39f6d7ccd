/**
 * The in-memory LogStore: the reference adapter, used by tests and by the browser before an
 * IndexedDB store exists. It copies bytes in and out so callers cannot mutate stored blocks.
 */
import {
  overlaps,
  type BlockMeta,
  type LogStore,
  type StoredBlock,
  type TimeRange,
} from "./log-store.ts";

/**
 * @example
 * const log = await Log.open(new MemoryLogStore());
 */
export class MemoryLogStore implements LogStore {
  private sealed = new Map<number, StoredBlock>();
  private segments = new Map<number, StoredBlock>();

  async blocks(range?: TimeRange): Promise<BlockMeta[]> {
    return [...this.sealed.values()]
      .map((b) => b.meta)
      .filter((m) => overlaps(m, range))
      .sort((a, b) => a.first - b.first)
      .map((m) => ({ ...m }));
  }

  async readBlock(first: number): Promise<Uint8Array | undefined> {
    return this.sealed.get(first)?.bytes.slice();
  }

  async tail(): Promise<StoredBlock[]> {
    return [...this.segments.values()].sort((a, b) => a.meta.first - b.meta.first).map(copy);
  }

  async appendTail(segment: StoredBlock): Promise<void> {
    if (this.segments.has(segment.meta.first))
      throw new Error(`tail segment ${segment.meta.first} already exists`);
    this.segments.set(segment.meta.first, copy(segment));
  }

  async seal(blocks: readonly StoredBlock[], replaces: readonly number[]): Promise<void> {
    for (const b of blocks)
      if (this.sealed.has(b.meta.first))
        throw new Error(`sealed block ${b.meta.first} already exists`);
    for (const b of blocks) this.sealed.set(b.meta.first, copy(b));
    for (const first of replaces) this.segments.delete(first);
  }
}

function copy(b: StoredBlock): StoredBlock {
  return { meta: { ...b.meta }, bytes: b.bytes.slice() };
}
