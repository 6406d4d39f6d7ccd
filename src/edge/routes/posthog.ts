/**
 * PostHog's capture API, unchanged: `POST /batch/`, `/capture/`, `/e/`, `/i/v0/e/` (gzip bodies
 * by default), keyed by `api_key` / `token` in the body; `/flags` answers that no flag is set.
 */
import { Hono } from "hono";
import { authorize, requestKey } from "../auth.ts";
import { parseJson, readText } from "../body.ts";
import type { Env } from "../env.ts";
import { parsePostHog } from "../formats/posthog.ts";
import { ingest } from "../ingest.ts";
import { statusOf } from "./answer.ts";
import { parsed } from "./parsed.ts";

export const posthogRoutes = new Hono<{ Bindings: Env }>();

for (const path of ["/batch", "/capture", "/e", "/i/v0/e"]) {
  for (const p of [path, `${path}/`]) {
    posthogRoutes.post(p, async (c) => {
      // posthog-js marks its gzip bodies with ?compression=gzip-js instead of a header.
      const gzip = (c.req.query("compression") ?? "").startsWith("gzip");
      const body = parseJson(await readText(c.req.raw, gzip));
      const batch = parsed(() => parsePostHog(body));
      const project = await authorize(c.env, batch.writeKey ?? requestKey(c), "write");
      const answer = await ingest(c.env, project, batch);
      return c.json(
        {
          status: statusOf(answer) === 200 ? 1 : 0,
          results: answer.results,
          actions: answer.actions,
        },
        statusOf(answer),
      );
    });
  }
}

// The opt-in v1 endpoint: a Bearer token, and results keyed by event uuid.
posthogRoutes.post("/i/v1/analytics/events", async (c) => {
  const body = parseJson(await readText(c.req.raw));
  const batch = parsed(() => parsePostHog(body));
  const project = await authorize(c.env, requestKey(c) ?? batch.writeKey, "write");
  const answer = await ingest(c.env, project, batch);
  const results: Record<string, { result: "ok" } | { result: "error"; error: string }> = {};
  answer.results.forEach((r, i) => {
    const e = batch.events[i];
    const uuid = r.status === "rejected" ? (e !== undefined && "id" in e ? e.id : undefined) : r.id;
    if (uuid !== undefined)
      results[uuid] =
        r.status === "rejected" ? { result: "error", error: r.message } : { result: "ok" };
  });
  return c.json({ results }, statusOf(answer));
});

for (const p of ["/flags", "/flags/", "/decide", "/decide/"]) {
  posthogRoutes.post(p, (c) => c.json({ flags: {}, featureFlags: {} }));
}
