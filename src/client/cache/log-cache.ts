/**
 * The browser's offline log cache (docs/sdk.md, "Log cache and local queries"): syncs FlaM
 * blocks from `GET /v1/export` into IndexedDB (one `LogStore` per partition), evicts the oldest
 * blocks past a size budget, and answers queries locally with the same engine as the edge
 * (`src/query` over the WASM kernels), so the answer to a query equals `POST /v1/query`'s on the
 * same events, offline.
 */
import { openBlock, type FlamEvent, type FullBlockReader } from "../../flam/index.ts";
import { FlamWasm } from "../../flam/wasm/index.ts";
import {
  runQuery,
  type ProfileRow,
  type QueryResult,
  type SourceBlock,
  type TaskSource,
  type TimeRange,
} from "../../query/index.ts";
import { overlaps, type BlockMeta } from "../../log/index.ts";
import { applyEvent, type VisitorProfile } from "../../profile/index.ts";
import { readExport } from "../../log/export-frame.ts";
import { IndexedDbLogStore, openCacheDb } from "./idb-log-store.ts";

export interface LogCacheOptions {
  /** The edge, e.g. `https://flamingo.example.com`. */
  host: string;
  /** A read token (`POST /v1/tokens`) or, server-side, a read key. */
  token: string;
  /** The compiled kernels (build/flam.wasm): a module, or a promise of one. */
  wasm: WebAssembly.Module | Promise<WebAssembly.Module>;
  /** IndexedDB database name. Default `flamingo-cache`. */
  dbName?: string;
  /** Sealed bytes kept; the blocks with the oldest events go first. Default 256 MiB. */
  maxBytes?: number;
  fetch?: typeof fetch;
}

export interface SyncResult {
  /** Sealed blocks and tail segments received, and their bytes. */
  blocks: number;
  bytes: number;
  /** Sealed blocks evicted for the size budget. */
  evicted: number;
}

export interface LogCache {
  /** Fetches what the edge has past the stored cursor (all pages); needs the network. */
  sync(): Promise<SyncResult>;
  /** Answers a query from the cache alone (docs/query.md), offline. */
  query(query: unknown): Promise<QueryResult>;
  /** Blocks and bytes held. */
  size(): Promise<{ blocks: number; bytes: number }>;
  close(): void;
}

/** A block the cache holds: its key (`log/s<first>` sealed, `log/t<first>` tail), meta and bytes. */
interface Listed {
  key: string;
  meta: BlockMeta;
  bytes: () => Promise<Uint8Array>;
}

interface Opened {
  reader: SourceBlock["reader"];
  bytes: Uint8Array;
  full?: FullBlockReader;
}

/**
 * @example
 * const cache = await createLogCache({ host, token, wasm: WebAssembly.compileStreaming(fetch("/flam.wasm")) });
 * await cache.sync();
 * const { columns, rows } = await cache.query({ from: "events", select: [{ fn: "count" }] });
 */
