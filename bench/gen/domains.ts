/**
 * Value domains for generated events: plain tables, ordered most-frequent first where the
 * generator draws them with Zipf skew. Kept apart from the schemas so either can grow alone.
 */
import { createRng } from "./prng.ts";

/** About 60 ISO 3166-1 alpha-2 codes, roughly in order of web traffic. */
// prettier-ignore
export const COUNTRIES = [
  "US", "GB", "DE", "IN", "FR", "CA", "BR", "JP", "AU", "ES", "IT", "NL", "MX", "PL", "SE", "KR",
  "TR", "ID", "RU", "CH", "BE", "AR", "AT", "DK", "NO", "IE", "PT", "FI", "CZ", "IL", "SG", "NZ",
  "ZA", "PH", "TH", "VN", "MY", "CO", "CL", "PE", "RO", "HU", "GR", "UA", "AE", "SA", "EG", "NG",
  "KE", "PK", "BD", "TW", "HK", "CN", "SK", "BG", "HR", "RS", "LT", "EE",
] as const;

/** Region and city pairs for the larger countries; others report neither. */
// prettier-ignore
export const CITIES: Readonly<Record<string, readonly (readonly [string, string])[]>> = {
  US: [["CA", "San Francisco"], ["CA", "Los Angeles"], ["NY", "New York"], ["TX", "Austin"],
    ["TX", "Houston"], ["WA", "Seattle"], ["IL", "Chicago"], ["MA", "Boston"], ["FL", "Miami"],
    ["CO", "Denver"], ["GA", "Atlanta"], ["OR", "Portland"]],
  GB: [["ENG", "London"], ["ENG", "Manchester"], ["SCT", "Edinburgh"], ["ENG", "Bristol"]],
  DE: [["BE", "Berlin"], ["BY", "Munich"], ["HH", "Hamburg"], ["HE", "Frankfurt"]],
  IN: [["MH", "Mumbai"], ["KA", "Bengaluru"], ["DL", "New Delhi"], ["TG", "Hyderabad"]],
  FR: [["IDF", "Paris"], ["ARA", "Lyon"], ["PAC", "Marseille"]],
  CA: [["ON", "Toronto"], ["QC", "Montreal"], ["BC", "Vancouver"]],
  BR: [["SP", "São Paulo"], ["RJ", "Rio de Janeiro"]],
  JP: [["13", "Tokyo"], ["27", "Osaka"]],
  AU: [["NSW", "Sydney"], ["VIC", "Melbourne"]],
  ES: [["MD", "Madrid"], ["CT", "Barcelona"]],
};

/** Language, time zone and currency by country; other countries use the fallback. */
// prettier-ignore
export const LOCALES: Readonly<Record<string, readonly [string, string, string]>> = {
  US: ["en-US", "America/New_York", "USD"], GB: ["en-GB", "Europe/London", "GBP"],
  DE: ["de-DE", "Europe/Berlin", "EUR"], IN: ["hi-IN", "Asia/Kolkata", "INR"],
  FR: ["fr-FR", "Europe/Paris", "EUR"], CA: ["en-CA", "America/Toronto", "CAD"],
  BR: ["pt-BR", "America/Sao_Paulo", "BRL"], JP: ["ja-JP", "Asia/Tokyo", "JPY"],
  AU: ["en-AU", "Australia/Sydney", "AUD"], ES: ["es-ES", "Europe/Madrid", "EUR"],
  IT: ["it-IT", "Europe/Rome", "EUR"], NL: ["nl-NL", "Europe/Amsterdam", "EUR"],
  MX: ["es-MX", "America/Mexico_City", "MXN"],
};
export const FALLBACK_LOCALE = ["en-US", "UTC", "USD"] as const;

/** A device class: the systems it runs and its screen sizes in CSS pixels. */
export interface DeviceClass {
  os: readonly string[];
  screens: readonly (readonly [number, number])[];
}

