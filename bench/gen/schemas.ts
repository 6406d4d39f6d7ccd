/**
 * What each event name carries: ~50 names in popularity order (the generator weights rank r by
 * 1/r, so `purchase` at rank 6 is about 3.7% of events), each a fixed union of property groups.
 * Every field says how often it is present and how often it is an explicit null.
 */
import {
  CATEGORIES,
  ERROR_CODES,
  PAYMENT_METHODS,
  PLANS,
  REFERRERS,
  SEARCH_TERMS,
  URLS,
  UTM_CAMPAIGNS,
  UTM_MEDIUMS,
  UTM_SOURCES,
  type Product,
} from "./domains.ts";
import { type Rng, zipf } from "./prng.ts";
import type { Scalar } from "./types.ts";
import type { Visitor } from "./visitors.ts";

/** Everything a field may draw on for one event. */
export interface EventContext {
  rng: Rng;
  time: number;
  visitor: Visitor;
  sessionId: string;
  product: Product;
  quantity: number;
  /** The `price` of this event in integer cents: one item, or a whole order for a purchase. */
  priceCents: number;
  orderId: string;
  origin: string;
  destination: string;
}

interface Field {
  /** Returns the value, or undefined when it does not apply (a city outside the city table). */
  gen: (c: EventContext) => Scalar | undefined;
  /** Probability the key is present at all. Defaults to 1. */
  presence?: number;
  /** Probability a present key holds null. Defaults to 0. */
  nullRate?: number;
}

const url = zipf(URLS, 1.1);
const term = zipf(SEARCH_TERMS, 1);
const source = zipf(UTM_SOURCES, 1.2);
const day = (c: EventContext, offset: number): string =>
  new Date(c.time + offset * 86_400_000).toISOString().slice(0, 10);
const cents = (n: number): number => Math.round(n) / 100;

