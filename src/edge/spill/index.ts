/** The spike buffer: overloaded partitions' batches on a Cloudflare Queue (docs/reliability.md). */
export { SpillBacklog, type BacklogStats } from "./backlog.ts";
export { drainSpill } from "./drain.ts";
export { SPILL_DEAD_LETTER_QUEUE, SPILL_QUEUE, type SpillMessage } from "./message.ts";
export { spill } from "./spill.ts";
