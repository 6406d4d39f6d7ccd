/**
 * The triggers and segments page: definitions (admin key), member counts
 * (`GET /v1/segments/:id/members`), webhook deliveries by status, recent firings (the `$fired`
 * events of the log) and a form to create a definition from JSON.
 */
import { api, type Keys } from "./api.ts";
import { h, showError, table } from "./dom.ts";
import { airlineTrigger } from "../../src/triggers/examples.ts";

interface Definition {
  id: string;
  version: number;
  name: string;
  actions?: { type: string }[];
}

const EXAMPLE = airlineTrigger({ webhook: null, tag: false });

async function members(keys: Keys, id: string): Promise<number> {
  return (await api<{ count: number }>(`/v1/segments/${id}/members?limit=1`, keys.read)).count;
}

async function deliveries(keys: Keys, id: string): Promise<string> {
  const { deliveries } = await api<{ deliveries: { status: string }[] }>(
    `/v1/triggers/${id}/deliveries?limit=1000`,
    keys.admin,
  );
  if (deliveries.length === 0) return "none";
  const by = new Map<string, number>();
  for (const d of deliveries) by.set(d.status, (by.get(d.status) ?? 0) + 1);
  return [...by].map(([s, n]) => `${n} ${s}`).join(", ");
}

async function render(out: HTMLElement, keys: Keys): Promise<void> {
  const [{ triggers }, { segments }] = await Promise.all([
    api<{ triggers: Definition[] }>("/v1/triggers", keys.admin),
    api<{ segments: Definition[] }>("/v1/segments", keys.admin),
  ]);
  const triggerRows = await Promise.all(
    triggers.map(async (t) => [
      t.name,
      t.id,
      t.version,
      (t.actions ?? []).map((a) => a.type).join(", "),
      await members(keys, t.id),
      await deliveries(keys, t.id),
    ]),
  );
  const segmentRows = await Promise.all(
    segments.map(async (s) => [s.name, s.id, s.version, await members(keys, s.id)]),
  );
  const fired = await api<{ columns: string[]; rows: unknown[][] }>("/v1/query", keys.read, {
    from: "rawEvents",
    where: { field: "name", op: "eq", value: "$fired" },
    limit: 20,
  });
  const name = fired.columns.indexOf("properties");
  out.replaceChildren(
    h("h3", { textContent: "Triggers" }),
    table(["name", "id", "version", "actions", "members", "webhook deliveries"], triggerRows),
    h("h3", { textContent: "Segments" }),
    segmentRows.length
      ? table(["name", "id", "version", "members"], segmentRows)
      : h("p", { className: "note", textContent: "none yet" }),
    h("h3", { textContent: "Recent firings" }),
    table(
      ["time", "visitor", "trigger"],
      fired.rows.map((r) => [
        r[fired.columns.indexOf("time")],
        r[1],
        (r[name] as { name?: string }).name,
      ]),
    ),
  );
}

export function triggersPage(root: HTMLElement, keys: () => Keys): void {
  const out = h("div", { id: "triggers-result", textContent: "loading…" });
  const kind = h(
    "select",
    {},
    h("option", { value: "triggers", textContent: "trigger" }),
    h("option", { value: "segments", textContent: "segment" }),
  );
  const editor = h("textarea", {
    rows: 14,
    spellcheck: false,
    value: JSON.stringify({ ...EXAMPLE, name: "my trigger" }, null, 2),
  });
  const create = h("button", { className: "primary", textContent: "Create", type: "button" });
  const created = h("p", { className: "note" });
  const refresh = () => render(out, keys()).catch((error: unknown) => showError(out, error));
  create.onclick = async () => {
    try {
      const made = await api<Definition>(
        `/v1/${kind.value}`,
        keys().admin,
        JSON.parse(editor.value),
      );
      created.textContent = `created ${made.name} (${made.id})`;
      await refresh();
    } catch (error) {
      showError(created, error);
    }
  };
  root.replaceChildren(
    h("h2", { textContent: "Triggers and segments" }),
    out,
    h("h3", { textContent: "Create from JSON (docs/triggers.md)" }),
    h("p", {}, "kind ", kind),
    editor,
    h("p", {}, create),
    created,
  );
  void refresh();
}
