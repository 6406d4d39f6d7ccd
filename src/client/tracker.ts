/**
 * The tracker: what a site embeds (docs/sdk.md). Events go to a durable outbox in IndexedDB
 * first, then to the edge in batches; they leave the outbox only when the edge acknowledged them,
 * so a closed tab, a lost network or a 5xx loses nothing. This entry point must stay within 4 KB
 * minified and gzipped (`npm run size:tracker`); the query engine is a separate entry.
 */
import { loadVisitor, saveVisitor, uuid } from "./tracker/ids.ts";
import { openOutbox, type Entry } from "./tracker/outbox.ts";
import { post } from "./tracker/post.ts";
import { backoff } from "./tracker/retry.ts";
import type { Action, Properties, WireEvent } from "./tracker/types.ts";

export type { Action, Properties, WireEvent } from "./tracker/types.ts";

/** Options of {@link createTracker}. */
export interface TrackerOptions {
  /** The edge's origin, e.g. `"https://flamingo.example.com"` (no trailing slash). */
  host: string;
  /** The project's write key (public: it can only append events). */
  writeKey: string;
  /** Track a `pageview` at start and on `popstate`. Defaults to `false`. */
  autoPageviews?: boolean;
  /** Events per request, and how many queued events trigger a send at once. Defaults to 20. */
  batchSize?: number;
  /** The longest an event waits to be batched, in ms. Defaults to 1000. */
  flushIntervalMs?: number;
  /**
   * Prefix of the storage names: IndexedDB `<storageKey>-outbox`, localStorage
   * `<storageKey>-visitor`, Web Lock `<storageKey>-outbox`. Defaults to `"flamingo"`.
   */
  storageKey?: string;
}

/** A running tracker; see {@link createTracker}. */
export interface Tracker {
  /** Queues an event of this visitor; it is stored in the outbox before anything is sent. */
  track(name: string, properties?: Properties): void;
  /**
   * Switches the visitor to `id` (kept across page loads) and tracks an `identify` event with
   * `traits` as visitor properties and the previous visitor id as property `anonymousId`.
   */
  identify(id: string, traits?: Properties): void;
  /** Tracks a `pageview` with `url`, `path`, `title`, `referrer`, plus `properties`. */
  page(properties?: Properties): void;
  /** Calls `handler` with every in-page action the edge answers with; returns an unsubscribe. */
  onAction(handler: (action: Action) => void): () => void;
  /** Sends what the outbox holds; resolves when it is empty, or a send failed and a retry is scheduled. */
  flush(): Promise<void>;
  /** The current visitor id. */
  visitor(): string;
  /** Stops timers and listeners, waits for pending writes and sends, and closes the outbox. */
  shutdown(): Promise<void>;
}

/** How long a sender owns the events it sends; a crashed tab's events wait this long. */
const LEASE_MS = 30_000;

/**
 * Starts a tracker.
 *
 * @example
 * const flamingo = createTracker({ host: "https://flamingo.example.com", writeKey: "wk_..." });
 * flamingo.onAction((action) => showBanner(action.payload));
 * flamingo.track("search", { destination: "LIS", deal: "summer" });
 * flamingo.identify("user-42", { plan: "pro" });
 */
