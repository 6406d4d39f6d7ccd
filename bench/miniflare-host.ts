/**
 * Serves the bundled Worker with Miniflare directly, without `wrangler dev`'s proxy in front:
 * `bench:ingest`'s second measurement path (docs/benchmarks.md, "Ingest").
 *
 * The bundle is the one `npm run build` deploys (`wrangler deploy --dry-run --outdir`): one ES
 * module plus build/flam.wasm as a CompiledWasm module. The options follow wrangler.toml, read by
 * wrangler's own `unstable_readConfig`, in the v4 shape `wrangler dev` itself builds and converts
 * with `convertV4MiniflareOptions` (this Miniflare's own options are the v5 `workers: [{ config }]`
 * shape): the Durable Object classes (SQLite-backed as the migrations declare), the spill Queue's
 * producer and consumers, the compatibility date, the caller's variables (the demo and debug
 * switches), and Durable Object storage persisted under a temporary directory
 * (`resourcePersistencePath`, which replaced `durableObjectsPersist`). It leaves out what wrangler
 * dev adds around the Worker: its proxy Worker and the inspector, the assets (bench routes all
 * reach the Worker first), and the dev registry.
 */
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { Log, LogLevel, Miniflare, convertV4MiniflareOptions } from "miniflare";
import { unstable_readConfig } from "wrangler";

/** What this host reads of wrangler's parsed configuration (its own type is `any` here). */
interface WranglerConfig {
  name?: string;
  compatibility_date?: string;
  compatibility_flags: string[];
  migrations: { new_sqlite_classes?: string[] }[];
  durable_objects: { bindings: { name: string; class_name: string }[] };
  queues: {
    producers?: { binding: string; queue: string }[];
    consumers?: {
      queue: string;
      max_batch_size?: number;
      max_batch_timeout?: number;
      max_retries?: number;
      dead_letter_queue?: string;
      retry_delay?: number;
    }[];
  };
}

/** Bundles the Worker as `npm run build` does, into `outdir`. */
export function bundleWorker(outdir: string): void {
  const res = spawnSync(
    process.execPath,
    ["node_modules/wrangler/bin/wrangler.js", "deploy", "--dry-run", "--outdir", outdir],
    { encoding: "utf8", env: { ...process.env, WRANGLER_SEND_METRICS: "false" } },
  );
  if (res.status !== 0) throw new Error(`wrangler deploy --dry-run failed:\n${res.stderr}`);
}

export interface DirectHost {
  url: string;
  dispose(): Promise<void>;
}

/**
 * Starts Miniflare on 127.0.0.1 (a free port) with the bundle in `bundleDir`, configured from
 * wrangler.toml as wrangler reads it, plus `vars`.
 */
export async function hostDirect(
  bundleDir: string,
  persistDir: string,
  vars: Record<string, string>,
): Promise<DirectHost> {
  const config: WranglerConfig = unstable_readConfig(
    { config: "wrangler.toml" },
    { hideWarnings: true },
  );
  if (!config.compatibility_date) throw new Error("wrangler.toml: no compatibility_date");
  const files = readdirSync(bundleDir);
  const wasm = files.filter((f) => f.endsWith(".wasm"));
  if (!files.includes("index.js") || wasm.length !== 1)
    throw new Error(`unexpected bundle in ${bundleDir}: ${files.join(", ")}`);
  // SQLite-backed classes, as the migrations declare them (all three here).
  const sqlite = new Set(config.migrations.flatMap((m) => m.new_sqlite_classes ?? []));
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      host: "127.0.0.1",
      port: 0,
      // Miniflare's fallback `request.cf`, instead of downloading one.
      cf: false,
      log: new Log(LogLevel.WARN),
      // As wrangler dev's own instance: no per-request log line.
      logRequests: false,
      resourcePersistencePath: persistDir,
      workers: [
        {
          name: config.name ?? "flamingo",
          compatibilityDate: config.compatibility_date,
          compatibilityFlags: config.compatibility_flags,
          modulesRoot: bundleDir,
          modules: [
            { type: "ESModule", path: join(bundleDir, "index.js") },
            { type: "CompiledWasm", path: join(bundleDir, wasm[0]!) },
          ],
          durableObjects: Object.fromEntries(
            config.durable_objects.bindings.map((b) => [
              b.name,
              { className: b.class_name, useSQLite: sqlite.has(b.class_name) },
            ]),
          ),
          queueProducers: Object.fromEntries(
            (config.queues.producers ?? []).map((q) => [q.binding, { queueName: q.queue }]),
          ),
          queueConsumers: Object.fromEntries(
            (config.queues.consumers ?? []).map((q) => [
              q.queue,
              {
                maxBatchSize: q.max_batch_size,
                maxBatchTimeout: q.max_batch_timeout,
                maxRetries: q.max_retries,
                deadLetterQueue: q.dead_letter_queue,
                retryDelay: q.retry_delay,
              },
            ]),
          ),
          // wrangler.toml declares no [vars]; wrangler dev gets these as `--var`s.
          bindings: vars,
        },
      ],
    }),
  );
  const url = await mf.ready;
  return { url: url.origin, dispose: () => mf.dispose() };
}
