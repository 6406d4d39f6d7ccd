/**
 * The bench page's script, bundled by esbuild (bench/client/server.ts) and run in Chromium: it
 * exposes the log cache to the driver as `globalThis.flamingoBench`, timing each step with the
 * page's own clock so the driver's round trips are not counted.
 */
import {
  createLogCache,
  IndexedDbLogStore,
  openCacheDb,
  readExport,
  type LogCache,
} from "../../src/client/cache.ts";

const DB_NAME = "flamingo-bench";

export interface Timed<T> {
  ms: number;
  value: T;
}

export interface BenchApi {
  /** Compiles the kernels (streaming) and opens the cache database. */
  open(token: string): Promise<Timed<null>>;
  sync(): Promise<Timed<{ blocks: number; bytes: number; evicted: number }>>;
  query(q: unknown): Promise<Timed<{ columns: string[]; rows: unknown[][] }>>;
  size(): Promise<{ blocks: number; bytes: number }>;
  /**
   * What a query reads from IndexedDB before it scans (`createLogCache` lists the stores, their
   * blocks and the tail on every query): the same reads, timed alone.
   */
  listing(): Promise<Timed<number>>;
  /** The export answers fetched whole and dropped: the transport's share of a sync. */
  fetchOnly(token: string): Promise<Timed<number>>;
}

let cache: LogCache | null = null;
const opened = (): LogCache => {
  if (cache === null) throw new Error("flamingoBench.open() first");
  return cache;
};

async function timed<T>(run: () => Promise<T>): Promise<Timed<T>> {
  const start = performance.now();
  const value = await run();
  return { ms: performance.now() - start, value };
}

const api: BenchApi = {
  open: (token) =>
    timed(async () => {
      cache = await createLogCache({
        host: location.origin,
        token,
        wasm: WebAssembly.compileStreaming(fetch("/flam.wasm")),
        dbName: DB_NAME,
      });
      return null;
    }),
  sync: () => timed(() => opened().sync()),
  query: (q) =>
    timed(async () => {
      const { columns, rows } = await opened().query(q);
      return { columns, rows };
    }),
  size: () => opened().size(),
  listing: async () => {
    const db = await openCacheDb(DB_NAME);
    try {
      return await timed(async () => {
        const logs = (await db.get("settings", "logs")) as string[];
        let blocks = 0;
        for (const log of logs) {
          const store = new IndexedDbLogStore(db, log);
          blocks += (await store.blocks()).length + (await store.tail()).length;
        }
        return blocks;
      });
    } finally {
      db.close();
    }
  },
  fetchOnly: (token) =>
    timed(async () => {
      let bytes = 0;
      let cursor = "";
      for (;;) {
        const res = await fetch(`/v1/export?cursor=${encodeURIComponent(cursor)}`, {
          headers: { authorization: `Bearer ${token}` },
        });
        const page = readExport(new Uint8Array(await res.arrayBuffer()));
        bytes += page.blocks.reduce((s, b) => s + b.bytes.length, 0);
        if (!page.more) return bytes;
        cursor = page.cursor;
      }
    }),
};

(globalThis as { flamingoBench?: BenchApi }).flamingoBench = api;
