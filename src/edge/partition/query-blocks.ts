/**
 * Blocks kept opened in WASM memory between queries, so a query scans instead of reading
 * SQLite and validating every block again (docs/query.md, "How it runs"). Derived data: dropped
 * whenever the isolate's budget is passed, and reopened from the log on a later query.
 *
 * The budget (128 MB of block bytes) is per isolate, shared by every partition object the
 * isolate hosts: the least recently used idle partition's blocks go first, and its WASM memory
 * is reset for reuse rather than dropped (dropping instances leaves their memory to the garbage
 * collector, which grew one local isolate past 1 GiB). A partition busy with a query is never
 * evicted under it; when its own blocks cannot fit, the rest of that query's blocks are opened
 * in scratch memory that is reset when the query ends.
 */
import { openBlock, type BlockReader, type FullBlockReader } from "../../flam/index.ts";
import { FlamWasm } from "../../flam/wasm/index.ts";
import { flamModule } from "../flam-wasm.ts";

/** Bytes of opened blocks one isolate keeps, over all partitions. */
export const QUERY_CACHE_BYTES = 128 * 1024 * 1024;

const caches = new Set<ResidentBlocks>();
let clock = 0;

/** An opened block; `bytes` reads its bytes again for the rare full decode (rawEvents pages). */
export interface Resident {
  reader: BlockReader;
  bytes: () => Uint8Array;
  full?: FullBlockReader;
}

/**
 * One partition's opened blocks: sealed blocks, and tail segments (immutable until sealed, and
 * small and many when batches are small, so opening them per query would dominate).
 *
 * @example
 * resident.begin();
 * try { const r = await resident.get(`s${first}`, () => store.block(first)!); } finally { resident.end(); }
 */
export class ResidentBlocks {
  private flam: FlamWasm | null = null;
  private scratch: FlamWasm | null = null;
  private readonly blocks = new Map<string, Resident>();
  /** Bytes of the blocks held (as opened in WASM memory). */
  held = 0;
  /** Bytes of forgotten blocks still in the arena. */
  private stale = 0;
  used = 0;
  /** Queries running over these blocks: never evicted meanwhile. */
  busy = 0;

  begin(): void {
    this.busy++;
    this.used = ++clock;
  }

  end(): void {
    this.busy--;
    if (this.busy === 0) this.scratch?.clear();
  }

  /** The opened block for `key`, opening `load()`'s bytes on a miss. */
  async get(key: string, load: () => Uint8Array | undefined | Promise<Uint8Array | undefined>) {
    const hit = this.blocks.get(key);
    if (hit !== undefined) return hit;
    const bytes = await load();
    if (bytes === undefined) throw new Error(`log store lost block ${key}`);
    const again = this.blocks.get(key);
    if (again !== undefined) return again;
    const reread = () => bytes;
    if (!makeRoom(bytes.length, this)) {
      this.scratch ??= FlamWasm.fromModule(flamModule);
      return { reader: this.scratch.open(bytes), bytes: reread };
    }
    this.flam ??= FlamWasm.fromModule(flamModule);
    // The JS bytes are not kept (they would double the memory): a full decode reads them again.
    const resident: Resident = { reader: this.flam.open(bytes), bytes: () => load() as Uint8Array };
    this.blocks.set(key, resident);
    this.held += bytes.length;
    caches.add(this);
    return resident;
  }

  /** The full (event-decoding) reader of a block, made on first use. */
  full(resident: Resident): FullBlockReader {
    resident.full ??= openBlock(resident.bytes());
    return resident.full;
  }

  /**
   * Forgets blocks not in `live` (tail segments sealed since). Their arena memory is freed only
   * by a reset, so once forgotten bytes pass half of what is held, everything is reset. Call at
   * the start of a query, before any block of it is handed out.
   */
  keepOnly(live: ReadonlySet<string>): void {
    for (const [key, r] of this.blocks) {
      if (live.has(key)) continue;
      this.blocks.delete(key);
      this.stale += r.reader.byteLength;
      this.held -= r.reader.byteLength;
    }
    if (this.stale > this.held) this.reset();
  }

  /** Drops every block; the WASM memory stays for the next ones. */
  reset(): void {
    this.blocks.clear();
    this.flam?.clear();
    this.held = 0;
    this.stale = 0;
    caches.delete(this);
  }
}

/**
 * Makes room for `bytes` more by resetting the least recently used idle partitions; false when
 * even that is not enough (the caller opens into scratch memory instead).
 */
function makeRoom(bytes: number, self: ResidentBlocks): boolean {
  let total = bytes;
  for (const c of caches) total += c.held;
  if (total <= QUERY_CACHE_BYTES) return true;
  const idle = [...caches]
    .filter((c) => c !== self && c.busy === 0)
    .sort((a, b) => a.used - b.used);
  for (const c of idle) {
    if (total <= QUERY_CACHE_BYTES) break;
    total -= c.held;
    c.reset();
  }
  return total <= QUERY_CACHE_BYTES;
}
