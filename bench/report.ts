/** The bench's printed output: the results table, ratios against the baselines, the summary. */

/** One subject's figures; rates are events per second, null where not measured. */
export interface ResultRow {
  name: string;
  bytesPerEvent: number | null;
  encodePerSec: number;
  decodePerSec: number;
  q1PerSec: number;
  q2PerSec: number;
}

/** The subjects every other subject is compared with, by label and subject name. */
const BASELINES = [
  ["JSON.parse (ndjson)", "ndjson"],
  ["msgpackr", "msgpackr"],
  ["duckdb-table", "duckdb-table"],
] as const;

/**
 * Formats rows under headers with columns padded to width: the first column left-aligned, the
 * others right-aligned, as numbers read best.
 *
 * @example
 * formatTable(["subject", "bytes/event"], [["ndjson", "666.6"]]);
 */
export function formatTable(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]): string =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  return [line(headers), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

/** A rate with three significant digits: "812", "145k", "2.31M". Missing values print as "-". */
export function formatRate(value: number | null): string {
  if (value === null || !Number.isFinite(value)) return "-";
  const [scaled, unit] =
    value >= 1e9
      ? [value / 1e9, "G"]
      : value >= 1e6
        ? [value / 1e6, "M"]
        : value >= 1e3
          ? [value / 1e3, "k"]
          : [value, ""];
  return `${scaled >= 100 ? scaled.toFixed(0) : scaled.toPrecision(3)}${unit}`;
}

/** A ratio such as "259x", "12.3x", "0.42x" or "0.0039x"; "-" when either side is missing. */
export function formatRatio(value: number | null, base: number | null): string {
  if (value === null || base === null || !Number.isFinite(value) || !(base > 0)) return "-";
  const r = value / base;
  const digits =
    r >= 100 ? r.toFixed(0) : r >= 10 ? r.toFixed(1) : r >= 0.1 ? r.toFixed(2) : r.toPrecision(2);
  return `${digits}x`;
}

/** The results table, then one ratio table per baseline present. */
export function formatResults(rows: readonly ResultRow[], events: number): string {
  const out = [
    `Events per second = ${events} events / median time (Q1 and Q2 count every event scanned, not only matches).`,
    formatTable(
      ["subject", "bytes/event", "encode ev/s (1 run)", "decode ev/s", "Q1 ev/s", "Q2 ev/s"],
      rows.map((r) => [
        r.name,
        r.bytesPerEvent === null ? "n/a" : r.bytesPerEvent.toFixed(1),
        formatRate(r.encodePerSec),
        formatRate(r.decodePerSec),
        formatRate(r.q1PerSec),
        formatRate(r.q2PerSec),
      ]),
    ),
  ];
  for (const [label, name] of BASELINES) {
    const base = rows.find((r) => r.name === name);
    if (!base) continue;
    out.push(
      `\nvs ${label}: size is bytes/event over theirs (lower is smaller); speeds are ev/s over theirs (higher is faster)`,
      formatTable(
        ["subject", "size", "decode", "Q1", "Q2"],
        rows
          .filter((r) => r !== base)
          .map((r) => [
            r.name,
            formatRatio(r.bytesPerEvent, base.bytesPerEvent),
            formatRatio(r.decodePerSec, base.decodePerSec),
            formatRatio(r.q1PerSec, base.q1PerSec),
            formatRatio(r.q2PerSec, base.q2PerSec),
          ]),
      ),
    );
  }
  return out.join("\n");
}

/**
 * The headline figures, printed as the bench's last line for scripts to read; FlaM's are null
 * when FlaM did not run, and so is any peer left out with `--only`.
 */
export function summary(
  rows: readonly ResultRow[],
  flamName: string | null,
): Record<string, number | null> {
  const row = (name: string | null): ResultRow | undefined => rows.find((r) => r.name === name);
  const round = (x: number | null | undefined, digits = 0): number | null =>
    x === null || x === undefined ? null : Number(x.toFixed(digits));
  const flam = row(flamName);
  return {
    flamBytesPerEvent: round(flam?.bytesPerEvent, 1),
    ndjsonBytesPerEvent: round(row("ndjson")?.bytesPerEvent, 1),
    q1EventsPerSec: round(flam?.q1PerSec),
    q2EventsPerSec: round(flam?.q2PerSec),
    duckdbQ1EventsPerSec: round(row("duckdb-table")?.q1PerSec),
    duckdbQ2EventsPerSec: round(row("duckdb-table")?.q2PerSec),
    jsonParseQ1EventsPerSec: round(row("ndjson")?.q1PerSec),
  };
}
