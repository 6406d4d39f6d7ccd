/**
 * The two benchmark queries over one decoded event, shared by the reference and by every peer
 * that decodes to plain objects, so they all define "missing country" and "numeric price" alike.
 */
import { PURCHASE } from "./gen/events.ts";
import type { PriceByCountry } from "./subject.ts";

/** The group key for an event whose country is absent, null or not a string. */
export const MISSING_COUNTRY = "\u0000null";

/** The event shape the queries read: any decoded object with `name` and `properties`. */
export interface QueryableEvent {
  name: string;
  properties: Record<string, unknown>;
}

/**
 * Adds the event's price to its country's sum, if it has a numeric price and, when
 * `purchasesOnly`, is a purchase.
 *
 * @example
 * const sums = new Map();
 * addPrice(sums, { name: "purchase", properties: { country: "US", price: 19.99 } }, true);
 * sums.get("US"); // 19.99
 */
export function addPrice(
  sums: PriceByCountry,
  event: QueryableEvent,
  purchasesOnly: boolean,
): void {
  if (purchasesOnly && event.name !== PURCHASE) return;
  const price = event.properties["price"];
  if (typeof price !== "number") return;
  const country = event.properties["country"];
  const key = typeof country === "string" ? country : MISSING_COUNTRY;
  sums.set(key, (sums.get(key) ?? 0) + price);
}

/** Maps SQL's NULL group to the shared missing-country key. */
export function countryKey(country: unknown): string {
  return typeof country === "string" ? country : MISSING_COUNTRY;
}
