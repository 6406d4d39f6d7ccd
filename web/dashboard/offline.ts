/**
 * Offline mode: a copy of the project's log in IndexedDB through the SDK's log cache
 * (src/client/cache.ts), synced with a short-lived read token from `POST /v1/tokens`, so the
 * query page can answer with the network off, with the same engine as the edge.
 */
import { createLogCache, type LogCache } from "../../src/client/cache.ts";
import { api } from "./api.ts";

export interface OfflineState {
  /** The cache, once synced at least once in this page. */
  cache: LogCache | null;
  /** Answer the query page from the cache instead of the edge. */
  enabled: boolean;
  syncedAt: number | null;
  blocks: number;
  bytes: number;
}

export const offline: OfflineState = {
  cache: null,
  enabled: false,
  syncedAt: null,
  blocks: 0,
  bytes: 0,
};

const wasm = () =>
  fetch("/flam.wasm")
    .then((r) => r.arrayBuffer())
    .then((b) => WebAssembly.compile(b));

/** Mints a token with the read key, opens the cache and syncs it (needs the network). */
export async function syncCache(readKey: string): Promise<OfflineState> {
  if (offline.cache === null) {
    const { token } = await api<{ token: string }>("/v1/tokens", readKey, { ttlSeconds: 86_400 });
    offline.cache = await createLogCache({
      host: location.origin,
      token,
      wasm: wasm(),
      dbName: "flamingo-dashboard",
    });
  }
  await offline.cache.sync();
  Object.assign(offline, await offline.cache.size(), { syncedAt: Date.now() });
  return offline;
}

/** Whether a query should go to the cache: offline mode is on, or the browser is offline. */
export function answerLocally(): boolean {
  return offline.cache !== null && (offline.enabled || !navigator.onLine);
}