/** Every property key the generator writes, and how its value is drawn. */
export const FIELDS: Readonly<Record<string, Field>> = {
  country: { gen: (c) => c.visitor.country, presence: 0.985, nullRate: 0.005 },
  region: { gen: (c) => c.visitor.region },
  city: { gen: (c) => c.visitor.city, presence: 0.95 },
  browser: { gen: (c) => c.visitor.browser },
  browser_version: { gen: (c) => c.visitor.browserVersion },
  os: { gen: (c) => c.visitor.os },
  device: { gen: (c) => c.visitor.device },
  is_mobile: { gen: (c) => c.visitor.device !== "desktop" },
  screen_width: { gen: (c) => c.visitor.screen[0] },
  screen_height: { gen: (c) => c.visitor.screen[1] },
  language: { gen: (c) => c.visitor.language },
  timezone: { gen: (c) => c.visitor.timezone, presence: 0.85 },
  session_id: { gen: (c) => c.sessionId },
  url: { gen: (c) => url(c.rng) },
  referrer: { gen: (c) => c.rng.pick(REFERRERS), presence: 0.8, nullRate: 0.1 },
  logged_in: { gen: (c) => c.visitor.loggedIn },
  lib_version: { gen: (c) => (c.visitor.browserVersion.endsWith("7") ? "2.3.1" : "2.4.0") },
  page_title: {
    gen: (c) => c.rng.pick(["Home", "Shop", "Deals", "Search results", "Your cart"]),
    presence: 0.9,
  },
  scroll_depth: { gen: (c) => c.rng.int(101), presence: 0.7 },
  load_time_ms: { gen: (c) => 120 + Math.floor(c.rng.next() ** 3 * 4000), presence: 0.8 },
  duration_ms: { gen: (c) => Math.floor(c.rng.next() ** 2 * 600_000), presence: 0.85 },
  utm_source: { gen: (c) => source(c.rng), presence: 0.3 },
  utm_medium: { gen: (c) => c.rng.pick(UTM_MEDIUMS), presence: 0.3 },
  utm_campaign: { gen: (c) => c.rng.pick(UTM_CAMPAIGNS), presence: 0.3, nullRate: 0.15 },
  sku: { gen: (c) => c.product.sku },
  product_name: { gen: (c) => c.product.name },
  category: { gen: (c) => c.product.category, presence: 0.9 },
  brand: { gen: (c) => c.product.brand, presence: 0.85 },
  price: { gen: (c) => cents(c.priceCents) },
  currency: { gen: (c) => c.visitor.currency },
  quantity: { gen: (c) => c.quantity },
  cart_size: { gen: (c) => c.quantity + c.rng.int(4) },
  cart_value: { gen: (c) => cents(c.priceCents * (1 + c.rng.int(3))), presence: 0.8 },
  order_id: { gen: (c) => c.orderId },
  tax: { gen: (c) => cents(c.priceCents * 0.08), presence: 0.9 },
  shipping: { gen: (c) => c.rng.pick([0, 0, 4.99, 9.99]), presence: 0.9 },
  coupon: { gen: (c) => c.rng.pick(["SPRING10", "WELCOME5", "VIP20"]), nullRate: 0.7 },
  payment_method: { gen: (c) => c.rng.pick(PAYMENT_METHODS) },
  item_count: { gen: (c) => c.quantity },
  search_term: { gen: (c) => term(c.rng) },
  results_count: { gen: (c) => c.rng.int(500) },
  page_number: { gen: (c) => 1 + c.rng.int(5), presence: 0.5 },
  filters_used: { gen: (c) => c.rng.chance(0.3), presence: 0.8 },
  sort: {
    gen: (c) => c.rng.pick(["relevance", "price_asc", "price_desc", "newest"]),
    presence: 0.6,
  },
  deal: { gen: (c) => `${c.origin}-${c.destination}` },
  origin: { gen: (c) => c.origin },
  destination: { gen: (c) => c.destination },
  depart_date: { gen: (c) => day(c, 3 + c.rng.int(60)) },
  return_date: { gen: (c) => day(c, 65 + c.rng.int(20)), presence: 0.8, nullRate: 0.05 },
  passengers: { gen: (c) => 1 + Math.floor(c.rng.next() ** 3 * 5) },
  cabin: { gen: (c) => c.rng.pick(["economy", "economy", "premium", "business"]) },
  nights: { gen: (c) => 1 + c.rng.int(10) },
  rooms: { gen: (c) => 1 + Math.floor(c.rng.next() ** 4 * 3), presence: 0.9 },
  video_id: { gen: (c) => `vid_${100 + c.rng.int(300)}` },
  video_title: { gen: (c) => `${c.product.category} review ${c.rng.int(40)}`, presence: 0.9 },
  position_s: { gen: (c) => c.rng.int(1800) },
  video_duration_s: { gen: (c) => 60 + c.rng.int(1800), presence: 0.9 },
  autoplay: { gen: (c) => c.rng.chance(0.4) },
  quality: { gen: (c) => c.rng.pick(["1080p", "720p", "480p", "auto"]), presence: 0.8 },
  muted: { gen: (c) => c.rng.chance(0.2), presence: 0.85 },
  form_id: { gen: (c) => c.rng.pick(["newsletter", "contact", "checkout", "signup", "survey"]) },
  field_count: { gen: (c) => 2 + c.rng.int(12) },
  success: { gen: (c) => c.rng.chance(0.9) },
  time_to_submit_ms: { gen: (c) => 2000 + c.rng.int(120_000), presence: 0.8 },
  method: { gen: (c) => c.rng.pick(["email", "google", "apple", "github"]) },
  plan: { gen: (c) => c.visitor.plan },
  referral_code: { gen: (c) => `REF${c.rng.hex(6).toUpperCase()}`, presence: 0.3, nullRate: 0.2 },
  app_version: { gen: (c) => c.rng.pick(["5.2.0", "5.2.1", "5.3.0"]) },
  build_number: { gen: (c) => 5200 + c.rng.int(40) },
  push_enabled: { gen: (c) => c.rng.chance(0.6), presence: 0.9 },
  network: { gen: (c) => c.rng.pick(["wifi", "4g", "5g", "3g"]), presence: 0.85 },
  error_code: { gen: (c) => c.rng.pick(ERROR_CODES) },
  error_message: {
    gen: (c) => c.rng.pick(["Request timed out", "Card declined", "Invalid email"]),
    nullRate: 0.2,
  },
  fatal: { gen: (c) => c.rng.chance(0.1) },
  experiment_id: {
    gen: (c) => c.rng.pick(["exp_checkout_cta", "exp_pricing_v2", "exp_search_rank"]),
  },
  variant: { gen: (c) => c.rng.pick(["control", "a", "b"]) },
  element_id: {
    gen: (c) => c.rng.pick(["nav-shop", "cta-buy", "footer-help", "hero-banner", "menu"]),
  },
  element_text: {
    gen: (c) => c.rng.pick(["Shop now", "Buy", "Help", "Learn more", "Menu"]),
    presence: 0.85,
  },
  x: { gen: (c) => c.rng.int(c.visitor.screen[0]) },
  y: { gen: (c) => c.rng.int(c.visitor.screen[1]) },
  campaign_id: { gen: (c) => `cmp_${2026_001 + c.rng.int(30)}` },
  email_id: { gen: (c) => c.rng.hex(16) },
  link_url: { gen: (c) => url(c.rng), presence: 0.5 },
  rating: { gen: (c) => 1 + Math.floor(Math.sqrt(c.rng.next()) * 5) },
  review_length: { gen: (c) => c.rng.int(2000), presence: 0.7 },
  billing_period: { gen: (c) => c.rng.pick(["monthly", "yearly"]) },
  trial: { gen: (c) => c.rng.chance(0.3) },
  subscription_plan: { gen: (c) => c.rng.pick(PLANS.slice(1)) },
  category_filter: { gen: (c) => c.rng.pick(CATEGORIES), presence: 0.5 },
};