export async function createLogCache(options: LogCacheOptions): Promise<LogCache> {
  const db = await openCacheDb(options.dbName ?? "flamingo-cache");
  const doFetch = options.fetch ?? ((input, init) => fetch(input, init));
  const maxBytes = options.maxBytes ?? 256 * 1024 * 1024;
  const module = await options.wasm;
  // Blocks stay opened in WASM memory between queries. A sync keeps the sealed blocks still
  // held and drops the tail and evicted blocks; the arena is reset once dropped bytes pass the
  // live ones (it frees memory only as a whole).
  let flam: FlamWasm | null = null;
  let opened = new Map<string, Opened>();
  let dropped = 0;
  let profiles: Map<string, VisitorProfile> | null = null;
  // What the cache holds, read from IndexedDB once per sync rather than once per query.
  let listing: Promise<Listed[]> | null = null;

  const stores = async (): Promise<IndexedDbLogStore[]> => {
    const logs = ((await db.get("settings", "logs")) as string[] | undefined) ?? [];
    return logs.map((log) => new IndexedDbLogStore(db, log));
  };

  const list = async (): Promise<Listed[]> => {
    const out: Listed[] = [];
    for (const store of await stores()) {
      for (const meta of await store.blocks())
        out.push({
          key: `${store.log}/s${meta.first}`,
          meta,
          bytes: async () => (await store.readBlock(meta.first))!,
        });
      for (const seg of await store.tail())
        out.push({
          key: `${store.log}/t${seg.meta.first}`,
          meta: seg.meta,
          bytes: async () => seg.bytes,
        });
    }
    return out;
  };

  /** After a sync: keep what is still held, forget the rest. */
  const refresh = async () => {
    listing = list();
    profiles = null;
    const live = new Set((await listing).map((b) => b.key));
    let liveBytes = 0;
    for (const [key, o] of opened) {
      if (live.has(key)) liveBytes += o.bytes.length;
      else {
        opened.delete(key);
        dropped += o.bytes.length;
      }
    }
    if (dropped > liveBytes) {
      flam = null;
      opened = new Map();
      dropped = 0;
    }
  };

  const open = (key: string, bytes: Uint8Array): Opened => {
    let o = opened.get(key);
    if (o === undefined) {
      flam ??= FlamWasm.fromModule(module);
      o = { reader: flam.open(bytes), bytes };
      opened.set(key, o);
    }
    return o;
  };

  async function* allBlocks(range: TimeRange): AsyncGenerator<Listed> {
    listing ??= list();
    for (const b of await listing) if (overlaps(b.meta, range)) yield b;
  }

  const source: TaskSource = {
    async *blocks(range) {
      for await (const b of allBlocks(range)) {
        const o = opened.get(b.key) ?? open(b.key, await b.bytes());
        yield { reader: o.reader, event: (i) => (o.full ??= openBlock(o.bytes)).event(i) };
      }
    },
    async profiles(visitors) {
      profiles ??= await foldProfiles();
      const out = new Map<string, ProfileRow>();
      for (const v of visitors) {
        const p = profiles.get(v);
        if (p !== undefined) out.set(v, p);
      }
      return out;
    },
  };

  /** Profiles folded from every cached event in log order (only for queries that need them). */
  async function foldProfiles(): Promise<Map<string, VisitorProfile>> {
    const out = new Map<string, VisitorProfile>();
    const fold = (events: FlamEvent[]) => {
      for (const e of events) out.set(e.visitor, applyEvent(out.get(e.visitor) ?? null, e));
    };
    for (const store of await stores()) {
      for (const meta of await store.blocks())
        fold(openBlock((await store.readBlock(meta.first))!).events());
      for (const seg of await store.tail()) fold(openBlock(seg.bytes).events());
    }
    return out;
  }

  async function sync(): Promise<SyncResult> {
    const result: SyncResult = { blocks: 0, bytes: 0, evicted: 0 };
    let cursor = ((await db.get("settings", "cursor")) as string | undefined) ?? "";
    const logs = new Set(((await db.get("settings", "logs")) as string[] | undefined) ?? []);
    const tails = new Map<string, ReturnType<typeof readExport>["blocks"]>();
    for (;;) {
      const res = await doFetch(`${options.host}/v1/export?cursor=${encodeURIComponent(cursor)}`, {
        headers: { authorization: `Bearer ${options.token}` },
      });
      if (!res.ok) throw new Error(`export failed: HTTP ${res.status} ${await res.text()}`);
      const page = readExport(new Uint8Array(await res.arrayBuffer()));
      const byLog = new Map<string, typeof page.blocks>();
      for (const b of page.blocks) {
        logs.add(b.partition);
        result.blocks++;
        result.bytes += b.bytes.length;
        if (!b.sealed) tails.set(b.partition, [...(tails.get(b.partition) ?? []), b]);
        else byLog.set(b.partition, [...(byLog.get(b.partition) ?? []), b]);
      }
      for (const [log, blocks] of byLog)
        await new IndexedDbLogStore(db, log).seal(
          blocks.map((b) => ({ meta: metaOf(b), bytes: b.bytes })),
          [],
        );
      cursor = page.cursor;
      await db.put("settings", [...logs], "logs");
      await db.put("settings", cursor, "cursor");
      if (!page.more) break;
    }
    // The tail is replaced whole: its segments may have been sealed (and sent above) since.
    for (const log of logs) {
      const store = new IndexedDbLogStore(db, log);
      const old = await store.tail();
      await store.seal(
        [],
        old.map((s) => s.meta.first),
      );
      for (const b of tails.get(log) ?? [])
        await store.appendTail({ meta: metaOf(b), bytes: b.bytes });
    }
    result.evicted = await evict();
    await refresh();
    return result;
  }

  /** Drops the sealed blocks with the oldest events until the sealed bytes fit the budget. */
  async function evict(): Promise<number> {
    const all: [IndexedDbLogStore, BlockMeta][] = [];
    for (const store of await stores()) for (const m of await store.blocks()) all.push([store, m]);
    let total = all.reduce((s, [, m]) => s + m.bytes, 0);
    if (total <= maxBytes) return 0;
    all.sort((a, b) => a[1].maxTime - b[1].maxTime);
    let n = 0;
    for (const [store, m] of all) {
      if (total <= maxBytes) break;
      await store.evict([m.first]);
      total -= m.bytes;
      n++;
    }
    return n;
  }

  return {
    sync,
    query: (q) => runQuery(q, source),
    async size() {
      let blocks = 0;
      let bytes = 0;
      for (const store of await stores()) {
        for (const m of await store.blocks()) {
          blocks++;
          bytes += m.bytes;
        }
        for (const s of await store.tail()) {
          blocks++;
          bytes += s.meta.bytes;
        }
      }
      return { blocks, bytes };
    },
    close() {
      flam = null;
      opened = new Map();
      listing = null;
      db.close();
    },
  };
}

function metaOf(b: {
  first: number;
  count: number;
  minTime: number;
  maxTime: number;
  bytes: Uint8Array;
}): BlockMeta {
  return {
    first: b.first,
    count: b.count,
    minTime: b.minTime,
    maxTime: b.maxTime,
    bytes: b.bytes.length,
  };
}
