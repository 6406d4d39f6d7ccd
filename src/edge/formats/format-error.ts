/**
 * The two ways a wire-format parser refuses input, and the one place their codes are named.
 *
 * - A whole body that cannot be read as the format (not a JSON object, no `events`/`batch` array)
 *   is a thrown {@link FormatError}: nothing in it can be kept, so the request is answered 400.
 * - One bad event inside a readable body is a {@link ParseFailure} in place of that event: the rest
 *   of its batch is unaffected, and the index in the message lets the client find it.
 */
import type { ParseFailure } from "./incoming.ts";

/**
 * A request body no event can be read from. The HTTP layer answers it with 400.
 *
 * @example
 * try { parseNative(body) } catch (e) { if (e instanceof FormatError) throw new HttpError(400, e.code, e.message) }
 */
export class FormatError extends Error {
  override readonly name = "FormatError";
  /** Always `invalid_body`: the message says what was expected. */
  readonly code = "invalid_body";
}

/**
 * Stable reasons a single event is refused (`ParseFailure.code`).
 *
 * - `not_an_object`: the batch item (or Woopra push line) is not a JSON object.
 * - `missing_visitor`: no usable visitor id (absent, empty, or of the wrong type).
 * - `missing_name`: no usable event name.
 * - `invalid_id`: an event id of the wrong type.
 * - `invalid_time`: a timestamp that is not ISO 8601 / epoch ms at or after 1970.
 * - `invalid_properties`: `properties`, `traits` or `visitorProperties` is not an object.
 * - `unknown_type`: a Segment message `type`, or a Woopra push `endpoint`, this edge does not know.
 * - `invalid_json`: a Woopra push line that is not JSON.
 * - `site_mismatch`: a Woopra push line naming another project than the first line.
 * - `missing_action_id`: a Woopra `update` without the `idptnc` of the action it updates.
 */
export type FailureCode =
  | "not_an_object"
  | "missing_visitor"
  | "missing_name"
  | "invalid_id"
  | "invalid_time"
  | "invalid_properties"
  | "unknown_type"
  | "invalid_json"
  | "site_mismatch"
  | "missing_action_id";

/**
 * A failure entry for `ParsedBatch.events`.
 *
 * @example
 * failure("missing_visitor", "events[2].visitor must be a non-empty string")
 */
export function failure(code: FailureCode, message: string): ParseFailure {
  return { code, message };
}
