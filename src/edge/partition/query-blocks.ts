/**
 * Blocks kept opened in WASM memory between queries, so a query scans instead of reading
 * SQLite and validating every block again. Derived data: dropped whole whenever the isolate's
 * budget is passed, and reopened from the log on the next query (docs/query.md, "How it runs").
 *
 * The budget (128 MB) is per isolate, shared by every partition object the isolate hosts: the
 * least recently used partition's blocks go first.
 */
import { openBlock, type BlockReader, type FullBlockReader } from "../../flam/index.ts";
import { FlamWasm } from "../../flam/wasm/index.ts";
import { flamModule } from "../flam-wasm.ts";

/** Bytes of opened blocks one isolate keeps, over all partitions. */
export const QUERY_CACHE_BYTES = 128 * 1024 * 1024;

const caches = new Set<ResidentBlocks>();
let clock = 0;

interface Resident {
  reader: BlockReader;
  bytes: Uint8Array;
  full?: FullBlockReader;
}

/**
 * One partition's opened blocks: sealed blocks, and tail segments (immutable until sealed, and
 * small and many when batches are small, so opening them per query would dominate).
 *
 * @example
 * const resident = new ResidentBlocks();
 * const block = await resident.get(`s${meta.first}`, () => store.readBlock(meta.first));
 */
export class ResidentBlocks {
  private flam: FlamWasm | null = null;
  /** By `s<first>` (sealed block) or `t<first>` (tail segment): a block and a segment can share a first offset. */
  private readonly blocks = new Map<string, Resident>();
  /** Bytes of forgotten blocks still in the arena. */
  private stale = 0;
  /** Bytes held: each block twice (the WASM copy and the JS bytes kept for event decoding). */
  held = 0;
  used = 0;

  async get(
    key: string,
    load: () => Promise<Uint8Array | undefined> | Uint8Array,
  ): Promise<Resident> {
    this.used = ++clock;
    const hit = this.blocks.get(key);
    if (hit !== undefined) return hit;
    const bytes = await load();
    if (bytes === undefined) throw new Error(`log store lost block ${key}`);
    // The await let other calls run; another query of this partition may have opened it.
    const again = this.blocks.get(key);
    if (again !== undefined) return again;
    makeRoom(2 * bytes.length, this);
    this.flam ??= FlamWasm.fromModule(flamModule);
    const resident = { reader: this.flam.open(bytes), bytes };
    this.blocks.set(key, resident);
    this.held += 2 * bytes.length;
    caches.add(this);
    return resident;
  }

  /**
   * Forgets blocks not in `live` (tail segments that were sealed since). Their arena memory is
   * only freed by a clear, so once the forgotten bytes pass half of what is held, everything is
   * dropped and the live blocks are reopened on demand.
   */
  keepOnly(live: ReadonlySet<string>): void {
    for (const [key, r] of this.blocks) {
      if (live.has(key)) continue;
      this.blocks.delete(key);
      this.stale += 2 * r.bytes.length;
    }
    if (this.stale > this.held / 2) this.clear();
  }

  /** The full (event-decoding) reader of a resident block, made on first use. */
  full(resident: Resident): FullBlockReader {
    resident.full ??= openBlock(resident.bytes);
    return resident.full;
  }

  /** Drops every block (the WASM instance too, so its memory is freed). */
  clear(): void {
    this.blocks.clear();
    this.flam = null;
    this.held = 0;
    this.stale = 0;
    caches.delete(this);
  }
}

/** Evicts least recently used partitions' blocks until `bytes` more fit the isolate budget. */
function makeRoom(bytes: number, keep: ResidentBlocks): void {
  let total = bytes;
  for (const c of caches) total += c.held;
  if (total <= QUERY_CACHE_BYTES) return;
  const byAge = [...caches].sort((a, b) => a.used - b.used);
  for (const c of byAge) {
    if (total <= QUERY_CACHE_BYTES) return;
    total -= c.held;
    c.clear();
  }
  if (total > QUERY_CACHE_BYTES) keep.clear();
}
