import { env as bindings } from "cloudflare:workers";
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import type { LogStore } from "../../src/log/index.ts";
import { SqliteLogStore } from "../../src/edge/partition/sqlite-log-store.ts";
import type { Env } from "../../src/edge/env.ts";
import { describeLogStore } from "../conformance/log-store.case.ts";

// The Worker's bindings (the test pool types `env` as the empty `Cloudflare.Env`).
const env = bindings as Env;

/**
 * A LogStore over the storage of the partition object `name`. Each call runs inside the object
 * (storage belongs to it), through a store built for that call: all the store's state is in
 * SQLite, so nothing is carried between calls but the data itself.
 */
function storeOf(name: string): LogStore {
  const stub = env.PARTITION.getByName(name);
  const inObject = <R>(call: (store: SqliteLogStore) => Promise<R>): Promise<R> =>
    runInDurableObject(stub, (_, state) => call(new SqliteLogStore(state.storage)));
  return {
    blocks: (range) => inObject((s) => s.blocks(range)),
    readBlock: (first) => inObject((s) => s.readBlock(first)),
    tail: () => inObject((s) => s.tail()),
    appendTail: (segment) => inObject((s) => s.appendTail(segment)),
    seal: (blocks, replaces) => inObject((s) => s.seal(blocks, replaces)),
  };
}

// Opening a name seen before evicts its object first: the reopened store reads what the
// storage kept, not what an instance remembered.
const opened = new Set<string>();
describeLogStore("durable-object-sqlite", async (name) => {
  const stub = env.PARTITION.getByName(name);
  if (opened.has(name)) await evictDurableObject(stub);
  opened.add(name);
  return storeOf(name);
});
