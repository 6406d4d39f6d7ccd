/** The commit log over a storage port (docs/log.md). The public surface of `src/log`. */
export { Log, type LogOptions, type AppendResult, type Rejected, type LogBlock } from "./log.ts";
export {
  overlaps,
  type LogStore,
  type BlockMeta,
  type StoredBlock,
  type TimeRange,
} from "./log-store.ts";
export { MemoryLogStore } from "./memory-store.ts";
