/** The formats FlaM is measured against, each a `Subject`. */
import type { Subject } from "../subject.ts";
import { createDuckdbNdjsonSubject, createDuckdbTableSubject } from "./duckdb.ts";
import { createMsgpackrRecordsSubject, createMsgpackrSubject } from "./msgpackr.ts";
import { createNdjsonSubject } from "./ndjson.ts";

export { createDuckdbNdjsonSubject, createDuckdbTableSubject, DUCKDB_THREADS } from "./duckdb.ts";
export { createMsgpackrRecordsSubject, createMsgpackrSubject } from "./msgpackr.ts";
export { createNdjsonSubject, toNdjson } from "./ndjson.ts";

/** Every peer, in the order the bench reports them. */
export const PEERS: readonly (() => Subject)[] = [
  createNdjsonSubject,
  createMsgpackrSubject,
  createMsgpackrRecordsSubject,
  createDuckdbTableSubject,
  createDuckdbNdjsonSubject,
];
