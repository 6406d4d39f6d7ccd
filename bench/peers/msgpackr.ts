/**
 * MessagePack with msgpackr, one buffer per event as a log would store them: plain `pack` (maps
 * with their keys in every record), and msgpackr's record extension with structures shared
 * across the whole stream (its "Shared Record Structures" mode), whose byte count includes the
 * packed structures a reader needs.
 */
import { pack, Packr, unpack } from "msgpackr";
import type { FlamEvent } from "../gen/types.ts";
import { addPrice, type QueryableEvent } from "../query.ts";
import type { PriceByCountry, Subject } from "../subject.ts";

/**
 * Shared structures to allow (msgpackr's default is 32; its documented ceiling is 8160). More
 * structures means smaller records on this stream: 462 bytes/event at 32, 317 at 1000, 281 at
 * 4000. Past about 4096, msgpackr 2.1.4 silently decoded wrong values (a country came back as
 * garbage in ~0.5% of 200k events) in this harness's checks, so this stays below that.
 */
const MAX_SHARED_STRUCTURES = 4000;

interface Packed {
  buffers: Buffer[];
  /** Decodes one buffer. */
  unpack: (buffer: Buffer) => unknown;
}

function totalBytes(buffers: readonly Buffer[]): number {
  let bytes = 0;
  for (const b of buffers) bytes += b.byteLength;
  return bytes;
}

function query(data: unknown, purchasesOnly: boolean): PriceByCountry {
  const { buffers, unpack: decode } = data as Packed;
  const sums: PriceByCountry = new Map();
  for (const b of buffers) addPrice(sums, decode(b) as QueryableEvent, purchasesOnly);
  return sums;
}

function decodeAll(data: unknown): number {
  const { buffers, unpack: decode } = data as Packed;
  let count = 0;
  for (const b of buffers) if (decode(b) !== undefined) count++;
  return count;
}

/** Plain MessagePack maps via msgpackr's standalone `pack` / `unpack`. */
export function createMsgpackrSubject(): Subject {
  return {
    name: "msgpackr",
    encode(events: FlamEvent[]) {
      const buffers = events.map((e) => pack(e));
      const data: Packed = { buffers, unpack };
      return { data, bytes: totalBytes(buffers) };
    },
    decodeAll,
    q1: (data) => query(data, true),
    q2: (data) => query(data, false),
  };
}

/**
 * msgpackr records with shared structures. The reader loads the saved structures through
 * `getStructures`, as a reader of persisted data would (given them as `structures` instead, a
 * reader fails past 32 of them).
 */
export function createMsgpackrRecordsSubject(): Subject {
  return {
    name: "msgpackr-records",
    encode(events: FlamEvent[]) {
      const structures: object[] & { sharedLength?: number } = [];
      const packr = new Packr({
        useRecords: true,
        structures,
        maxSharedStructures: MAX_SHARED_STRUCTURES,
      });
      const buffers = events.map((e) => packr.pack(e));
      // What a reader must store alongside the records: the shared structures only (the array
      // also holds per-record ones past `sharedLength`).
      const saved = pack(structures.slice(0, structures.sharedLength ?? structures.length));
      const reader = new Packr({
        useRecords: true,
        maxSharedStructures: MAX_SHARED_STRUCTURES,
        getStructures: () => unpack(saved) as object[],
      });
      const data: Packed = { buffers, unpack: (b) => reader.unpack(b) };
      return { data, bytes: totalBytes(buffers) + saved.byteLength };
    },
    decodeAll,
    q1: (data) => query(data, true),
    q2: (data) => query(data, false),
  };
}
