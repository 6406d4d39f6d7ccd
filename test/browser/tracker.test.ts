/**
 * The tracker in Chromium against a real edge (`wrangler dev`, started by global-setup.ts): the
 * outbox surviving an unreachable edge and a page reload, the beacon on pagehide, and in-page
 * actions reaching onAction. A "reload" is a new tracker over the same IndexedDB and
 * localStorage, as the next page load of the site would create.
 */
import { afterEach, describe, expect, inject, it, vi } from "vitest";
import {
  createTracker,
  type Action,
  type Properties,
  type Tracker,
} from "../../src/client/tracker.ts";
import { airlineTrigger } from "../../src/triggers/examples.ts";

const edge = inject("edgeUrl");
const run = crypto.randomUUID().slice(0, 8);
const trackers: Tracker[] = [];

function start(host: string, storageKey: string, flushIntervalMs = 200): Tracker {
  const t = createTracker({ host, writeKey: "demo-write-key", storageKey, flushIntervalMs });
  trackers.push(t);
  return t;
}

/** The edge's event count of `visitor` (0 when it has none). */
async function eventCount(visitor: string): Promise<number> {
  const res = await fetch(`${edge}/v1/visitors/${encodeURIComponent(visitor)}?limit=100`, {
    headers: { authorization: "Bearer demo-read-key" },
  });
  if (res.status === 404) return 0;
  expect(res.status).toBe(200);
  return ((await res.json()) as { profile: { eventCount: number } }).profile.eventCount;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(trackers.splice(0).map((t) => t.shutdown()));
});

describe("the tracker in Chromium against wrangler dev", () => {
  it("keeps events tracked while the edge is unreachable across a reload, and delivers them once", async () => {
    const storageKey = `offline-${run}`;
    const offline = start(inject("deadUrl"), storageKey);
    const visitor = offline.visitor();
    for (let n = 0; n < 5; n++) offline.track("offline step", { n });
    await offline.flush(); // fails: nothing listens there
    await offline.shutdown();
    expect(await eventCount(visitor)).toBe(0);

    const reloaded = start(edge, storageKey);
    expect(reloaded.visitor()).toBe(visitor);
    await reloaded.flush();
    expect(await eventCount(visitor)).toBe(5);

    reloaded.track("online step");
    await reloaded.flush();
    await sleep(500); // let any stray resend land before counting
    await reloaded.flush();
    expect(await eventCount(visitor)).toBe(6);
  });

  it("sends what is queued by beacon on pagehide, and the later resend is a duplicate", async () => {
    const t = start(edge, `beacon-${run}`, 60_000);
    await sleep(50);
    await t.flush(); // the start-up send is done: only a beacon can send before a minute passes
    const beacons: string[] = [];
    const send = navigator.sendBeacon.bind(navigator);
    vi.spyOn(navigator, "sendBeacon").mockImplementation((url, data) => {
      beacons.push(`${url}`);
      return send(url, data);
    });
    const visitor = t.visitor();
    for (let n = 0; n < 3; n++) t.track("leaving", { n });
    window.dispatchEvent(new PageTransitionEvent("pagehide"));

    expect(beacons).toEqual([`${edge}/v1/events?key=demo-write-key`]);
    await vi.waitFor(async () => expect(await eventCount(visitor)).toBe(3), { timeout: 10_000 });

    // The beacon had no answer, so the events are still in the outbox: sent again, stored once.
    await t.flush();
    expect(await eventCount(visitor)).toBe(3);
  });

  it("lets two tabs share one outbox through the Web Lock without sending an event twice", async () => {
    const storageKey = `tabs-${run}`;
    const tabs = [start(edge, storageKey), start(edge, storageKey)];
    const sent: string[] = [];
    const fetch = window.fetch.bind(window);
    vi.spyOn(window, "fetch").mockImplementation(async (url, init) => {
      if (`${url}`.includes("/v1/events")) {
        const body = JSON.parse(init!.body as string) as { events: { id: string }[] };
        sent.push(...body.events.map((e) => e.id));
      }
      return fetch(url, init);
    });
    const visitor = tabs[0]!.visitor();
    for (let n = 0; n < 60; n++) tabs[n % 2]!.track("step", { n });
    await Promise.all(tabs.map((t) => t.flush()));
    await vi.waitFor(async () => expect(await eventCount(visitor)).toBe(60), { timeout: 10_000 });
    expect(sent).toHaveLength(60);
    expect(new Set(sent).size).toBe(60);
  });

  it("tracks a pageview with the page's path at start when autoPageviews is on", async () => {
    const t = createTracker({
      host: edge,
      writeKey: "demo-write-key",
      storageKey: `pageview-${run}`,
      autoPageviews: true,
    });
    trackers.push(t);
    await t.flush();
    const res = await fetch(`${edge}/v1/visitors/${t.visitor()}`, {
      headers: { authorization: "Bearer demo-read-key" },
    });
    const view = (await res.json()) as { events: { name: string; properties: Properties }[] };
    expect(view.events).toMatchObject([
      { name: "pageview", properties: { path: location.pathname, url: location.href } },
    ]);
  });

  it("hands the in-page action of a trigger the events fired to onAction", async () => {
    const admin = { authorization: "Bearer demo-admin-key", "content-type": "application/json" };
    const created = await fetch(`${edge}/v1/triggers`, {
      method: "POST",
      headers: admin,
      body: JSON.stringify(
        airlineTrigger({ name: `repeat deal searcher ${run}`, webhook: null, tag: false }),
      ),
    });
    expect(created.status, await created.clone().text()).toBeLessThan(300);

    const t = start(edge, `actions-${run}`);
    const actions: Action[] = [];
    t.onAction((a) => actions.push(a));
    for (let i = 0; i < 3; i++) t.track("search", { deal: "LIS-summer" });
    await t.flush();
    expect(actions).toEqual([]);
    t.track("search", { deal: "LIS-summer" });
    await t.flush();
    await vi.waitFor(() => expect(actions).toHaveLength(1));
    expect(actions[0]).toMatchObject({
      name: `repeat deal searcher ${run}`,
      payload: { banner: "Save 20% if you book today!" },
    });
  });
});