export function createTracker(options: TrackerOptions): Tracker {
  const { host, writeKey, batchSize = 20, flushIntervalMs = 1000 } = options;
  const name = `${options.storageKey ?? "flamingo"}-`;
  const url = `${host}/v1/events?key=${encodeURIComponent(writeKey)}`;
  const outbox = openOutbox(name + "outbox");
  const handlers = new Set<(action: Action) => void>();
  // This page's events that were neither acknowledged nor beaconed yet: what a beacon carries.
  const unsent = new Map<string, WireEvent>();
  const win = typeof window === "undefined" ? undefined : window;
  const locks = globalThis.navigator?.locks;
  // Background failures go to the console once per page, not once per batch.
  let warned = false;
  const warn = (message: unknown): void => {
    if (!warned) console.warn("flamingo:", message);
    warned = true;
  };

  let visitor = loadVisitor(name + "visitor");
  let writes: Promise<unknown> = outbox.catch(warn); // no IndexedDB: said once, not unhandled
  let sends = Promise.resolve();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let due = 0;
  let notBefore = 0;
  let attempt = 0;
  let stopped = false;

  function track(event: string, properties: Properties = {}, traits?: Properties): void {
    // A JSON copy: later changes to the caller's objects must not reach the queued event, and
    // what JSON cannot hold (cycles, BigInts) throws here, in the caller's hands.
    const e: WireEvent = JSON.parse(
      JSON.stringify({
        id: uuid(),
        visitor,
        name: event,
        time: Date.now(),
        properties,
        visitorProperties: traits,
      }),
    );
    unsent.set(e.id, e);
    writes = writes.then(() => outbox.then((o) => o.add(e))).catch(warn);
    schedule(unsent.size >= batchSize ? 0 : flushIntervalMs);
  }

  /** Sends at `ms` from now, or earlier if already due, but never before a backoff ends. */
  function schedule(ms: number): void {
    const at = Math.max(Date.now() + ms, notBefore);
    if (stopped || (timer !== undefined && due <= at)) return;
    clearTimeout(timer);
    due = at;
    timer = setTimeout(() => {
      timer = undefined;
      // A timer set before a backoff began must not cut it short.
      if (Date.now() < notBefore) schedule(0);
      else void flush();
    }, at - Date.now());
  }

  async function drain(): Promise<void> {
    await writes;
    const o = await outbox;
    for (let batch: Entry[]; (batch = await o.lease(batchSize, LEASE_MS)).length;) {
      const r = await post(
        url,
        batch.map((x) => x.e),
      );
      if ("retry" in r) {
        await o.release(batch);
        notBefore = Date.now() + (r.retry ?? backoff(attempt));
        attempt++;
        return schedule(0);
      }
      attempt = notBefore = 0;
      if ("drop" in r) warn(`dropped ${batch.length} undeliverable events: ${r.drop}`);
      else {
        for (const a of r.answer.actions ?? [])
          for (const h of handlers) queueMicrotask(() => h(a));
        const bad = r.answer.results?.find((x) => x.status === "rejected");
        if (bad) warn(`event rejected: ${bad.code} ${bad.message}`);
      }
      await o.remove(batch);
      for (const x of batch) unsent.delete(x.e.id);
    }
  }

  // One sender per site: the tab holding the lock sends, the others leave their events to it
  // and look again later. Without Web Locks the leases alone keep senders apart.
  async function send(): Promise<void> {
    if (!locks) return drain();
    await locks.request(name + "outbox", { ifAvailable: true }, (lock) =>
      lock ? drain() : schedule(flushIntervalMs),
    );
  }
  const flush = (): Promise<void> => (stopped ? sends : (sends = sends.then(send).catch(warn)));

  // A leaving page may not finish an IndexedDB read or a fetch, so its unsent events go out now,
  // from memory, by beacon. They stay in the outbox: the beacon has no answer, so the next page
  // load sends them again and the edge answers `duplicate`.
  function beacon(): void {
    const events = [...unsent.values()];
    unsent.clear();
    for (let i = 0; i < events.length; i += batchSize) {
      navigator.sendBeacon(
        url,
        JSON.stringify({ events: events.slice(i, i + batchSize), sentAt: Date.now() }),
      );
    }
  }
  const onHidden = (): void => {
    if (document.visibilityState === "hidden") beacon();
  };
  const page = (properties?: Properties): void =>
    track("pageview", {
      url: location.href,
      path: location.pathname,
      title: document.title,
      referrer: document.referrer,
      ...properties,
    });
  const onPopState = (): void => page();
  const online = (): void => void flush();
  const listeners = [
    ["pagehide", beacon],
    ["visibilitychange", onHidden],
    ["online", online],
    ...(options.autoPageviews ? [["popstate", onPopState] as const] : []),
  ] as const;
  for (const [type, f] of listeners) win?.addEventListener(type, f);
  if (options.autoPageviews) page();
  schedule(0); // what earlier pages left in the outbox

  return {
    track: (event, properties) => track(event, properties),
    identify(id, traits) {
      const previous = visitor;
      visitor = saveVisitor(name + "visitor", id);
      track("identify", previous === id ? {} : { anonymousId: previous }, traits ?? {});
    },
    page,
    onAction(handler) {
      handlers.add(handler);
      return () => void handlers.delete(handler);
    },
    flush,
    visitor: () => visitor,
    async shutdown() {
      stopped = true;
      clearTimeout(timer);
      for (const [type, f] of listeners) win?.removeEventListener(type, f);
      await writes;
      await sends;
      (await outbox).close();
    },
  };
}