// prettier-ignore
const GROUPS: Readonly<Record<string, readonly string[]>> = {
  context: ["country", "region", "city", "browser", "browser_version", "os", "device", "is_mobile",
    "screen_width", "screen_height", "language", "timezone", "session_id", "url", "referrer",
    "logged_in", "lib_version"],
  page: ["page_title", "scroll_depth", "load_time_ms", "duration_ms"],
  utm: ["utm_source", "utm_medium", "utm_campaign"],
  product: ["sku", "product_name", "category", "brand", "price", "currency"],
  cart: ["quantity", "cart_size", "cart_value"],
  order: ["order_id", "price", "currency", "tax", "shipping", "coupon", "payment_method", "item_count", "quantity"],
  search: ["search_term", "results_count", "page_number", "filters_used", "sort", "category_filter"],
  flight: ["deal", "origin", "destination", "depart_date", "return_date", "passengers", "cabin"],
  hotel: ["destination", "depart_date", "nights", "passengers", "rooms"],
  video: ["video_id", "video_title", "position_s", "video_duration_s", "autoplay", "quality", "muted"],
  form: ["form_id", "field_count", "success", "time_to_submit_ms"],
  account: ["method", "plan", "referral_code"],
  app: ["app_version", "build_number", "push_enabled", "network"],
  error: ["error_code", "error_message", "fatal"],
  experiment: ["experiment_id", "variant"],
  interaction: ["element_id", "element_text", "x", "y"],
  email: ["campaign_id", "email_id", "link_url"],
  review: ["sku", "rating", "review_length"],
  subscription: ["subscription_plan", "billing_period", "trial", "price", "currency"],
};

/** Event names, most frequent first, with the groups each carries besides `context`. */
// prettier-ignore
const EVENTS: readonly (readonly [string, ...string[]])[] = [
  ["pageview", "page", "utm"], ["product_view", "page", "product"], ["click", "interaction"],
  ["search", "search", "page"], ["add_to_cart", "product", "cart"], ["purchase", "order", "product"],
  ["session_start", "utm", "app"], ["flight_search", "flight", "page"], ["scroll", "page"],
  ["video_play", "video"], ["page_leave", "page"], ["session_end", "page"],
  ["checkout_start", "cart", "product"], ["filter_apply", "search"], ["app_open", "app"],
  ["login", "account"], ["deal_view", "flight", "page"], ["hotel_search", "hotel", "page"],
  ["form_start", "form"], ["email_open", "email"], ["video_pause", "video"],
  ["app_background", "app"], ["checkout_step", "cart", "form"], ["experiment_view", "experiment", "page"],
  ["like", "interaction"], ["remove_from_cart", "product", "cart"], ["video_complete", "video"],
  ["push_received", "app"], ["signup", "account", "utm", "form"], ["form_submit", "form"],
  ["email_click", "email", "utm"], ["wishlist_add", "product"], ["booking_start", "flight"],
  ["coupon_applied", "cart", "order"], ["notification_click", "app", "interaction"],
  ["sort_change", "search"], ["download", "interaction"], ["seat_select", "flight"], ["error", "error"],
  ["logout", "account"], ["share", "interaction"], ["booking_complete", "flight", "order"],
  ["push_open", "app"], ["comment", "review"], ["support_chat", "form"], ["rating", "review"],
  ["subscription_start", "subscription"], ["review_submit", "review", "product"], ["refund", "order"],
  ["subscription_cancel", "subscription", "account"],
];

/** Event names in popularity order. */
export const EVENT_NAMES: readonly string[] = EVENTS.map((e) => e[0]);

/** The property keys each event name may carry, in the order they are written. */
export const SCHEMAS: ReadonlyMap<string, readonly string[]> = new Map(
  EVENTS.map(([name, ...groups]) => [
    name,
    [...new Set(["context", ...groups].flatMap((g) => GROUPS[g] ?? []))],
  ]),
);
