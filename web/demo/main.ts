/**
 * The demo site: an airline-deals page that embeds the tracker (src/client/tracker.ts). Each
 * "Search" tracks a `search` event with the deal; the fourth search of one deal in a row makes
 * the trigger "repeat deal searcher" (created by `npm start`) answer with an in-page action, shown
 * as a banner with the time from the click to the banner. Served by the Worker at /demo/.
 */
import { createTracker, type Action, type Tracker } from "../../src/client/tracker.ts";

const WRITE_KEY = new URLSearchParams(location.search).get("key") ?? "demo-write-key";
const STORAGE_KEY = "skydeals";
const DEALS = [
  { deal: "SFO-NYC", price: 189 },
  { deal: "LIS-BER", price: 79 },
  { deal: "LON-TYO", price: 612 },
  { deal: "PAR-MIA", price: 398 },
  { deal: "SYD-SIN", price: 255 },
  { deal: "AMS-ROM", price: 64 },
];

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
let tracker: Tracker;
/** performance.now() of the latest click, to measure click-to-banner time. */
let clickedAt = 0;

function start(): void {
  // One event per request: the banner comes back in the answer to the fourth search at once,
  // instead of after the tracker's one-second batching window.
  tracker = createTracker({
    host: location.origin,
    writeKey: WRITE_KEY,
    storageKey: STORAGE_KEY,
    batchSize: 1,
  });
  tracker.onAction(showBanner);
  tracker.page();
  $("visitor").textContent = tracker.visitor();
  $("log").replaceChildren();
  $("banner").hidden = true;
}

function showBanner(action: Action): void {
  const ms = performance.now() - clickedAt;
  const banner = (action.payload as { banner?: unknown }).banner;
  $("banner-text").textContent =
    typeof banner === "string" ? banner : JSON.stringify(action.payload);
  $("latency").textContent =
    `shown ${ms.toFixed(0)} ms after your click (trigger "${action.name}")`;
  $("latency").dataset["ms"] = ms.toFixed(1);
  $("banner").hidden = false;
}

function track(name: string, properties: Record<string, string | number>): void {
  clickedAt = performance.now();
  tracker.track(name, properties);
  const item = document.createElement("li");
  item.textContent = `${name} ${JSON.stringify(properties)}`;
  $("log").prepend(item);
}

function renderDeals(): void {
  for (const { deal, price } of DEALS) {
    const li = document.createElement("li");
    const route = Object.assign(document.createElement("div"), {
      className: "route",
      textContent: deal.replace("-", " → "),
    });
    const cost = Object.assign(document.createElement("div"), {
      className: "price",
      textContent: `from $${price}`,
    });
    const search = Object.assign(document.createElement("button"), {
      className: "primary",
      textContent: "Search",
      type: "button",
    });
    search.dataset["deal"] = deal;
    search.onclick = () => track("search", { deal, destination: deal.slice(4) });
    const book = Object.assign(document.createElement("button"), {
      textContent: "Book",
      type: "button",
    });
    book.onclick = () => {
      track("book", { deal, price });
      // Booked visitors leave the segment: the trigger's `not booked` condition.
      tracker.identify(tracker.visitor(), { booked: true });
    };
    li.append(route, cost, search, " ", book);
    $("deals").append(li);
  }
}

$("new-visitor").onclick = async () => {
  await tracker.shutdown();
  // A fresh anonymous id: the tracker makes one when none is stored.
  localStorage.removeItem(`${STORAGE_KEY}-visitor`);
  start();
};

renderDeals();
start();
