/**
 * Segment's HTTP API, unchanged (analytics-node, RudderStack, Jitsu): `POST /v1/batch` and
 * `/v1/{track,identify,page,screen,group,alias}`, keyed by Basic auth (the write key as user name)
 * or `writeKey` in the body. Answers `{"success":true}`, plus per-event results.
 */
import { Hono } from "hono";
import { authorize, requestKey } from "../auth.ts";
import { parseJson, readText } from "../body.ts";
import type { Env } from "../env.ts";
import { parseSegment } from "../formats/segment.ts";
import { ingest } from "../ingest.ts";
import { statusOf } from "./answer.ts";
import { parsed } from "./parsed.ts";

export const segmentRoutes = new Hono<{ Bindings: Env }>();

const KINDS = ["batch", "track", "identify", "page", "screen", "group", "alias"] as const;

for (const kind of KINDS) {
  segmentRoutes.post(`/v1/${kind}`, async (c) => {
    const body = parseJson(await readText(c.req.raw));
    const batch = parsed(() => parseSegment(kind, body));
    const project = await authorize(c.env, requestKey(c) ?? batch.writeKey, "write");
    const answer = await ingest(c.env, project, batch);
    return c.json(
      {
        success: answer.accepted > 0 || answer.rejected === 0,
        results: answer.results,
        actions: answer.actions,
      },
      statusOf(answer),
    );
  });
}
