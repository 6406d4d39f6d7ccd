/**
 * The Worker's bindings (wrangler.toml). Secrets and local-only settings come from `.dev.vars`,
 * `wrangler secret put`, or `npm start`'s `--var`s; a deployed Worker has no demo project.
 */
import type { Partition } from "./partition/partition.ts";
import type { Registry } from "./registry/registry.ts";
import type { SpillBacklog, SpillMessage } from "./spill/index.ts";

export interface Env {
  PARTITION: DurableObjectNamespace<Partition>;
  REGISTRY: DurableObjectNamespace<Registry>;
  /** The spike buffer: batches an overloaded partition refused, drained by `queue()`. */
  SPILL: Queue<SpillMessage>;
  /** Per partition, the spill messages not stored yet and the drain delays. */
  SPILL_BACKLOG: DurableObjectNamespace<SpillBacklog>;
  /** Bearer token of the admin API (`/v1/admin/*`); the admin API is closed when unset. */
  ADMIN_TOKEN?: string;
  /** "true" only locally (`npm start`, tests): provides the `demo` project. */
  FLAMINGO_DEMO?: string;
  /** "true" only for `bench:ingest`: mounts the local measurement routes (routes/debug.ts). */
  FLAMINGO_DEBUG?: string;
  /** Signs short-lived read tokens (src/edge/tokens.ts); a secret, 16+ characters. */
  TOKEN_SECRET?: string;
  /** Keys of the demo project; default `demo-write-key` / `demo-read-key` / `demo-admin-key`. */
  DEMO_WRITE_KEY?: string;
  DEMO_READ_KEY?: string;
  DEMO_ADMIN_KEY?: string;
}
