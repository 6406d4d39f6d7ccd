/**
 * The native API: `POST /v1/events` with `{"events":[...]}`, keyed by the write key in
 * `Authorization: Bearer` or `?key=` (for `navigator.sendBeacon`, which sends `text/plain`).
 */
import { Hono } from "hono";
import { authorize, requestKey } from "../auth.ts";
import { parseJson, readText } from "../body.ts";
import type { Env } from "../env.ts";
import { parseNative } from "../formats/native.ts";
import { ingest } from "../ingest.ts";
import { statusOf } from "./answer.ts";
import { parsed } from "./parsed.ts";

export const nativeRoutes = new Hono<{ Bindings: Env }>();

nativeRoutes.post("/v1/events", async (c) => {
  const project = await authorize(c.env, requestKey(c), "write");
  const body = parseJson(await readText(c.req.raw));
  const answer = await ingest(
    c.env,
    project,
    parsed(() => parseNative(body)),
  );
  return c.json({ results: answer.results, actions: answer.actions }, statusOf(answer));
});
