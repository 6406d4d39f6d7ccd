/**
 * Turning an ingest answer into a status code. SDKs retry on 5xx/429 and drop on 4xx, so a
 * request whose every event was refused is a 400 (retrying cannot help), and a request with at
 * least one stored event is a 200 listing what was refused.
 */
import type { IngestAnswer } from "../ingest.ts";

export function statusOf(answer: IngestAnswer): 200 | 400 {
  return answer.accepted === 0 && answer.rejected > 0 ? 400 : 200;
}
