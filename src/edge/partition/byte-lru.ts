/**
 * A least-recently-used cache bounded by the total size its entries declare, for derived rows
 * kept in memory between calls. Several Durable Objects share one isolate's 128 MB, so every
 * cache a partition keeps has a byte bound, not an entry count.
 */

/**
 * @example
 * const cache = new ByteLru<string, Profile>(4 << 20);
 * cache.set("v1", profile, 600);
 * cache.get("v1"); // profile, now the most recently used
 */
export class ByteLru<K, V> {
  private readonly entries = new Map<K, { value: V; size: number }>();
  private total = 0;
  readonly maxBytes: number;

  constructor(maxBytes: number) {
    this.maxBytes = maxBytes;
  }

  /** Sum of the sizes of the entries held. */
  get bytes(): number {
    return this.total;
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: K): V | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    // A Map iterates in insertion order: re-inserting makes the entry the newest.
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.value;
  }

  /** Adds or replaces an entry, then evicts the least recently used until the total fits. */
  set(key: K, value: V, size: number): void {
    this.delete(key);
    if (size > this.maxBytes) return;
    this.entries.set(key, { value, size });
    this.total += size;
    for (const [oldest, entry] of this.entries) {
      if (this.total <= this.maxBytes) break;
      this.entries.delete(oldest);
      this.total -= entry.size;
    }
  }

  delete(key: K): void {
    const entry = this.entries.get(key);
    if (entry === undefined) return;
    this.entries.delete(key);
    this.total -= entry.size;
  }

  clear(): void {
    this.entries.clear();
    this.total = 0;
  }
}
