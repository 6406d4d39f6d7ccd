/**
 * The one interface every benchmarked format implements: FlaM and each peer. The harness times
 * `decodeAll`, `q1` and `q2` on the data `encode` returned, and checks every answer.
 *
 * `bench/flam-subject.ts` provides FlaM: its default export is a `Subject`, or a function that
 * returns one (or a promise of one).
 *
 * @example
 * const subject: Subject = createNdjsonSubject();
 * const { data, bytes } = await subject.encode(events);
 * await subject.q1(data); // Map { "US" => 123456.78, ... }
 */
import type { FlamEvent } from "./gen/types.ts";

export type { FlamEvent } from "./gen/types.ts";

/** Sums of price keyed by country; a missing or null country is `MISSING_COUNTRY`. */
export type PriceByCountry = Map<string, number>;

export interface Subject {
  name: string;
  /**
   * Encodes all events; returns the encoded form and its total byte size, counting everything a
   * reader needs (shared dictionaries, structures). `bytes` is null where a size per event would
   * mislead (an in-memory database).
   */
  encode(events: FlamEvent[]): Promise<Encoded> | Encoded;
  /** Decodes everything into JS objects; returns the number of events decoded. */
  decodeAll(data: unknown): number | Promise<number>;
  /** Q1: sum(price) by country where name = "purchase" and price is a number. */
  q1(data: unknown): PriceByCountry | Promise<PriceByCountry>;
  /** Q2: sum(price) by country over all events whose price is a number. */
  q2(data: unknown): PriceByCountry | Promise<PriceByCountry>;
  /** Releases what `encode` created (connections, temp files). */
  close?(): Promise<void> | void;
}

export interface Encoded {
  data: unknown;
  bytes: number | null;
}
