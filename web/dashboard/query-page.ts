/**
 * The query page: controls that write a query's JSON, an editor for it, and the answer as a
 * table and a chart. Answers come from `POST /v1/query`, or from the offline cache (and say so).
 */
import { api, type Keys } from "./api.ts";
import { drawChart, type Answer } from "./chart.ts";
import { h, showError, table } from "./dom.ts";
import { answerLocally, offline } from "./offline.ts";

const MEASURES: Record<string, object> = {
  events: { fn: "count" },
  visitors: { fn: "countDistinct", field: "visitor" },
  "revenue (sum of price)": { fn: "sum", field: "price" },
  "average price": { fn: "avg", field: "price" },
};
const RANGES: Record<string, number> = { "last 24 hours": 1, "last 7 days": 7, "last 21 days": 21 };

function select<T extends string>(name: string, options: T[], value: T): HTMLSelectElement {
  return h(
    "select",
    { name },
    ...options.map((o) => h("option", { value: o, textContent: o, selected: o === value })),
  );
}

export function queryPage(root: HTMLElement, keys: () => Keys): void {
  const measure = select("measure", Object.keys(MEASURES), "events");
  const event = h("input", { name: "event", placeholder: "any event (e.g. search)" });
  const group = select(
    "group",
    ["none", "name", "country", "plan", "device", "deal", "destination"],
    "name",
  );
  const bucket = select("bucket", ["none", "hour", "day", "week"], "day");
  const range = select("range", Object.keys(RANGES), "last 21 days");
  const editor = h("textarea", { id: "query-json", rows: 12, spellcheck: false });
  const run = h("button", {
    id: "run-query",
    className: "primary",
    textContent: "Run",
    type: "button",
  });
  const note = h("p", { id: "query-note", className: "note" });
  const chart = h("div", { id: "query-chart", className: "chart" });
  const result = h("div", { id: "query-result" });

  const fromControls = () => {
    const days = RANGES[range.value]!;
    const groupBy: unknown[] = [];
    if (group.value !== "none") groupBy.push(group.value);
    if (bucket.value !== "none")
      groupBy.push({ time: bucket.value, tz: Intl.DateTimeFormat().resolvedOptions().timeZone });
    const query = {
      from: "events",
      select: [MEASURES[measure.value]],
      ...(event.value.trim()
        ? { where: { field: "name", op: "eq", value: event.value.trim() } }
        : {}),
      ...(groupBy.length ? { groupBy } : {}),
      // Every bucket of every group: the chart keeps the largest groups.
      ...(bucket.value !== "none" ? { limit: 10_000 } : {}),
      time: { from: new Date(Date.now() - days * 86_400_000).toISOString() },
      ...(bucket.value === "none" && group.value !== "none"
        ? {
            orderBy: [{ column: Object.values(MEASURES[measure.value]!).join("_"), desc: true }],
            limit: 20,
          }
        : {}),
    };
    editor.value = JSON.stringify(query, null, 2);
  };
  for (const control of [measure, event, group, bucket, range])
    control.addEventListener("change", fromControls);
  fromControls();

  run.onclick = async () => {
    let query: unknown;
    try {
      query = JSON.parse(editor.value);
    } catch (error) {
      showError(result, error);
      return;
    }
    run.disabled = true;
    note.textContent = "running…";
    try {
      const started = performance.now();
      const local = answerLocally();
      const answer = (
        local
          ? await offline.cache!.query(query)
          : await api<Answer>("/v1/query", keys().read, query)
      ) as Answer;
      const ms = (performance.now() - started).toFixed(0);
      note.textContent = local
        ? `Answered offline from the local cache (${offline.blocks} blocks, synced ${new Date(offline.syncedAt!).toLocaleTimeString()}), in ${ms} ms: no network used.`
        : `Answered by the edge in ${ms} ms (${answer.rows.length} rows).`;
      note.dataset["source"] = local ? "cache" : "edge";
      result.replaceChildren(table(answer.columns, answer.rows));
      drawChart(chart, answer);
    } catch (error) {
      note.textContent = "";
      showError(result, error);
    } finally {
      run.disabled = false;
    }
  };

  root.replaceChildren(
    h("h2", { textContent: "Query" }),
    h(
      "div",
      { className: "controls" },
      h("label", {}, "measure ", measure),
      h("label", {}, "event ", event),
      h("label", {}, "group by ", group),
      h("label", {}, "time bucket ", bucket),
      h("label", {}, "range ", range),
    ),
    h("p", {
      className: "note",
      textContent: "The controls write the JSON below (docs/query.md); edit it freely, then Run.",
    }),
    editor,
    h("p", {}, run),
    note,
    chart,
    result,
  );
}
