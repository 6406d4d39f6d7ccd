/**
 * The dashboard (docs/dashboard.md), served by the Worker at /dashboard/: one page per hash
 * (#live, #query, #triggers, #visitor/<id>, #offline), keys from the login form.
 */
import "uplot/dist/uPlot.min.css";
import { loadKeys, saveKeys, type Keys } from "./api.ts";
import { h } from "./dom.ts";
import { livePage } from "./live-page.ts";
import { offline } from "./offline.ts";
import { offlinePage } from "./offline-page.ts";
import { queryPage } from "./query-page.ts";
import { triggersPage } from "./triggers-page.ts";
import { visitorPage } from "./visitor-page.ts";

const PAGES = ["live", "query", "triggers", "visitor", "offline"] as const;
const TITLES: Record<(typeof PAGES)[number], string> = {
  live: "Live",
  query: "Query",
  triggers: "Triggers & segments",
  visitor: "Visitor",
  offline: "Offline",
};

let keys: Keys = loadKeys();
const getKeys = () => keys;
const main = document.getElementById("page")!;
const badge = document.getElementById("mode")!;
let closePage: (() => void) | null = null;

function showMode(): void {
  const local = offline.cache !== null && (offline.enabled || !navigator.onLine);
  badge.textContent = local
    ? "offline: answers from the local cache"
    : navigator.onLine
      ? "online"
      : "offline";
  badge.className = local ? "mode cached" : "mode";
}

function route(): void {
  closePage?.();
  closePage = null;
  const [page = "live", ...rest] = location.hash.slice(1).split("/");
  const name = (PAGES as readonly string[]).includes(page)
    ? (page as (typeof PAGES)[number])
    : "live";
  for (const link of document.querySelectorAll<HTMLAnchorElement>("nav a"))
    link.classList.toggle("active", link.hash === `#${name}`);
  if (name === "live") closePage = livePage(main, getKeys);
  else if (name === "query") queryPage(main, getKeys);
  else if (name === "triggers") triggersPage(main, getKeys);
  else if (name === "visitor") visitorPage(main, getKeys, decodeURIComponent(rest.join("/")));
  else offlinePage(main, getKeys, showMode);
}

function login(): void {
  const read = document.getElementById("read-key") as HTMLInputElement;
  const admin = document.getElementById("admin-key") as HTMLInputElement;
  read.value = keys.read;
  admin.value = keys.admin;
  document.getElementById("login")!.onsubmit = (e) => {
    e.preventDefault();
    keys = { read: read.value.trim(), admin: admin.value.trim() };
    saveKeys(keys);
    route();
  };
}

document
  .querySelector("nav")!
  .append(...PAGES.map((p) => h("a", { href: `#${p}`, textContent: TITLES[p] })));
login();
window.addEventListener("hashchange", route);
window.addEventListener("online", showMode);
window.addEventListener("offline", showMode);
showMode();
route();
