/** The visitor page: `GET /v1/visitors/:id`, the profile's properties and the event timeline. */
import { api, type Keys } from "./api.ts";
import { cellText, h, showError, table } from "./dom.ts";

interface VisitorView {
  profile: {
    visitor: string;
    properties: Record<string, unknown>;
    firstSeen: number;
    lastSeen: number;
    eventCount: number;
    counts: Record<string, number>;
  };
  events: { id: string; name: string; time: number; properties: Record<string, unknown> }[];
}

export function visitorPage(root: HTMLElement, keys: () => Keys, id: string): void {
  const input = h("input", { id: "visitor-id", value: id, placeholder: "visitor id", size: 40 });
  const out = h("div", { id: "visitor-result" });
  const form = h(
    "form",
    {},
    input,
    " ",
    h("button", { className: "primary", textContent: "Show", type: "submit" }),
  );
  form.onsubmit = (e) => {
    e.preventDefault();
    location.hash = `#visitor/${encodeURIComponent(input.value.trim())}`;
  };
  root.replaceChildren(h("h2", { textContent: "Visitor profile" }), form, out);
  if (id === "") {
    out.replaceChildren(
      h("p", {
        className: "note",
        textContent: "Enter an id, or follow a visitor link from another page.",
      }),
    );
    return;
  }
  out.textContent = "loading…";
  api<VisitorView>(`/v1/visitors/${encodeURIComponent(id)}?limit=200`, keys().read)
    .then(({ profile, events }) => {
      const facts: [string, unknown][] = [
        ["first seen", cellText("time", profile.firstSeen)],
        ["last seen", cellText("time", profile.lastSeen)],
        ["events", profile.eventCount],
        ...Object.entries(profile.properties),
      ];
      out.replaceChildren(
        h("h3", { textContent: "Properties" }),
        table(["property", "value"], facts),
        h("h3", { textContent: `Timeline (newest ${events.length})` }),
        table(
          ["time", "name", "properties"],
          events.map((e) => [e.time, e.name, e.properties]),
        ),
      );
    })
    .catch((error: unknown) => showError(out, error));
}
