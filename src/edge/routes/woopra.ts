/**
 * Woopra's tracking API, unchanged: `GET|POST /track/{ce,identify,update,ping}` (with or without a
 * trailing slash) and `POST /track/push/` (the browser tracker's beacon). Woopra carries no key:
 * its `website` / `project` / `host` value names the project by a registered domain or by the
 * project's write key.
 */
import { Hono, type Context } from "hono";
import { readBytes, readText } from "../body.ts";
import type { Env } from "../env.ts";
import type { ParsedBatch } from "../formats/incoming.ts";
import { parseWoopra, parseWoopraPush } from "../formats/woopra.ts";
import { HttpError } from "../http-error.ts";
import { ingest } from "../ingest.ts";
import { projectOfSite } from "../registry-client.ts";
import { statusOf } from "./answer.ts";
import { parsed } from "./parsed.ts";

export const woopraRoutes = new Hono<{ Bindings: Env }>();

/** A 1x1 transparent GIF: what a tracker pixel expects when `response=json` is not asked for. */
const PIXEL = Uint8Array.from(
  atob("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"),
  (ch) => ch.charCodeAt(0),
);

async function answer(
  c: Context<{ Bindings: Env }>,
  batch: ParsedBatch,
  json: boolean,
): Promise<Response> {
  if (batch.site === undefined || batch.site === "") {
    throw new HttpError(400, "missing_project", "website, project or host must name the project");
  }
  const project = await projectOfSite(c.env, batch.site);
  if (project === null)
    throw new HttpError(404, "unknown_project", `no project answers to "${batch.site}"`);
  const result = await ingest(c.env, project, batch);
  const status = statusOf(result);
  if (json)
    return c.json(
      { success: status === 200, results: result.results, actions: result.actions },
      status,
    );
  return c.body(PIXEL, status, { "content-type": "image/gif", "cache-control": "no-store" });
}

/** Woopra's query strings tolerate `&&` and a trailing `&`: URLSearchParams already does. */
function params(c: Context, text?: string): URLSearchParams {
  const q = new URL(c.req.url).searchParams;
  if (text !== undefined) for (const [k, v] of new URLSearchParams(text)) q.append(k, v);
  return q;
}

for (const endpoint of ["ce", "identify", "update", "ping"] as const) {
  for (const path of [`/track/${endpoint}`, `/track/${endpoint}/`]) {
    woopraRoutes.get(path, (c) => {
      const q = params(c);
      return answer(
        c,
        parsed(() => parseWoopra(endpoint, q)),
        q.get("response") === "json",
      );
    });
    woopraRoutes.post(path, async (c) => {
      const q = params(c, await readText(c.req.raw));
      return answer(
        c,
        parsed(() => parseWoopra(endpoint, q)),
        q.get("response") === "json",
      );
    });
  }
}

for (const path of ["/track/push", "/track/push/"]) {
  woopraRoutes.post(path, async (c) => {
    // Read under the size limit first: formData() itself would read any length.
    const bytes = await readBytes(c.req.raw);
    const type = c.req.header("content-type") ?? "";
    const form = await new Response(bytes, { headers: { "content-type": type } })
      .formData()
      .catch(() => {
        throw new HttpError(
          400,
          "invalid_body",
          "expected a multipart or urlencoded form with a payload field",
        );
      });
    const payload = form.get("payload");
    if (typeof payload !== "string")
      throw new HttpError(400, "missing_payload", "form field payload is required");
    const batch = parsed(() => parseWoopraPush(payload));
    batch.site ??= new URL(c.req.url).searchParams.get("project") ?? undefined;
    return answer(c, batch, true);
  });
}
