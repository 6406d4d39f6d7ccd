/**
 * Time buckets in IANA time zones: the start of the minute, hour, day, week (Monday) or month
 * that holds an instant, on the zone's wall clock, and the bucket's ISO 8601 label. Pure (only
 * `Intl`, present in Node, workerd and browsers).
 *
 * Method: local wall time = instant + the zone's offset at it; truncate that in UTC arithmetic;
 * turn the truncated wall time back into an instant with the offset in force there. Offsets are
 * read from `Intl.DateTimeFormat` only at bucket boundaries (callers keep the current bucket), so
 * a scan pays for the zone once per bucket, not once per event.
 */
import type { TimeUnit } from "./query.ts";

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (f === undefined) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: tz,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formatters.set(tz, f);
  }
  return f;
}

/** Whether `tz` names a time zone this runtime knows. */
export function checkTimeZone(tz: string): boolean {
  if (tz.length === 0 || tz.length > 64) return false;
  try {
    formatter(tz);
    return true;
  } catch {
    return false;
  }
}

const isUtc = (tz: string) => tz === "UTC" || tz === "Etc/UTC";

/** The zone's offset from UTC at an instant, in ms (east positive). */
export function offsetAt(ms: number, tz: string): number {
  if (isUtc(tz)) return 0;
  const p = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 };
  for (const part of formatter(tz).formatToParts(ms)) {
    if (part.type in p) p[part.type as keyof typeof p] = Number(part.value);
  }
  const wall = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return wall - Math.floor(ms / 1000) * 1000;
}

/** The instant a wall-clock time (as UTC-arithmetic ms) has in the zone; skipped times move later. */
function instantOf(wall: number, tz: string, hint: number): number {
  let t = wall - offsetAt(hint, tz);
  const o = offsetAt(t, tz);
  if (wall - o !== t) {
    const t2 = wall - o;
    // In a gap (spring forward) neither guess maps back to `wall`: the bucket starts at the
    // later instant, the first one that exists on the wall clock after the skipped time.
    t = offsetAt(t2, tz) === o ? t2 : Math.max(t, t2);
  }
  return t;
}

/** Truncates a wall time (UTC arithmetic) to its unit. */
function truncate(wall: number, unit: TimeUnit): number {
  switch (unit) {
    case "minute":
      return Math.floor(wall / MINUTE) * MINUTE;
    case "hour":
      return Math.floor(wall / HOUR) * HOUR;
    case "day":
      return Math.floor(wall / DAY) * DAY;
    case "week": {
      const day = Math.floor(wall / DAY) * DAY;
      // 1970-01-01 was a Thursday: (days + 3) % 7 is 0 on Mondays.
      const sinceMonday = (((Math.floor(wall / DAY) + 3) % 7) + 7) % 7;
      return day - sinceMonday * DAY;
    }
    case "month": {
      const d = new Date(wall);
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
    }
  }
}

function nextWall(wall: number, unit: TimeUnit): number {
  switch (unit) {
    case "minute":
      return wall + MINUTE;
    case "hour":
      return wall + HOUR;
    case "day":
      return wall + DAY;
    case "week":
      return wall + 7 * DAY;
    case "month": {
      const d = new Date(wall);
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
    }
  }
}

/** A bucket: `[start, end)` as instants. */
export interface Bucket {
  start: number;
  end: number;
}

/**
 * The bucket holding `ms`.
 *
 * @example
 * bucketOf(Date.parse("2026-03-29T12:00:00Z"), "day", "Europe/Berlin")
 * // { start: Date.parse("2026-03-28T23:00:00Z"), end: Date.parse("2026-03-29T22:00:00Z") } (a 23 h day)
 */
export function bucketOf(ms: number, unit: TimeUnit, tz: string): Bucket {
  if (isUtc(tz)) {
    const start = truncate(ms, unit);
    return { start, end: nextWall(start, unit) };
  }
  if (unit === "minute") {
    // Every zone in use has whole-minute offsets, so minutes need no wall-clock detour
    // (hours do: India is 5:30 ahead).
    const start = Math.floor(ms / MINUTE) * MINUTE;
    return { start, end: start + MINUTE };
  }
  const wall = truncate(ms + offsetAt(ms, tz), unit);
  const start = instantOf(wall, tz, ms);
  let end = instantOf(nextWall(wall, unit), tz, ms);
  // When clocks fall back, the wall-clock hour after 01:00 is 01:00 again: a new bucket (a new
  // offset), so an hour never spans more than an hour of real time.
  if (unit === "hour") end = Math.min(end, start + HOUR);
  return { start, end: end > start ? end : start + MINUTE };
}

/**
 * The ISO 8601 label of a bucket start: wall time and offset, `Z` when the offset is zero.
 *
 * @example
 * bucketLabel(Date.parse("2026-03-28T23:00:00Z"), "Europe/Berlin") // "2026-03-29T00:00:00+01:00"
 */
export function bucketLabel(start: number, tz: string): string {
  const offset = offsetAt(start, tz);
  const wall = new Date(start + offset).toISOString().slice(0, 19);
  if (offset === 0) return `${wall}Z`;
  const sign = offset < 0 ? "-" : "+";
  const m = Math.round(Math.abs(offset) / MINUTE);
  const hh = String(Math.floor(m / 60)).padStart(2, "0");
  const mm = String(m % 60).padStart(2, "0");
  return `${wall}${sign}${hh}:${mm}`;
}
