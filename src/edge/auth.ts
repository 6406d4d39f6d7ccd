/**
 * Which project a request speaks for, from its key: `Authorization: Bearer <key>`, `?key=` (for
 * `navigator.sendBeacon`, which cannot set headers), Segment's Basic auth (the write key as user
 * name), or a key in the body (Segment `writeKey`, PostHog `api_key`). A key only opens its own
 * project, and only for its kind: a write key cannot read, a read key cannot write.
 */
import type { Context } from "hono";
import type { Env } from "./env.ts";
import { HttpError } from "./http-error.ts";
import { grantOf } from "./registry-client.ts";
import type { KeyKind, Project } from "./registry/project.ts";

/** The key a request carries in its headers or query (not its body). */
export function requestKey(c: Context): string | undefined {
  const auth = c.req.header("authorization") ?? "";
  const bearer = /^Bearer\s+(\S+)$/i.exec(auth);
  if (bearer) return bearer[1];
  const basic = /^Basic\s+(\S+)$/i.exec(auth);
  if (basic) {
    try {
      const user = atob(basic[1]!).split(":")[0];
      if (user) return user;
    } catch {
      throw new HttpError(
        401,
        "invalid_key",
        "Authorization: Basic credentials are not valid base64",
      );
    }
  }
  return c.req.query("key") ?? undefined;
}

/**
 * The project the key opens for `kind`, or a 401/403 naming the problem.
 *
 * @example
 * const project = await authorize(c.env, requestKey(c), "write");
 */
export async function authorize(
  env: Env,
  key: string | undefined,
  kind: KeyKind,
): Promise<Project> {
  if (key === undefined || key === "") {
    throw new HttpError(
      401,
      "missing_key",
      `a ${kind} key is required (Authorization: Bearer <key>, or ?key=)`,
    );
  }
  const grant = await grantOf(env, key);
  if (grant === null) throw new HttpError(401, "invalid_key", "the key is not valid");
  if (grant.kind !== kind)
    throw new HttpError(
      403,
      "wrong_key_kind",
      `this is a ${grant.kind} key; this endpoint needs a ${kind} key`,
    );
  return grant.project;
}
