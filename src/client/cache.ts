/**
 * The offline log cache and local queries (docs/sdk.md): a separate entry from the tracker, so a
 * page that only tracks never loads the query engine or the WASM kernels.
 */
export {
  createLogCache,
  type LogCache,
  type LogCacheOptions,
  type SyncResult,
} from "./cache/log-cache.ts";
export { IndexedDbLogStore, openCacheDb } from "./cache/idb-log-store.ts";
export { readExport, type ExportBlock, type ExportPage } from "../log/export-frame.ts";
