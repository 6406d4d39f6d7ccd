/** Small DOM helpers shared by the dashboard's pages. */

/** An element with attributes/properties and children. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Partial<HTMLElementTagNameMap[K]> & { dataset?: Record<string, string> } = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const { dataset, ...rest } = props;
  const el = Object.assign(document.createElement(tag), rest);
  if (dataset) Object.assign(el.dataset, dataset);
  el.append(...children);
  return el;
}

/** A cell's text: times as local dates, objects as JSON. */
export function cellText(column: string, value: unknown): string {
  if (value === null || value === undefined) return "–";
  if (typeof value === "number" && /^(time|receivedAt|firstSeen|lastSeen|createdAt)$/.test(column))
    return new Date(value).toLocaleString();
  if (typeof value === "number")
    return Number.isInteger(value) ? value.toLocaleString() : value.toFixed(2);
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

/** A link to a visitor's profile page. */
export function visitorLink(id: string): HTMLAnchorElement {
  return h("a", { href: `#visitor/${encodeURIComponent(id)}`, textContent: id });
}

/** A table of `columns` x `rows`; a `visitor` column links to the profile page. */
export function table(columns: string[], rows: unknown[][]): HTMLTableElement {
  const head = h("tr", {}, ...columns.map((c) => h("th", { textContent: c })));
  const body = rows.map((row) =>
    h(
      "tr",
      {},
      ...columns.map((c, i) =>
        h(
          "td",
          {},
          c === "visitor" && typeof row[i] === "string" ? visitorLink(row[i]) : cellText(c, row[i]),
        ),
      ),
    ),
  );
  return h("table", {}, h("thead", {}, head), h("tbody", {}, ...body));
}

/** Shows `message` in `target` as an error. */
export function showError(target: HTMLElement, error: unknown): void {
  target.replaceChildren(
    h("p", {
      className: "error",
      textContent: error instanceof Error ? error.message : String(error),
    }),
  );
}
