/**
 * When to send a batch again after a network error, a 5xx or a 429: the edge's `Retry-After` when
 * it gave one, else exponential backoff with jitter.
 */

/** The longest backoff between two tries, in ms: an edge that is down for hours is tried every minute. */
export const MAX_BACKOFF_MS = 60_000;

/**
 * The wait before retry number `attempt` (0 for the first retry): 1 s, 2 s, 4 s, ... up to
 * {@link MAX_BACKOFF_MS}, each drawn uniformly from its upper half ("equal jitter"), so tabs and
 * devices that failed together do not retry together, and no wait is shorter than half its step.
 *
 * @example
 * backoff(0); // between 500 and 1000
 * backoff(3); // between 4000 and 8000
 */
export function backoff(attempt: number): number {
  const step = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** attempt);
  return step / 2 + (Math.random() * step) / 2;
}

/**
 * Reads a `Retry-After` header (RFC 9110 section 10.2.3: delay-seconds or an HTTP date) as ms
 * from `now`; `undefined` when absent or unreadable.
 *
 * @example
 * retryAfterMs("7"); // 7000
 * retryAfterMs("Wed, 21 Oct 2026 07:28:00 GMT", Date.parse("Wed, 21 Oct 2026 07:27:00 GMT")); // 60000
 */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const ms = /^\d+$/.test(header) ? Number(header) * 1000 : Date.parse(header) - now;
  return ms >= 0 ? ms : undefined;
}
