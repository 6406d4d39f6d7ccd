/**
 * The end-to-end half of `npm run bench:query`: a local `wrangler dev` (workerd, SQLite Durable
 * Objects persisted in a temporary directory, loopback only), a project of 16 partitions made
 * through the admin API, the events ingested through `POST /v1/events`, and the queries answered
 * by `POST /v1/query` with the project's read key.
 */
import { randomBytes } from "node:crypto";
import type { FlamEvent } from "../gen/types.ts";
import type { Answer } from "./queries.ts";
import { startWranglerDev } from "../../test/helpers/wrangler-dev.ts";

/** A running `wrangler dev` with the admin API open. */
export interface LocalEdge {
  base: string;
  adminToken: string;
  stop(): Promise<void>;
  /** The last few KiB of wrangler's stderr, for error reports. */
  log(): string;
}

/** What `POST /v1/query` answers. */
export interface QueryAnswer extends Answer {
  stats: {
    partitions: number;
    blocksScanned: number;
    blocksPruned: number;
    eventsScanned: number;
    ms: number;
  };
}

/**
 * Starts `wrangler dev` on a random loopback port with a fresh persist directory, and waits for
 * `/health`.
 *
 * @throws {Error} when it does not answer within `startMs`.
 */
export async function startLocalEdge(startMs = 90_000): Promise<LocalEdge> {
  const port = Number(process.env["BENCH_PORT"] ?? 8890 + Math.floor(Math.random() * 100));
  const adminToken = randomBytes(16).toString("hex");
  const wrangler = await startWranglerDev({
    port,
    vars: { FLAMINGO_DEMO: "true", ADMIN_TOKEN: adminToken },
    startMs,
    detached: false,
  });
  return {
    base: wrangler.url,
    adminToken,
    stop: () => wrangler.stop(),
    log: () => wrangler.stderrTail(),
  };
}

/** Creates the project and returns its write and read keys. */
export async function createProject(
  edge: LocalEdge,
  id: string,
  partitions: number,
): Promise<{ write: string; read: string }> {
  const res = await fetch(`${edge.base}/v1/admin/projects`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${edge.adminToken}` },
    body: JSON.stringify({ id, partitions }),
  });
  const body = (await res.json()) as { keys?: { write: string; read: string } };
  if (res.status !== 201 || body.keys === undefined)
    throw new Error(`creating project ${id}: ${res.status} ${JSON.stringify(body).slice(0, 300)}`);
  return body.keys;
}

/**
 * Sends every event in batches of `size` with `inFlight` requests at a time, checking each answer
 * (every event accepted); prints progress every 10 s and gives up past `maxMs`.
 *
 * @returns events/s over the whole ingest.
 */
export async function ingest(
  edge: LocalEdge,
  writeKey: string,
  events: readonly FlamEvent[],
  options: { size: number; inFlight: number; maxMs: number },
): Promise<number> {
  const started = performance.now();
  let next = 0;
  let done = 0;
  let lastReport = started;
  let retries = 0;
  const worker = async () => {
    while (next < events.length) {
      if (performance.now() - started > options.maxMs)
        throw new Error(
          `ingest took over ${options.maxMs / 1000} s (${done} of ${events.length} events sent)`,
        );
      const batch = events.slice(next, next + options.size);
      next += batch.length;
      const body = JSON.stringify({
        events: batch.map((e) => ({
          id: e.id,
          visitor: e.visitor,
          name: e.name,
          time: e.time,
          properties: e.properties,
          visitorProperties: e.visitorProperties,
        })),
      });
      // A retried batch is safe: event ids make ingest idempotent (dedup).
      for (let attempt = 1; ; attempt++) {
        const res = await fetch(`${edge.base}/v1/events`, {
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer ${writeKey}` },
          body,
        });
        const text = await res.text();
        let answer: { results?: { status: string }[] } | null = null;
        try {
          answer = JSON.parse(text) as { results?: { status: string }[] };
        } catch {
          // workerd's own error page ("Your worker ..."), not the Worker's answer
        }
        if (res.status === 200 && answer?.results?.every((r) => r.status === "accepted")) break;
        if (answer === null && attempt < 3) {
          retries++;
          console.log(`  ingest: retrying a batch after ${res.status} ${text.slice(0, 120)}`);
          continue;
        }
        throw new Error(
          `a batch of ${batch.length} was not fully accepted: ${res.status} ${text.slice(0, 300)}`,
        );
      }
      done += batch.length;
      const now = performance.now();
      if (now - lastReport >= 10_000) {
        lastReport = now;
        const rate = (done / (now - started)) * 1000;
        console.log(`  ingest: ${done} of ${events.length} events, ${Math.round(rate)} events/s`);
      }
    }
  };
  await Promise.all(Array.from({ length: options.inFlight }, worker));
  if (retries > 0) console.log(`  ingest: ${retries} batches retried`);
  return (events.length / (performance.now() - started)) * 1000;
}

/** A query the edge did not answer with 200 and JSON (a partition down, the isolate restarted). */
export class QueryFailedError extends Error {
  constructor(status: number, body: string) {
    super(`POST /v1/query answered ${status}: ${body.slice(0, 300)}`);
    this.name = "QueryFailedError";
  }
}

/**
 * Answers one query through `POST /v1/query`.
 *
 * @throws {QueryFailedError} on any status but 200, or a body that is not JSON.
 */
export async function postQuery(
  edge: LocalEdge,
  readKey: string,
  query: unknown,
): Promise<QueryAnswer> {
  const res = await fetch(`${edge.base}/v1/query`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${readKey}` },
    body: JSON.stringify(query),
  });
  const text = await res.text();
  if (res.status !== 200) throw new QueryFailedError(res.status, text);
  try {
    return JSON.parse(text) as QueryAnswer;
  } catch {
    throw new QueryFailedError(res.status, text);
  }
}
