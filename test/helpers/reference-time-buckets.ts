/**
 * Time buckets for the reference query evaluator (docs/query.md, "Groups and time buckets"),
 * computed the slow, plain way: wall clocks from `Intl.DateTimeFormat`, bucket starts found by
 * search rather than by arithmetic on offsets. Independent of `src/query` on purpose.
 *
 * Readings of the spec taken here (see the correctness suite's report):
 * - minute and hour buckets are always 60 s / 3,600 s of real time starting at a local minute or
 *   hour boundary, so the repeated hour of a fall-back night is two buckets,
 *   `01:00:00-04:00` and `01:00:00-05:00`; days, weeks and months follow the wall clock (23 or
 *   25 hours on daylight-saving days);
 * - a zero offset is written `Z` whatever the zone (`Europe/London` in winter too).
 *
 * @example
 * bucketOf(Date.parse("2026-03-29T12:00:00Z"), "day", "Europe/Berlin");
 * // { start: 1774735200000, label: "2026-03-29T00:00:00+01:00" }
 */

export type TimeUnit = "minute" | "hour" | "day" | "week" | "month";

/** One bucket: its first instant (epoch ms) and its ISO 8601 local name. */
export interface Bucket {
  start: number;
  label: string;
}

interface Wall {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: tz,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    formatters.set(tz, f);
  }
  return f;
}

/** The wall clock of instant `t` in zone `tz`, to the second. */
export function wallClock(t: number, tz: string): Wall {
  const parts: Record<string, number> = {};
  for (const p of formatter(tz).formatToParts(t)) {
    if (p.type !== "literal") parts[p.type] = Number(p.value);
  }
  return {
    year: parts["year"]!,
    month: parts["month"]!,
    day: parts["day"]!,
    hour: parts["hour"]!,
    minute: parts["minute"]!,
    second: parts["second"]!,
  };
}

const wallMs = (w: Wall): number =>
  Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);

const mod = (a: number, b: number): number => ((a % b) + b) % b;

/** The zone's offset from UTC at instant `t`, in ms (`+01:00` is 3,600,000). */
export function offsetAt(t: number, tz: string): number {
  return wallMs(wallClock(t, tz)) - (t - mod(t, 1000));
}

const dayStarts = new Map<string, number>();

/**
 * The first instant whose local wall clock has reached midnight of the given local date:
 * a binary search over whole minutes in a window wider than any offset.
 */
function startOfLocalDate(year: number, month: number, day: number, tz: string): number {
  const target = Date.UTC(year, month - 1, day);
  const key = `${tz} ${target}`;
  const cached = dayStarts.get(key);
  if (cached !== undefined) return cached;
  let lo = (target - 15 * HOUR) / MINUTE; // reached: false (offsets are at most +14:00)
  let hi = (target + 15 * HOUR) / MINUTE; // reached: true (offsets are at least -12:00)
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    const u = mid * MINUTE;
    if (u + offsetAt(u, tz) >= target) hi = mid;
    else lo = mid;
  }
  const start = hi * MINUTE;
  dayStarts.set(key, start);
  return start;
}

const pad = (n: number, width = 2): string => String(n).padStart(width, "0");

/** `2026-03-29T00:00:00+01:00`, or `...Z` when the offset is zero. */
export function localLabel(t: number, tz: string): string {
  const w = wallClock(t, tz);
  const off = offsetAt(t, tz);
  const abs = Math.abs(off) / MINUTE;
  const zone =
    off === 0 ? "Z" : `${off < 0 ? "-" : "+"}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
  return (
    `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)}` +
    `T${pad(w.hour)}:${pad(w.minute)}:${pad(w.second)}${zone}`
  );
}

/** The bucket of unit `unit` in zone `tz` holding instant `t`. */
export function bucketOf(t: number, unit: TimeUnit, tz: string): Bucket {
  let start: number;
  if (unit === "minute" || unit === "hour") {
    const size = unit === "minute" ? MINUTE : HOUR;
    start = t - mod(t + offsetAt(t, tz), size);
  } else {
    const w = wallClock(t, tz);
    if (unit === "day") start = startOfLocalDate(w.year, w.month, w.day, tz);
    else if (unit === "month") start = startOfLocalDate(w.year, w.month, 1, tz);
    else {
      // Monday of the local date's week: getUTCDay of the wall date is its weekday (0 Sunday).
      const date = Date.UTC(w.year, w.month - 1, w.day);
      const monday = new Date(date - mod(new Date(date).getUTCDay() - 1, 7) * DAY);
      start = startOfLocalDate(
        monday.getUTCFullYear(),
        monday.getUTCMonth() + 1,
        monday.getUTCDate(),
        tz,
      );
    }
  }
  return { start, label: localLabel(start, tz) };
}
