/**
 * NDJSON: one `JSON.stringify`'d event per line, as UTF-8 bytes. The queries parse every line in
 * full: this is the "JSON.parse" baseline every other subject is compared with.
 */
import type { FlamEvent } from "../gen/types.ts";
import { addPrice, type QueryableEvent } from "../query.ts";
import type { PriceByCountry, Subject } from "../subject.ts";

/** Serializes events as NDJSON bytes (each line ends with "\n"). */
export function toNdjson(events: readonly FlamEvent[]): Buffer {
  let text = "";
  for (const e of events) text += JSON.stringify(e) + "\n";
  return Buffer.from(text, "utf8");
}

function lines(data: unknown): string[] {
  const text = (data as Buffer).toString("utf8");
  const all = text.split("\n");
  all.pop(); // the empty string after the final newline
  return all;
}

function query(data: unknown, purchasesOnly: boolean): PriceByCountry {
  const sums: PriceByCountry = new Map();
  for (const line of lines(data)) addPrice(sums, JSON.parse(line) as QueryableEvent, purchasesOnly);
  return sums;
}

/**
 * @example
 * const s = createNdjsonSubject();
 * s.q1(s.encode(events).data);
 */
export function createNdjsonSubject(): Subject {
  return {
    name: "ndjson",
    encode(events) {
      const data = toNdjson(events);
      return { data, bytes: data.byteLength };
    },
    decodeAll(data) {
      let count = 0;
      for (const line of lines(data)) if (JSON.parse(line) !== null) count++;
      return count;
    },
    q1: (data) => query(data, true),
    q2: (data) => query(data, false),
  };
}
