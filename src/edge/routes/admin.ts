/**
 * The admin API, closed unless `ADMIN_TOKEN` is set (a Wrangler secret, or `.dev.vars` locally):
 * create a project (`POST /v1/admin/projects`) and rotate one of its keys
 * (`POST /v1/admin/projects/:id/keys/:kind`).
 */
import { Hono, type Context } from "hono";
import { parseJson, readText } from "../body.ts";
import type { Env } from "../env.ts";
import { HttpError } from "../http-error.ts";
import { forgetRegistryCache } from "../registry-client.ts";
import type { KeyKind } from "../registry/project.ts";
import type { RegistryFailure } from "../registry/registry.ts";

export const adminRoutes = new Hono<{ Bindings: Env }>();

function requireAdmin(c: Context<{ Bindings: Env }>): void {
  const token = c.env.ADMIN_TOKEN;
  if (token === undefined || token === "")
    throw new HttpError(
      403,
      "admin_disabled",
      "the admin API is disabled: set the ADMIN_TOKEN secret",
    );
  const auth = c.req.header("authorization") ?? "";
  if (!timingSafeEqual(auth, `Bearer ${token}`))
    throw new HttpError(
      401,
      "invalid_admin_token",
      "Authorization: Bearer <ADMIN_TOKEN> is required",
    );
}

/** Compares without an early exit, so response times do not reveal how much of a guess matched. */
function timingSafeEqual(a: string, b: string): boolean {
  let diff = a.length ^ b.length;
  for (let i = 0; i < Math.max(a.length, b.length); i++)
    diff |= (a.charCodeAt(i) | 0) ^ (b.charCodeAt(i) | 0);
  return diff === 0;
}

function unwrap<T extends object>(result: T | RegistryFailure): Exclude<T, RegistryFailure> {
  if ("error" in result) {
    const status =
      result.error.code === "exists" ? 409 : result.error.code === "not_found" ? 404 : 400;
    throw new HttpError(
      status,
      result.error.code === "invalid" ? "invalid_project" : result.error.code,
      result.error.message,
    );
  }
  return result as Exclude<T, RegistryFailure>;
}

adminRoutes.post("/v1/admin/projects", async (c) => {
  requireAdmin(c);
  const body = parseJson(await readText(c.req.raw)) as Record<string, unknown>;
  if (typeof body !== "object" || body === null || typeof body["id"] !== "string")
    throw new HttpError(
      400,
      "invalid_project",
      'body must be {"id": string, "name"?, "domains"?, "partitions"?}',
    );
  const domains = body["domains"];
  if (
    domains !== undefined &&
    !(Array.isArray(domains) && domains.every((d) => typeof d === "string"))
  )
    throw new HttpError(400, "invalid_project", "domains must be an array of strings");
  const created = unwrap(
    await c.env.REGISTRY.getByName("registry").createProject({
      id: body["id"],
      name: typeof body["name"] === "string" ? body["name"] : undefined,
      domains: domains as string[] | undefined,
      partitions: typeof body["partitions"] === "number" ? body["partitions"] : undefined,
    }),
  );
  return c.json(created, 201);
});

adminRoutes.post("/v1/admin/projects/:id/keys/:kind", async (c) => {
  requireAdmin(c);
  const kind = c.req.param("kind") as KeyKind;
  const { key } = unwrap(
    await c.env.REGISTRY.getByName("registry").rotateKey(c.req.param("id"), kind),
  );
  forgetRegistryCache();
  return c.json({ kind, key });
});
