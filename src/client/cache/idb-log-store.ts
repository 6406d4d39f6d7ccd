/**
 * The `LogStore` port over IndexedDB (through `idb`), for the browser's offline log cache. One
 * database holds several logs (one per partition), keyed by log name. Sealed blocks keep their
 * metadata apart from their bytes, so listing a log's blocks never reads megabytes. Passes the
 * same conformance suite as every adapter (test/conformance/log-store.case.ts).
 */
import { openDB, type DBSchema, type IDBPDatabase } from "idb";
import {
  overlaps,
  type BlockMeta,
  type LogStore,
  type StoredBlock,
  type TimeRange,
} from "../../log/index.ts";

interface MetaRow extends BlockMeta {
  log: string;
}
interface BytesRow {
  log: string;
  first: number;
  bytes: Uint8Array;
}
interface TailRow extends BytesRow {
  meta: BlockMeta;
}

export interface CacheSchema extends DBSchema {
  sealed_meta: { key: [string, number]; value: MetaRow };
  sealed_bytes: { key: [string, number]; value: BytesRow };
  tail: { key: [string, number]; value: TailRow };
  /** Small values of the cache itself (the export cursor). */
  settings: { key: string; value: unknown };
}

export type CacheDb = IDBPDatabase<CacheSchema>;

/** Opens (creating or upgrading) the cache database. */
export function openCacheDb(name: string): Promise<CacheDb> {
  return openDB<CacheSchema>(name, 1, {
    upgrade(db) {
      db.createObjectStore("sealed_meta", { keyPath: ["log", "first"] });
      db.createObjectStore("sealed_bytes", { keyPath: ["log", "first"] });
      db.createObjectStore("tail", { keyPath: ["log", "first"] });
      db.createObjectStore("settings");
    },
  });
}

/** Every key of one log: IndexedDB orders arrays element by element. */
const logRange = (log: string) => IDBKeyRange.bound([log, -Infinity], [log, Infinity]);

/**
 * @example
 * const store = new IndexedDbLogStore(await openCacheDb("flamingo"), "p0");
 * await store.seal([block], []);
 */
export class IndexedDbLogStore implements LogStore {
  private readonly db: CacheDb;
  readonly log: string;

  constructor(db: CacheDb, log: string) {
    this.db = db;
    this.log = log;
  }

  async blocks(range?: TimeRange): Promise<BlockMeta[]> {
    const rows = await this.db.getAll("sealed_meta", logRange(this.log));
    return rows
      .map((r) => ({
        first: r.first,
        count: r.count,
        minTime: r.minTime,
        maxTime: r.maxTime,
        bytes: r.bytes,
      }))
      .filter((m) => overlaps(m, range));
  }

  async readBlock(first: number): Promise<Uint8Array | undefined> {
    return (await this.db.get("sealed_bytes", [this.log, first]))?.bytes;
  }

  async tail(): Promise<StoredBlock[]> {
    const rows = await this.db.getAll("tail", logRange(this.log));
    return rows.map((r) => ({ meta: r.meta, bytes: r.bytes }));
  }

  async appendTail(segment: StoredBlock): Promise<void> {
    await this.db.put("tail", {
      log: this.log,
      first: segment.meta.first,
      meta: segment.meta,
      bytes: segment.bytes,
    });
  }

  async seal(blocks: readonly StoredBlock[], replaces: readonly number[]): Promise<void> {
    const tx = this.db.transaction(["sealed_meta", "sealed_bytes", "tail"], "readwrite");
    const writes: Promise<unknown>[] = [];
    for (const b of blocks) {
      writes.push(tx.objectStore("sealed_meta").put({ log: this.log, ...b.meta }));
      writes.push(
        tx.objectStore("sealed_bytes").put({ log: this.log, first: b.meta.first, bytes: b.bytes }),
      );
    }
    for (const first of replaces) writes.push(tx.objectStore("tail").delete([this.log, first]));
    await Promise.all([...writes, tx.done]);
  }

  /** Removes sealed blocks (eviction); the cache's own operation, not part of the port. */
  async evict(firsts: readonly number[]): Promise<void> {
    const tx = this.db.transaction(["sealed_meta", "sealed_bytes"], "readwrite");
    await Promise.all([
      ...firsts.flatMap((f) => [
        tx.objectStore("sealed_meta").delete([this.log, f]),
        tx.objectStore("sealed_bytes").delete([this.log, f]),
      ]),
      tx.done,
    ]);
  }
}
