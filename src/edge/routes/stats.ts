/**
 * `GET /v1/stats` (read key): per partition, how loaded it is and what its spike buffer holds
 * (docs/reliability.md, "The spike buffer"): events pending in its call queue and its bound,
 * batches refused as overloaded, events waiting on the spill Queue, and the drain delays
 * (enqueue to stored) of the messages drained.
 */
import { Hono } from "hono";
import { authorize, requestKey } from "../auth.ts";
import type { Env } from "../env.ts";
import { partitionObjectName } from "../routing.ts";

export const statsRoutes = new Hono<{ Bindings: Env }>();

statsRoutes.get("/v1/stats", async (c) => {
  const project = await authorize(c.env, requestKey(c), "read");
  const partitions = await Promise.all(
    project.partitions.map(async ({ partition }) => {
      const name = partitionObjectName(project.id, partition);
      const [load, spill] = await Promise.all([
        c.env.PARTITION.getByName(name).overloadState(),
        c.env.SPILL_BACKLOG.getByName(name).stats(),
      ]);
      return { partition, load, spill };
    }),
  );
  return c.json({ project: project.id, at: Date.now(), partitions });
});
