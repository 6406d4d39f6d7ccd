/**
 * `POST /v1/query` (read key) and `GET /v1/query/schema` (docs/query.md). The Worker is the
 * coordinator: it plans once, sends one task per partition in parallel (only the named visitors'
 * partitions when the filter names visitors), and merges. A failed or silent partition fails the
 * query: an answer is never silently partial.
 */
import { Hono } from "hono";
import {
  mergePartials,
  parseQuery,
  QueryError,
  querySchema,
  queryLimits,
  targetVisitors,
  type Partial,
  type Query,
} from "../../query/index.ts";
import { authorize, requestKey } from "../auth.ts";
import { parseJson, readBytes } from "../body.ts";
import type { Env } from "../env.ts";
import { HttpError } from "../http-error.ts";
import type { TaskOutcome } from "../partition/contract.ts";
import type { Project } from "../registry/project.ts";
import { bucketOf, partitionObjectName, partitionOf } from "../routing.ts";
import { withTimeout } from "../with-timeout.ts";

/** How long a partition may take over its task. */
export const TASK_TIMEOUT_MS = 10_000;

export const queryRoutes = new Hono<{ Bindings: Env }>();

queryRoutes.get("/v1/query/schema", (c) => c.json(querySchema));

queryRoutes.post("/v1/query", async (c) => {
  const started = performance.now();
  const project = await authorize(c.env, requestKey(c), "read");
  const bytes = await readBytes(c.req.raw);
  if (bytes.length > queryLimits.MAX_QUERY_BYTES)
    throw new HttpError(
      413,
      "query_too_large",
      `a query is at most ${queryLimits.MAX_QUERY_BYTES} bytes, got ${bytes.length}`,
    );
  const query = asHttp(() => parseQuery(parseJson(new TextDecoder().decode(bytes))));
  const partitions = partitionsFor(project, query);
  const outcomes = await Promise.allSettled(
    partitions.map((p) =>
      withTimeout(
        c.env.PARTITION.getByName(partitionObjectName(project.id, p)).query(query),
        TASK_TIMEOUT_MS,
      ),
    ),
  );
  const failed: string[] = [];
  const partials: Partial[] = [];
  outcomes.forEach((o, i) => {
    if (o.status === "rejected") {
      console.error(`query: partition ${partitions[i]} failed`, o.reason);
      failed.push(partitions[i]!);
    } else {
      // Cast off the RPC wrapper type (Disposable), which defeats narrowing on `ok`.
      const outcome = o.value as TaskOutcome;
      if (!outcome.ok) asHttp(() => refusal(outcome));
      else partials.push(outcome.partial);
    }
  });
  if (failed.length > 0)
    throw new HttpError(
      503,
      "partition_unavailable",
      `partitions ${failed.join(", ")} did not answer; retry the query`,
      { details: { partitions: failed } },
    );
  const result = asHttp(() => mergePartials(query, partials));
  result.stats.ms = Math.round((performance.now() - started) * 100) / 100;
  return c.json(result);
});

/** Every partition of the project, or only those of the visitors the filter names. */
function partitionsFor(project: Project, query: Query): string[] {
  const visitors = targetVisitors(query);
  if (visitors === null) return project.partitions.map((r) => r.partition);
  return [...new Set(visitors.map((v) => partitionOf(project, bucketOf(project.id, v))))];
}

function refusal(o: Extract<TaskOutcome, { ok: false }>): never {
  throw new QueryError(o.code, o.path, o.message);
}

/** Runs `fn`, turning a QueryError into the HTTP answer docs/query.md promises. */
function asHttp<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (!(error instanceof QueryError)) throw error;
    const status = error.code === "invalid_query" ? 400 : 422;
    throw new HttpError(status, error.code, error.message, { details: { path: error.path } });
  }
}
