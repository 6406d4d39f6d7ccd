/**
 * The live page: the project's new events as they arrive, from `GET /v1/stream` (server-sent
 * events; the Worker polls the partitions once a second, src/edge/routes/stream.ts).
 */
import type { Keys } from "./api.ts";
import { cellText, h, visitorLink } from "./dom.ts";

const KEEP = 200;

interface StreamEvent {
  id: string;
  visitor: string;
  name: string;
  time: number;
  properties: Record<string, unknown>;
}

/** Starts the page; returns a function that closes its stream. */
export function livePage(root: HTMLElement, keys: () => Keys): () => void {
  const status = h("p", { id: "live-status", className: "note", textContent: "connecting…" });
  const rows = h("tbody", { id: "live-rows" });
  let count = 0;
  root.replaceChildren(
    h("h2", { textContent: "Live events" }),
    status,
    h(
      "table",
      {},
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          ...["time", "name", "visitor", "properties"].map((c) => h("th", { textContent: c })),
        ),
      ),
      rows,
    ),
  );
  const source = new EventSource(`/v1/stream?key=${encodeURIComponent(keys().read)}`);
  source.addEventListener(
    "hello",
    () => (status.textContent = "connected: new events appear at the top"),
  );
  source.addEventListener("event", (message) => {
    const e = JSON.parse((message as MessageEvent<string>).data) as StreamEvent;
    count++;
    status.textContent = `connected: ${count} events since the page opened`;
    const row = h(
      "tr",
      { className: "fresh", dataset: { name: e.name } },
      h("td", { textContent: cellText("time", e.time) }),
      h("td", { textContent: e.name }),
      h("td", {}, visitorLink(e.visitor)),
      h("td", { className: "props", textContent: JSON.stringify(e.properties) }),
    );
    rows.prepend(row);
    while (rows.children.length > KEEP) rows.lastElementChild!.remove();
  });
  source.addEventListener("failure", (message) => {
    status.textContent = `the edge could not answer: ${(message as MessageEvent<string>).data}`;
  });
  source.onerror = () => {
    status.textContent = "disconnected: reconnecting…";
  };
  return () => source.close();
}
