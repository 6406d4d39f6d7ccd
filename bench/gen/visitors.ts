/**
 * Generated visitors: each keeps one country, device and browser for the whole data set, as
 * real visitors mostly do, so per-visitor columns repeat the way they do in production logs.
 */
import {
  BROWSERS,
  CITIES,
  COUNTRIES,
  DEVICES,
  FALLBACK_LOCALE,
  FIRST_NAMES,
  LAST_NAMES,
  LOCALES,
  PLANS,
} from "./domains.ts";
import { type Rng, zipf } from "./prng.ts";

export interface Visitor {
  id: string;
  country: string;
  region: string | undefined;
  city: string | undefined;
  browser: string;
  browserVersion: string;
  os: string;
  device: string;
  screen: readonly [number, number];
  language: string;
  timezone: string;
  currency: string;
  loggedIn: boolean;
  plan: string;
  fullName: string;
  email: string;
}

const country = zipf(COUNTRIES, 1.1);
const browser = zipf(BROWSERS, 1.2);
const device = zipf(Object.keys(DEVICES), 1.3);
const plan = zipf(PLANS, 1.5);

/**
 * Creates `count` visitors and a sampler that picks them with skewed activity (Zipf, s = 0.6: the
 * busiest visitor sends under 1% of events, yet most of 20k visitors appear in 200k events).
 *
 * @example
 * const { visitors, pick } = createVisitors(rng, 20_000);
 * pick(rng).id; // "v_8f3a51c0d2e4"
 */
export function createVisitors(
  rng: Rng,
  count: number,
): { visitors: Visitor[]; pick: (rng: Rng) => Visitor } {
  const visitors = Array.from({ length: count }, (): Visitor => {
    const c = country(rng);
    const place = CITIES[c] ? rng.pick(CITIES[c]) : undefined;
    const first = rng.pick(FIRST_NAMES);
    const last = rng.pick(LAST_NAMES);
    const id = `v_${rng.hex(12)}`;
    const d = device(rng);
    const [language, timezone, currency] = LOCALES[c] ?? FALLBACK_LOCALE;
    return {
      id,
      country: c,
      region: place?.[0],
      city: place?.[1],
      browser: browser(rng),
      browserVersion: `${rng.range(110, 131)}.0.${rng.range(1000, 6999)}`,
      os: rng.pick(DEVICES[d]!.os),
      device: d,
      screen: rng.pick(DEVICES[d]!.screens),
      language,
      timezone,
      currency,
      loggedIn: rng.chance(0.35),
      plan: plan(rng),
      fullName: `${first} ${last}`,
      email: `${first.toLowerCase()}.${last.toLowerCase()}.${id.slice(2, 8)}@example.com`,
    };
  });
  return { visitors, pick: zipf(visitors, 0.6) };
}
