/**
 * The first-run experience end to end (issue 7): `npm start` (scripts/start.mjs) on a free port
 * with a fresh state directory and a small seed, driven by playwright-core in Debian's Chromium.
 * Screenshots go to test/e2e/__screenshots__/ for a person to look at.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHROMIUM_ARGS, findChromium } from "../../scripts/chromium.mjs";
import { freePort } from "../helpers/free-port.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
const shots = join(root, "test/e2e/__screenshots__");
const READ = "demo-read-key";

let origin = "";
let state = "";
let server: ChildProcess;
let browser: Browser;
let output = "";

async function stopServer(): Promise<void> {
  if (server?.pid !== undefined && server.exitCode === null) {
    const exited = new Promise((r) => server.once("exit", r));
    process.kill(-server.pid, "SIGINT");
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    if (server.exitCode === null) process.kill(-server.pid, "SIGKILL");
  }
  if (state) rmSync(state, { recursive: true, force: true });
}

beforeAll(async () => {
  mkdirSync(shots, { recursive: true });
  const port = await freePort();
  origin = `http://127.0.0.1:${port}`;
  state = mkdtempSync(join(tmpdir(), "flamingo-e2e-"));
  server = spawn(process.execPath, [join(root, "scripts/start.mjs")], {
    cwd: root,
    env: {
      ...process.env,
      PORT: String(port),
      FLAMINGO_STATE: state,
      FLAMINGO_SEED_EVENTS: "2000",
    },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true, // its own process group: start, wrangler and workerd stop together
  });
  const ready = new Promise<void>((resolve, reject) => {
    const read = (d: Buffer) => {
      output = (output + d.toString()).slice(-8000);
      if (output.includes("flamingo: ready")) resolve();
    };
    server.stdout!.on("data", read);
    server.stderr!.on("data", read);
    server.once("exit", () => reject(new Error(`npm start exited:\n${output}`)));
  });
  await Promise.race([
    ready,
    new Promise((_, reject) =>
      setTimeout(() => reject(new Error(`npm start not ready:\n${output}`)), 240_000),
    ),
  ]);
  browser = await chromium.launch({
    executablePath: findChromium()!,
    args: [...CHROMIUM_ARGS],
  });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await stopServer();
}, 30_000);

async function open(path: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(origin + path);
  return page;
}

describe("npm start", () => {
  it("seeds the demo data and creates the airline trigger", async () => {
    expect(output).toMatch(/seed: trigger "repeat deal searcher" created/);
    const res = await fetch(`${origin}/v1/query`, {
      method: "POST",
      headers: { authorization: `Bearer ${READ}` },
      body: JSON.stringify({ from: "events", select: [{ fn: "count" }] }),
    });
    const { rows } = (await res.json()) as { rows: [number][] };
    expect(rows[0]![0]).toBeGreaterThanOrEqual(2000);
  });
});

describe("the demo site", () => {
  it("shows the banner within 200 ms of the fourth search of one deal", async () => {
    const page = await open("/demo/");
    await page.click("#new-visitor");
    const search = page.locator('button[data-deal="LIS-BER"]');
    for (let i = 0; i < 3; i++) {
      const answered = page.waitForResponse((r) => r.url().includes("/v1/events"));
      await search.click();
      await answered;
    }
    expect(await page.isVisible("#banner")).toBe(false);
    await search.click();
    await page.waitForSelector("#banner", { state: "visible", timeout: 5000 });
    expect(await page.textContent("#banner-text")).toBe("Save 20% if you book today!");
    const ms = Number(await page.getAttribute("#latency", "data-ms"));
    console.log(`e2e: click to banner ${ms} ms`);
    await page.screenshot({ path: join(shots, "demo.png") });
    expect(ms).toBeLessThan(200);
    await page.close();
  }, 60_000);
});

describe("the dashboard", () => {
  it("answers a query with a table and a chart", async () => {
    const page = await open("/dashboard/#query");
    await page.click("#run-query");
    await page.waitForSelector("#query-chart canvas", { timeout: 30_000 });
    expect(await page.locator("#query-result tbody tr").count()).toBeGreaterThan(0);
    expect(await page.getAttribute("#query-note", "data-source")).toBe("edge");
    await page.screenshot({ path: join(shots, "dashboard-query.png") });
    await page.close();
  }, 60_000);

  it("shows a new event on the live stream", async () => {
    const page = await open("/dashboard/#live");
    await page.waitForSelector("#live-status:has-text('connected')", { timeout: 20_000 });
    const name = `e2e_live_${Date.now()}`;
    await fetch(`${origin}/v1/events`, {
      method: "POST",
      headers: { authorization: "Bearer demo-write-key" },
      body: JSON.stringify({ events: [{ visitor: "e2e-live", name, properties: { via: "e2e" } }] }),
    });
    await page.waitForSelector(`tr[data-name="${name}"]`, { timeout: 20_000 });
    await page.screenshot({ path: join(shots, "dashboard-live.png") });
    await page.close();
  }, 60_000);

  it("answers the query page from the cache with the network off, and says so", async () => {
    const page = await open("/dashboard/#offline");
    await page.click("#sync-cache");
    await page.waitForSelector("#offline-status:has-text('Cache:')", { timeout: 60_000 });
    await page.context().setOffline(true);
    await page.check("#offline-toggle");
    await page.evaluate(() => (location.hash = "#query"));
    await page.click("#run-query");
    await page.waitForSelector("#query-note[data-source='cache']", { timeout: 30_000 });
    expect(await page.textContent("#query-note")).toMatch(/offline from the local cache/);
    expect(await page.locator("#query-result tbody tr").count()).toBeGreaterThan(0);
    await page.screenshot({ path: join(shots, "dashboard-offline.png") });
    await page.context().setOffline(false);
    await page.close();
  }, 120_000);
});
