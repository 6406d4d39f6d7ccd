/**
 * One `POST /v1/events` of a batch, and what its answer means for the outbox (docs/ingest.md:
 * SDKs retry on 5xx and 429, and drop on any other 4xx).
 */
import { retryAfterMs } from "./retry.ts";
import type { Answer, WireEvent } from "./types.ts";

/**
 * What a send came to: `answer` (2xx: every event acknowledged, stored or not), `drop` (another
 * 4xx: the batch can never be delivered; the status and body, to log), or `retry` (offline, 5xx,
 * 429: send the same batch later, after `retry` ms if the edge said so).
 */
/** The longest a send may take before it counts as failed: less than the outbox lease. */
export const TIMEOUT_MS = 20_000;

export type Outcome = { answer: Answer } | { drop: string } | { retry: number | undefined };

/**
 * Sends `events` to `url` (which carries the write key as `?key=`) as a `text/plain` JSON body.
 * Neither the key in the query nor the content type needs a CORS preflight, so a batch costs one
 * round trip from any site; `sentAt` lets the edge correct a skewed device clock.
 *
 * @example
 * await post("https://edge.example/v1/events?key=wk", [event]);
 * // { answer: { results: [{ status: "accepted", id: "..." }], actions: [] } }
 */
export async function post(url: string, events: WireEvent[]): Promise<Outcome> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: "POST",
      body: JSON.stringify({ events, sentAt: Date.now() }),
      // A hung request would hold the send lock and its events' leases for the page's life.
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch {
    return { retry: undefined }; // offline, refused, timed out: no answer came
  }
  if (res.ok) return { answer: await res.json().catch(() => ({})) }; // stored, even if unread
  if (res.status === 429 || res.status >= 500) {
    // Cross-origin, the header is readable only if the edge lists it in Access-Control-Expose-Headers.
    return { retry: retryAfterMs(res.headers.get("retry-after")) };
  }
  return { drop: `${res.status} ${await res.text().catch(() => "")}` };
}
