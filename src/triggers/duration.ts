/**
 * Durations in definitions: an integer and one unit, `"90s"`, `"15m"`, `"12h"`, `"30d"`, between
 * 1 second and 400 days. Text rather than milliseconds, so a definition reads as it is meant.
 */
import { invalid } from "./errors.ts";
import { got } from "./json.ts";
import { MAX_DURATION_MS, MIN_DURATION_MS } from "./limits.ts";

const UNIT_MS: Readonly<Record<string, number>> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};
const DURATION = /^([1-9][0-9]{0,9})([smhd])$/;

/**
 * Milliseconds of a duration at `path`.
 *
 * @throws {DefinitionError} when it is not `<integer><s|m|h|d>` in 1s..400d.
 * @example
 * parseDuration("30d", "/segment/within") // 2592000000
 */
export function parseDuration(value: unknown, path: string): number {
  const m = typeof value === "string" ? DURATION.exec(value) : null;
  if (m === null)
    throw invalid(path, `must be a duration such as "90s", "15m", "12h" or "30d"${got(value)}`);
  const ms = Number(m[1]) * UNIT_MS[m[2]!]!;
  if (ms < MIN_DURATION_MS || ms > MAX_DURATION_MS)
    throw invalid(path, `must be between 1s and 400d, got ${JSON.stringify(value)}`);
  return ms;
}
