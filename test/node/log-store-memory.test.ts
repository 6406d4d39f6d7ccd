import { MemoryLogStore } from "../../src/log/index.ts";
import { describeLogStore } from "../conformance/log-store.case.ts";

// A reopen of the same name returns the same store object: memory has no other way to persist.
const stores = new Map<string, MemoryLogStore>();
describeLogStore("memory", async (name) => {
  let s = stores.get(name);
  if (s === undefined) stores.set(name, (s = new MemoryLogStore()));
  return s;
});
