/** The partition Durable Object and its RPC contract (docs/partition.md). */
export { Partition } from "./partition.ts";
export type { IngestOutcome, PartitionApi, VisitorProfile, VisitorView } from "./contract.ts";
export { applyEvent, applyEvents, MAX_PROFILE_UNITS } from "../../profile/index.ts";
