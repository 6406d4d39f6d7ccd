/**
 * The `LogStore` of a Durable Object: the commit log in the object's own SQLite database, one
 * row per block (docs/partition.md). SQL calls in a Durable Object are synchronous, so every
 * method does all its work before it returns; the async signatures only satisfy the port. That
 * is what lets the partition run a whole ingest without giving up the event loop.
 */
import {
  overlaps,
  type BlockMeta,
  type LogStore,
  type StoredBlock,
  type TimeRange,
} from "../../log/index.ts";
import { migrate, type Migration } from "./schema.ts";

const COLUMNS = `first INTEGER PRIMARY KEY, count INTEGER NOT NULL, min_time INTEGER NOT NULL,
  max_time INTEGER NOT NULL, bytes_len INTEGER NOT NULL, bytes BLOB NOT NULL`;

/** Schema of the log tables; append steps, never edit them (see schema.ts). */
const MIGRATIONS: readonly Migration[] = [
  [`CREATE TABLE log_sealed (${COLUMNS})`, `CREATE TABLE log_tail (${COLUMNS})`],
];

type MetaRow = {
  first: number;
  count: number;
  min_time: number;
  max_time: number;
  bytes_len: number;
};
type BlockRow = MetaRow & { bytes: ArrayBuffer };

const META = "first, count, min_time, max_time, bytes_len";

/**
 * @example
 * // in a Durable Object's constructor or first call
 * const log = await Log.open(new SqliteLogStore(ctx.storage));
 */
export class SqliteLogStore implements LogStore {
  private readonly storage: DurableObjectStorage;
  private readonly sql: SqlStorage;

  /** Creates the tables, or migrates them, before anything reads them. */
  constructor(storage: DurableObjectStorage) {
    this.storage = storage;
    this.sql = storage.sql;
    migrate(storage, "log", MIGRATIONS);
  }

  async blocks(range?: TimeRange): Promise<BlockMeta[]> {
    // Metas only (no bytes): a partition holds at most tens of thousands of sealed blocks.
    return this.sql
      .exec<MetaRow>(`SELECT ${META} FROM log_sealed ORDER BY first`)
      .toArray()
      .map(metaOf)
      .filter((m) => overlaps(m, range));
  }

  async readBlock(first: number): Promise<Uint8Array | undefined> {
    return this.readFrom("log_sealed", first);
  }

  async tail(): Promise<StoredBlock[]> {
    return this.sql
      .exec<BlockRow>(`SELECT ${META}, bytes FROM log_tail ORDER BY first`)
      .toArray()
      .map((row) => ({ meta: metaOf(row), bytes: new Uint8Array(row.bytes) }));
  }

  async appendTail(segment: StoredBlock): Promise<void> {
    this.insert("log_tail", segment);
  }

  async seal(blocks: readonly StoredBlock[], replaces: readonly number[]): Promise<void> {
    this.storage.transactionSync(() => {
      for (const b of blocks) this.insert("log_sealed", b);
      for (const first of replaces) this.sql.exec("DELETE FROM log_tail WHERE first = ?", first);
    });
  }

  /**
   * The bytes of the sealed block or tail segment that starts at `first`, synchronously: the
   * partition reads blocks by the metas of its `Log` without leaving the current turn.
   */
  block(first: number): Uint8Array | undefined {
    return this.readFrom("log_sealed", first) ?? this.readFrom("log_tail", first);
  }

  private readFrom(table: "log_sealed" | "log_tail", first: number): Uint8Array | undefined {
    const row = this.sql
      .exec<{ bytes: ArrayBuffer }>(`SELECT bytes FROM ${table} WHERE first = ?`, first)
      .toArray()[0];
    // A fresh ArrayBuffer per read: callers may mutate it without touching the stored row.
    return row === undefined ? undefined : new Uint8Array(row.bytes);
  }

  /** Inserts one row; a row with the same `first` already there makes it throw. */
  private insert(table: "log_sealed" | "log_tail", b: StoredBlock): void {
    const { first, count, minTime, maxTime } = b.meta;
    this.sql.exec(
      `INSERT INTO ${table} (${META}, bytes) VALUES (?, ?, ?, ?, ?, ?)`,
      first,
      count,
      minTime,
      maxTime,
      b.bytes.length,
      exactBuffer(b.bytes),
    );
  }
}

function metaOf(row: MetaRow): BlockMeta {
  return {
    first: row.first,
    count: row.count,
    minTime: row.min_time,
    maxTime: row.max_time,
    bytes: row.bytes_len,
  };
}

/** The view's bytes as an ArrayBuffer of exactly that length (a view may share a larger one). */
function exactBuffer(bytes: Uint8Array): ArrayBuffer {
  const { buffer, byteOffset, byteLength } = bytes;
  if (buffer instanceof ArrayBuffer && byteOffset === 0 && byteLength === buffer.byteLength)
    return buffer;
  return bytes.slice().buffer;
}
