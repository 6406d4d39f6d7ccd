/**
 * The storage port of the commit log. A store keeps two kinds of FlaM blocks: *tail segments*
 * (one per append, durable the moment `appendTail` resolves) and *sealed blocks* (tail segments
 * merged into one larger block). Adapters: in memory (`memory-store.ts`), Durable Object SQLite
 * and IndexedDB (later); every adapter passes `test/conformance/log-store.case.ts`.
 */

/** Where a block sits in the log and what it holds; small enough to list for every block. */
export interface BlockMeta {
  /** Log offset of the block's first event: offsets number events 0, 1, 2, ... in append order. */
  first: number;
  /** Number of events; the block covers offsets `[first, first + count)`. */
  count: number;
  /** Smallest and largest event time (ms), from the block header. */
  minTime: number;
  maxTime: number;
  /** Size of the block in bytes. */
  bytes: number;
}

/** A stored block with its bytes. */
export interface StoredBlock {
  meta: BlockMeta;
  bytes: Uint8Array;
}

/** An inclusive time range in ms; a missing end is unbounded. */
export interface TimeRange {
  from?: number;
  to?: number;
}

/**
 * What the log needs from storage. Every method is atomic: after it resolves its effect is
 * durable, and a failure leaves the store as it was.
 *
 * @example
 * const store: LogStore = new MemoryLogStore();
 * await store.appendTail({ meta, bytes });
 */
export interface LogStore {
  /** Sealed blocks whose time range overlaps `range` (all when absent), ascending by `first`. */
  blocks(range?: TimeRange): Promise<BlockMeta[]>;
  /** The bytes of the sealed block starting at `first`, or undefined if there is none. */
  readBlock(first: number): Promise<Uint8Array | undefined>;
  /** Every tail segment, ascending by `first`. */
  tail(): Promise<StoredBlock[]>;
  /** Adds one tail segment. */
  appendTail(segment: StoredBlock): Promise<void>;
  /**
   * In one atomic step: stores the sealed blocks and removes the tail segments they replace
   * (given by `first`). Readers never see both, or neither.
   */
  seal(blocks: readonly StoredBlock[], replaces: readonly number[]): Promise<void>;
}

/** True when a block's time range overlaps `range`. */
export function overlaps(meta: BlockMeta, range: TimeRange | undefined): boolean {
  if (range === undefined) return true;
  return (
    (range.from === undefined || meta.maxTime >= range.from) &&
    (range.to === undefined || meta.minTime <= range.to)
  );
}
