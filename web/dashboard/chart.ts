/**
 * Draws a query answer with uPlot: a time series when the answer has a time bucket column (one
 * line per group of the first other group column, top 8, or one per measure), bars when it has
 * only group columns, nothing for a single row of totals.
 */
import uPlot from "uplot";

const BUCKETS = new Set(["minute", "hour", "day", "week", "month"]);
const COLORS = [
  "#d6336c",
  "#1c7ed6",
  "#2b8a3e",
  "#f08c00",
  "#7048e8",
  "#0c8599",
  "#e8590c",
  "#868e96",
];
const MAX_SERIES = 8;

export interface Answer {
  columns: string[];
  rows: unknown[][];
}

/** What the chart will show, or null when the answer has nothing to plot. */
export function chartKind(answer: Answer): "time" | "bars" | null {
  if (answer.rows.length === 0) return null;
  if (answer.columns.some((c) => BUCKETS.has(c))) return "time";
  return groupColumns(answer).length > 0 ? "bars" : null;
}

/** Columns holding only numbers (or nulls): the aggregates. */
function measureColumns(answer: Answer): number[] {
  return answer.columns.flatMap((c, i) =>
    !BUCKETS.has(c) && answer.rows.every((r) => r[i] === null || typeof r[i] === "number")
      ? [i]
      : [],
  );
}

function groupColumns(answer: Answer): number[] {
  const measures = new Set(measureColumns(answer));
  return answer.columns.flatMap((c, i) => (BUCKETS.has(c) || measures.has(i) ? [] : [i]));
}

/** Replaces `target`'s content with a chart of `answer` (or nothing); returns the uPlot. */
export function drawChart(target: HTMLElement, answer: Answer): uPlot | null {
  target.replaceChildren();
  const kind = chartKind(answer);
  const measures = measureColumns(answer);
  if (kind === null || measures.length === 0) return null;
  const width = Math.max(320, target.clientWidth || 800);
  const opts = { width, height: 300, legend: { show: true } };
  const data =
    kind === "time" ? timeData(answer, measures[0]!, measures) : barData(answer, measures[0]!);
  const series: uPlot.Series[] = [
    {},
    ...data.labels.map((label, i) => ({
      label,
      stroke: COLORS[i % COLORS.length],
      width: 2,
      ...(kind === "bars"
        ? { fill: COLORS[i % COLORS.length] + "aa", paths: uPlot.paths.bars!({ size: [0.6, 80] }) }
        : { points: { show: data.x.length < 60 } }),
    })),
  ];
  const axes: uPlot.Axis[] =
    kind === "bars"
      ? [
          {
            values: (_u, splits) => splits.map((s) => data.names[s] ?? ""),
            rotate: -30,
            size: 80,
          } as uPlot.Axis,
          {},
        ]
      : [{}, {}];
  return new uPlot(
    {
      ...opts,
      series,
      axes,
      scales: { x: kind === "bars" ? { time: false, range: [-0.5, data.x.length - 0.5] } : {} },
    },
    [data.x, ...data.ys] as uPlot.AlignedData,
    target,
  );
}

interface Plot {
  x: number[];
  ys: (number | null)[][];
  labels: string[];
  /** Bar labels by x. */
  names: string[];
}

function timeData(answer: Answer, first: number, measures: number[]): Plot {
  const t = answer.columns.findIndex((c) => BUCKETS.has(c));
  const groups = groupColumns(answer);
  const xs = [...new Set(answer.rows.map((r) => Date.parse(String(r[t])) / 1000))].sort(
    (a, b) => a - b,
  );
  const at = new Map(xs.map((x, i) => [x, i]));
  if (groups.length === 0) {
    const ys = measures.map(() => xs.map(() => null as number | null));
    for (const r of answer.rows)
      measures.forEach(
        (m, k) => (ys[k]![at.get(Date.parse(String(r[t])) / 1000)!] = r[m] as number | null),
      );
    return { x: xs, ys, labels: measures.map((m) => answer.columns[m]!), names: [] };
  }
  // One line per value of the first group column, the largest totals first.
  const g = groups[0]!;
  const totals = new Map<string, number>();
  for (const r of answer.rows)
    totals.set(String(r[g]), (totals.get(String(r[g])) ?? 0) + Number(r[first] ?? 0));
  const top = [...totals]
    .sort((a, b) => b[1] - a[1])
    .slice(0, MAX_SERIES)
    .map(([k]) => k);
  const ys = top.map(() => xs.map(() => 0 as number | null));
  for (const r of answer.rows) {
    const k = top.indexOf(String(r[g]));
    if (k >= 0) ys[k]![at.get(Date.parse(String(r[t])) / 1000)!] = r[first] as number | null;
  }
  return { x: xs, ys, labels: top.map((k) => `${k} (${answer.columns[first]})`), names: [] };
}

function barData(answer: Answer, first: number): Plot {
  const groups = groupColumns(answer);
  const rows = answer.rows.slice(0, 40);
  return {
    x: rows.map((_, i) => i),
    ys: [rows.map((r) => r[first] as number | null)],
    labels: [answer.columns[first]!],
    names: rows.map((r) => groups.map((g) => String(r[g])).join(" / ")),
  };
}
