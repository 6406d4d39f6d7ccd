/** The offline page: sync the log cache, and switch the query page to answer from it. */
import type { Keys } from "./api.ts";
import { h, showError } from "./dom.ts";
import { offline, syncCache } from "./offline.ts";

function describe(): string {
  if (offline.cache === null) return "No cache yet: sync once while online.";
  const mb = (offline.bytes / 1024 / 1024).toFixed(1);
  return `Cache: ${offline.blocks} blocks, ${mb} MB, synced ${new Date(offline.syncedAt!).toLocaleTimeString()}.`;
}

export function offlinePage(root: HTMLElement, keys: () => Keys, onChange: () => void): void {
  const status = h("p", { id: "offline-status", textContent: describe() });
  const sync = h("button", {
    id: "sync-cache",
    className: "primary",
    textContent: "Sync the cache",
    type: "button",
  });
  const toggle = h("input", {
    id: "offline-toggle",
    type: "checkbox",
    checked: offline.enabled,
    disabled: offline.cache === null,
  });
  sync.onclick = async () => {
    sync.disabled = true;
    status.textContent = "syncing…";
    try {
      await syncCache(keys().read);
      status.textContent = describe();
      toggle.disabled = false;
    } catch (error) {
      showError(status, error);
    } finally {
      sync.disabled = false;
    }
  };
  toggle.onchange = () => {
    offline.enabled = toggle.checked;
    onChange();
  };
  root.replaceChildren(
    h("h2", { textContent: "Offline mode" }),
    h("p", {
      className: "note",
      textContent:
        "The dashboard keeps a copy of the project's log in IndexedDB (the SDK's log cache, with a read token from POST /v1/tokens) " +
        "and answers the query page from it with the same engine as the edge, WebAssembly included, with the network off.",
    }),
    h("p", {}, sync),
    status,
    h(
      "label",
      {},
      toggle,
      " Answer queries from the cache (also used whenever the browser is offline)",
    ),
  );
}
