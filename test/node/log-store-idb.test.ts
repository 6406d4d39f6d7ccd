import "fake-indexeddb/auto";
import { IndexedDbLogStore, openCacheDb } from "../../src/client/cache.ts";
import { describeLogStore } from "../conformance/log-store.case.ts";

// One database per name: a reopen opens the same database again, as a page reload would.
describeLogStore("indexeddb (fake-indexeddb)", async (name) => {
  return new IndexedDbLogStore(await openCacheDb(`conformance-${name}`), "p0");
});
