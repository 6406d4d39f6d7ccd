/**
 * `GET /v1/stream?key=<read key>`: the project's new events as server-sent events, for the
 * dashboard's live view (docs/dashboard.md). `EventSource` cannot set headers, hence the key in
 * the query.
 *
 * The Worker polls: every second it asks `POST /v1/query` (in process, through the query route)
 * for the newest `rawEvents` received since the last poll, and sends those it has not sent yet,
 * oldest first, one SSE `event` each (`data`: the row as an object). No Durable Object holds the
 * connection, so partitions stay free to hibernate and the cost is one small query per second
 * per open stream. A stream ends after 10 minutes; `EventSource` reconnects on its own (after
 * `retry`), resuming from `Last-Event-ID` (a `receivedAt`).
 *
 * @example
 * new EventSource("/v1/stream?key=demo-read-key").addEventListener("event", (m) =>
 *   console.log(JSON.parse(m.data).name));
 */
import { Hono } from "hono";
import { streamSSE } from "hono/streaming";
import { authorize, requestKey } from "../auth.ts";
import type { Env } from "../env.ts";
import { queryRoutes } from "./query.ts";

export const streamRoutes = new Hono<{ Bindings: Env }>();

const POLL_MS = 1000;
const STREAM_MS = 10 * 60_000;
/** How far back a poll looks past the last receipt it saw: two ingests may land out of order. */
const OVERLAP_MS = 5000;
/** Events sent when a stream opens, so the view is not empty. */
const BACKLOG = 20;
/** An event whose `time` is older than this at receipt is skipped (it lets polls prune blocks). */
const MAX_TIME_LAG_MS = 3_600_000;

type Row = [string, string, string, number, number, unknown, unknown];

streamRoutes.get("/v1/stream", async (c) => {
  const key = requestKey(c);
  await authorize(c.env, key, "read");
  const lastId = Number(c.req.header("last-event-id") ?? Number.NaN);
  return streamSSE(c, async (stream) => {
    const ends = Date.now() + STREAM_MS;
    let since = Number.isFinite(lastId) ? lastId : 0;
    // Ids sent with receivedAt >= since - OVERLAP_MS, so an overlapping poll sends nothing twice.
    let sent = new Map<string, number>();
    await stream.writeSSE({ event: "hello", data: "{}", retry: 2000 });
    while (!stream.aborted && !stream.closed && Date.now() < ends) {
      const now = Date.now();
      const where =
        since === 0 ? undefined : { field: "receivedAt", op: "gte", value: since - OVERLAP_MS };
      const res = await queryRoutes.request(
        "/v1/query",
        {
          method: "POST",
          headers: { authorization: `Bearer ${key}` },
          body: JSON.stringify({
            from: "rawEvents",
            ...(where ? { where } : {}),
            ...(since === 0 ? {} : { time: { from: since - MAX_TIME_LAG_MS - OVERLAP_MS } }),
            limit: since === 0 ? BACKLOG : 1000,
          }),
        },
        c.env,
      );
      if (!res.ok) {
        await stream.writeSSE({ event: "failure", data: await res.text() });
      } else {
        const rows = ((await res.json()) as { rows: Row[] }).rows;
        const fresh = rows.filter((r) => !sent.has(r[0])).reverse();
        for (const [id, visitor, name, time, receivedAt, properties, visitorProperties] of fresh) {
          sent.set(id, receivedAt);
          since = Math.max(since, receivedAt);
          await stream.writeSSE({
            event: "event",
            id: String(receivedAt),
            data: JSON.stringify({
              id,
              visitor,
              name,
              time,
              receivedAt,
              properties,
              visitorProperties,
            }),
          });
        }
        if (since === 0) since = now;
        sent = new Map([...sent].filter(([, r]) => r >= since - OVERLAP_MS));
      }
      await stream.sleep(POLL_MS);
    }
  });
});
