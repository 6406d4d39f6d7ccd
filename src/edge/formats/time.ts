/**
 * Client timestamps as ms since the epoch. Every format sends ISO 8601 text or epoch ms; the
 * canonical event wants an integer `>= 0` (docs/events.md). `Date.parse` is not used on its own
 * because it accepts implementation-defined text ("Jan 1 2024", "2024/01/01") and reads an ISO
 * date-time without an offset as *local* time: the same body would mean different instants in
 * Node on a laptop and in workerd.
 */

/** The largest time a JS `Date` can hold (ECMA-262 section 21.4.1.22), so `new Date(t)` never fails. */
const MAX_TIME = 8.64e15;

// YYYY-MM-DD, optionally followed by T (or t, or a space as RFC 3339 allows) and hh:mm[:ss[.fff]],
// then an optional Z or +hh[:mm] offset. The fraction may have any number of digits.
const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?(Z|z|[+-]\d{2}(?::?\d{2})?)?)?$/;

/**
 * Reads an ISO 8601 date or date-time. Without an offset the time is read as UTC (the time zone
 * of the Workers runtime), a date alone as its midnight UTC. Digits past milliseconds are dropped.
 *
 * @returns ms since the epoch, or `undefined` when the text is not such a date or is before 1970.
 * @example
 * parseIsoTime("2024-01-01T00:00:00.000Z") // 1704067200000
 * parseIsoTime("2024-01-01T01:00:00+01:00") // 1704067200000
 * parseIsoTime("2024-02-30") // undefined
 */
export function parseIsoTime(text: string): number | undefined {
  const m = ISO.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h = "0", mi = "0", s = "0", frac = "", zone = "Z"] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  // Date.UTC maps years 0..99 to 1900..1999; such years are before 1970 anyway.
  if (year < 100 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    return undefined;
  }
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const ms = Number(frac.slice(0, 3).padEnd(3, "0"));
  const offset = offsetMinutes(zone);
  if (offset === undefined) return undefined;
  const t = Date.UTC(year, month - 1, day, hour, minute, second, ms) - offset * 60_000;
  return t >= 0 && t <= MAX_TIME ? t : undefined;
}

/**
 * Reads a client time sent as ISO 8601 text or as epoch ms (a JSON number; a fraction of a ms is
 * dropped).
 *
 * @returns ms since the epoch, or `undefined` for anything else, including times before 1970.
 * @example
 * parseTime(1704067200000.7) // 1704067200000
 * parseTime("2024-01-01T00:00:00Z") // 1704067200000
 * parseTime("1704067200000") // undefined: text must be ISO 8601
 */
export function parseTime(value: unknown): number | undefined {
  if (typeof value === "string") return parseIsoTime(value);
  if (typeof value === "number" && value >= 0 && value <= MAX_TIME) return Math.floor(value);
  return undefined; // NaN fails both comparisons above
}

/**
 * Reads a query-string time in decimal ms (Woopra's `timestamp` and `duration`).
 *
 * @example
 * parseMsText("1704067200000") // 1704067200000
 * parseMsText("2024-01-01") // undefined
 */
export function parseMsText(text: string): number | undefined {
  if (!/^\d{1,16}$/.test(text)) return undefined;
  const t = Number(text);
  return t <= MAX_TIME ? t : undefined;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeap(year) ? 29 : 28;
  return new Date(Date.UTC(2001, month, 0)).getUTCDate(); // day 0 of the next month
}

function isLeap(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/** `Z` -> 0; `+hh`, `+hhmm`, `+hh:mm` -> signed minutes east of UTC. */
function offsetMinutes(zone: string): number | undefined {
  if (zone === "Z" || zone === "z") return 0;
  const sign = zone[0] === "-" ? -1 : 1;
  const digits = zone.slice(1).replace(":", "");
  const hours = Number(digits.slice(0, 2));
  const minutes = digits.length > 2 ? Number(digits.slice(2)) : 0;
  if (hours > 23 || minutes > 59) return undefined;
  return sign * (hours * 60 + minutes);
}