/** Device classes, most common first. */
// prettier-ignore
export const DEVICES: Readonly<Record<string, DeviceClass>> = {
  desktop: { os: ["Windows", "macOS", "Linux", "ChromeOS"],
    screens: [[1920, 1080], [1366, 768], [1536, 864], [1440, 900], [2560, 1440]] },
  mobile: { os: ["Android", "iOS"], screens: [[390, 844], [360, 800], [414, 896], [393, 873]] },
  tablet: { os: ["iPadOS", "Android"], screens: [[820, 1180], [768, 1024], [800, 1280]] },
};
export const BROWSERS = ["Chrome", "Safari", "Edge", "Firefox", "Samsung Internet", "Opera"];
export const UTM_SOURCES = ["google", "newsletter", "facebook", "twitter", "bing", "partner"];
export const UTM_MEDIUMS = ["cpc", "email", "social", "organic", "referral", "display"];
export const UTM_CAMPAIGNS = ["spring_sale", "black_friday", "retarget_q1", "brand", "launch_x2"];
// prettier-ignore
export const REFERRERS = ["https://www.google.com/", "https://t.co/", "https://www.bing.com/",
  "https://news.ycombinator.com/", "https://www.facebook.com/", "https://duckduckgo.com/"];
export const PAYMENT_METHODS = ["card", "paypal", "apple_pay", "google_pay", "bank_transfer"];
// prettier-ignore
export const CATEGORIES = ["shoes", "jackets", "bags", "electronics", "books", "home", "toys",
  "beauty", "sports", "garden"];
export const BRANDS = ["Acme", "Northwind", "Contoso", "Globex", "Initech", "Umbrella", "Stark"];
export const PLANS = ["free", "pro", "team", "enterprise"];
// prettier-ignore
export const SEARCH_TERMS = ["running shoes", "rain jacket", "laptop bag", "wireless earbuds",
  "gift for dad", "yoga mat", "coffee grinder", "desk lamp", "usb-c cable", "kids bike",
  "cheap flights", "weekend getaway", "4k monitor", "standing desk", "winter boots", "backpack",
  "phone case", "air fryer", "sunglasses", "smart watch", "board games", "hiking poles", "tent",
  "mechanical keyboard", "noise cancelling", "paris hotels", "tokyo flights", "sale", "new in"];
// prettier-ignore
export const AIRPORTS = ["SFO", "NYC", "LAX", "LON", "PAR", "BER", "TYO", "SYD", "CHI", "MIA",
  "SEA", "BOS", "MAD", "ROM", "AMS", "DXB", "SIN", "HKG", "YYZ", "MEX"];
// prettier-ignore
export const FIRST_NAMES = ["Ada", "Grace", "Alan", "Linus", "Margaret", "Ken", "Barbara", "Dennis"];
export const LAST_NAMES = ["Lovelace", "Hopper", "Turing", "Torvalds", "Hamilton", "Thompson"];
export const ERROR_CODES = ["E_NETWORK", "E_TIMEOUT", "E_PAYMENT_DECLINED", "E_VALIDATION"];

/** One product of the catalogue: prices are integer cents so they print with <= 2 decimals. */
export interface Product {
  sku: string;
  name: string;
  category: string;
  brand: string;
  cents: number;
}

/** A fixed catalogue (the same shop whatever the seed), most popular first. */
export const PRODUCTS: readonly Product[] = (() => {
  const rng = createRng(0xca7a1096);
  return Array.from({ length: 240 }, (_, i) => {
    const category = rng.pick(CATEGORIES);
    const brand = rng.pick(BRANDS);
    // Log-uniform between about $3 and $900, ending in .99, .95, .49 or .00 like price tags.
    const dollars = Math.floor(Math.exp(1.1 + rng.next() * 5.7));
    const cents = dollars * 100 + rng.pick([99, 99, 49, 0, 95]);
    return {
      sku: `SKU-${String(10000 + i * 37).padStart(5, "0")}`,
      name: `${brand} ${category} ${i + 1}`,
      category,
      brand,
      cents,
    };
  });
})();

/** A few hundred distinct page URLs: paths times query strings, most visited first. */
export const URLS: readonly string[] = (() => {
  // prettier-ignore
  const paths = ["/", "/products", "/search", "/cart", "/checkout", "/flights", "/hotels", "/deals",
    "/account", "/blog", "/help", "/pricing", "/signup", "/login", "/about"];
  for (const p of PRODUCTS.slice(0, 60)) paths.push(`/products/${p.sku.toLowerCase()}`);
  // prettier-ignore
  const queries = ["", "", "?ref=nav", "?utm_source=google&utm_medium=cpc", "?page=2",
    "?sort=price_asc", "?lang=en"];
  const urls: string[] = [];
  for (const q of queries) for (const p of paths) urls.push(`https://shop.example.com${p}${q}`);
  return [...new Set(urls)];
})();
