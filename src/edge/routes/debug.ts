/**
 * Local-only measurement routes, mounted only when `FLAMINGO_DEBUG` is "true" (`bench:ingest`
 * passes it to `wrangler dev`; wrangler.toml never sets it, so a deployed Worker has none).
 *
 * `POST /v1/debug/partition-append?repeat=N` with `{"events":[canonical events]}` appends the
 * events N times (ids suffixed per round, so dedup does not skip them) into one partition object,
 * one RPC per round, and answers how many it stored: the bench times the request, which is the
 * partition's own append rate plus one local RPC per round.
 *
 * `POST /v1/debug/partition-abort?project=P&partition=p0` resets that partition object as an
 * eviction or a crash would (`ctx.abort()`): calls in flight on it fail, storage keeps what was
 * committed. test/node/load-faults.test.ts injects it while clients ingest (docs/reliability.md).
 *
 * `POST /v1/debug/partition-overload?project=P&partition=p0` with
 * `{"stallMs"?, "maxPendingEvents"?, "maxBacklogEvents"?, "sweepAfterMs"?}` makes that partition
 * slow (each offered batch holds its call queue `stallMs` longer) or quick to refuse, and changes
 * its spill backlog's bound and the wait before its ledger sends a message again, until the
 * objects are evicted: the load test's slowed partition (docs/reliability.md,
 * "The spike buffer"). Answers the settings now in force.
 */
import { Hono } from "hono";
import type { FlamEvent } from "../../flam/index.ts";
import { parseJson, readText } from "../body.ts";
import type { Env } from "../env.ts";
import { HttpError } from "../http-error.ts";
import { projectById } from "../registry-client.ts";
import { partitionObjectName } from "../routing.ts";

export const debugRoutes = new Hono<{ Bindings: Env }>();

debugRoutes.use("/v1/debug/*", async (c, next) => {
  if (c.env.FLAMINGO_DEBUG !== "true")
    throw new HttpError(404, "not_found", "debug routes are off");
  await next();
});

debugRoutes.post("/v1/debug/partition-abort", async (c) => {
  const project = await projectById(c.env, c.req.query("project") ?? "");
  const partition = c.req.query("partition") ?? "";
  if (project === null || !project.partitions.some((r) => r.partition === partition))
    throw new HttpError(404, "not_found", "no such project or partition");
  const stub = c.env.PARTITION.getByName(partitionObjectName(project.id, partition));
  // The call rejects by design: the object it reached is gone.
  const error = await stub.abort("fault injected by /v1/debug/partition-abort").then(
    () => null,
    (e: unknown) => String(e),
  );
  return c.json({ aborted: partition, error });
});

/** The settings of partition-overload that the body names, each an integer in 0..10^9. */
function settings(body: unknown, keys: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const key of keys) {
    const value = (body as Record<string, unknown>)[key];
    if (value === undefined) continue;
    if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > 1e9)
      throw new HttpError(400, "invalid_setting", `${key} must be an integer in 0..1000000000`);
    out[key] = value;
  }
  return out;
}

debugRoutes.post("/v1/debug/partition-overload", async (c) => {
  const project = await projectById(c.env, c.req.query("project") ?? "");
  const partition = c.req.query("partition") ?? "";
  if (project === null || !project.partitions.some((r) => r.partition === partition))
    throw new HttpError(404, "not_found", "no such project or partition");
  const body = parseJson(await readText(c.req.raw));
  const name = partitionObjectName(project.id, partition);
  const gate = await c.env.PARTITION.getByName(name).configureOverload(
    settings(body, ["stallMs", "maxPendingEvents"]),
  );
  const backlog = await c.env.SPILL_BACKLOG.getByName(name).configure(
    settings(body, ["maxBacklogEvents", "sweepAfterMs"]),
  );
  return c.json({ partition, ...gate, ...backlog });
});

debugRoutes.post("/v1/debug/partition-append", async (c) => {
  const repeat = Number(c.req.query("repeat") ?? "1");
  if (!Number.isInteger(repeat) || repeat < 1 || repeat > 10_000)
    throw new HttpError(400, "invalid_repeat", "repeat must be an integer in 1..10000");
  const { events } = parseJson(await readText(c.req.raw)) as { events: FlamEvent[] };
  const stub = c.env.PARTITION.getByName(`debug/${crypto.randomUUID()}`);
  let stored = 0;
  const started = Date.now();
  for (let round = 0; round < repeat; round++) {
    const outcomes = await stub.ingest(events.map((e) => ({ ...e, id: `${e.id}-${round}` })));
    stored += outcomes.filter((o) => o.status === "accepted").length;
  }
  return c.json({ events: stored, ms: Date.now() - started });
});
