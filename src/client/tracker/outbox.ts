/**
 * The durable outbox: events wait in IndexedDB (one object store, in the order tracked) until the
 * edge acknowledged them. Every tab of a site opens the same database.
 *
 * A sender leases the events it sends: their lease end (`l`, epoch ms) makes other senders skip
 * them until it passes. A tab that dies mid-send thus delays its events by at most the lease;
 * after that any tab sends them again (the edge dedups by id).
 */
import { openDB } from "idb";
import type { WireEvent } from "./types.ts";

/** One stored event: `k` is its auto-increment key (send order), `l` its lease end (0: free). */
export interface Entry {
  k?: number;
  l: number;
  e: WireEvent;
}

/** The outbox's operations; each is one IndexedDB transaction. */
export interface Outbox {
  /** Stores an event; resolves once the write committed. */
  add(event: WireEvent): Promise<unknown>;
  /** Leases up to `n` free events, oldest first, for `ms`; returns them. */
  lease(n: number, ms: number): Promise<Entry[]>;
  /** Frees leased events, to be sent again. */
  release(entries: Entry[]): Promise<void>;
  /** Deletes acknowledged (or undeliverable) events. */
  remove(entries: Entry[]): Promise<void>;
  close(): void;
}

const STORE = "outbox";

/**
 * Opens (creating if needed) the outbox database `name`.
 *
 * @example
 * const outbox = await openOutbox("flamingo-outbox");
 * await outbox.add(event);
 * const batch = await outbox.lease(20, 30_000); // [{ k: 1, l: <now + 30 s>, e: event }]
 * await outbox.remove(batch);
 */
export async function openOutbox(name: string): Promise<Outbox> {
  const db = await openDB(name, 1, {
    upgrade: (d) => d.createObjectStore(STORE, { keyPath: "k", autoIncrement: true }),
  });
  const write = async (entries: Entry[], keep: boolean): Promise<void> => {
    const tx = db.transaction(STORE, "readwrite");
    for (const x of entries) void (keep ? tx.store.put({ ...x, l: 0 }) : tx.store.delete(x.k!));
    await tx.done;
  };
  return {
    add: (e) => db.add(STORE, { l: 0, e }),
    async lease(n, ms) {
      const now = Date.now();
      const out: Entry[] = [];
      const tx = db.transaction(STORE, "readwrite");
      for (let c = await tx.store.openCursor(); c && out.length < n; c = await c.continue()) {
        const x = c.value as Entry;
        if (x.l <= now) void c.update(out[out.push({ ...x, l: now + ms }) - 1]);
      }
      await tx.done;
      return out;
    },
    release: (entries) => write(entries, true),
    remove: (entries) => write(entries, false),
    close: () => db.close(),
  };
}
