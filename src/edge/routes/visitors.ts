/**
 * `GET /v1/visitors/:id` (read key): the visitor's profile and newest events, read from the
 * partition that holds the visitor, so it reflects an ingest the moment that ingest answered.
 */
import { Hono } from "hono";
import { authorize, requestKey } from "../auth.ts";
import type { Env } from "../env.ts";
import { HttpError } from "../http-error.ts";
import { bucketOf, partitionObjectName, partitionOf } from "../routing.ts";

export const visitorRoutes = new Hono<{ Bindings: Env }>();

visitorRoutes.get("/v1/visitors/:id", async (c) => {
  const project = await authorize(c.env, requestKey(c), "read");
  const id = c.req.param("id");
  const limit = Number(c.req.query("limit") ?? "50");
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
    throw new HttpError(400, "invalid_limit", "limit must be an integer in 1..1000");
  const partition = partitionOf(project, bucketOf(project.id, id));
  const view = await c.env.PARTITION.getByName(partitionObjectName(project.id, partition)).visitor(
    id,
    limit,
  );
  if (view.profile === null)
    throw new HttpError(404, "visitor_not_found", `no events of visitor ${id}`);
  return c.json(view);
});
