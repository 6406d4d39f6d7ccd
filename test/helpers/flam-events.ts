/**
 * Generated events for the FlaM conformance and fuzz suites: every value kind of docs/flam.md
 * section 6 (small and large integers, decimals, doubles including -0 and subnormals, booleans,
 * null, ASCII, Unicode, empty and long strings, arrays), keys that come and go (optional slots),
 * visitor properties, UUID and non-UUID ids. Reproducible from a seed.
 */
import type { FlamEvent, PropertyValue } from "../../src/flam/event.ts";
import { Rng } from "./random.ts";

export const T0 = Date.UTC(2026, 0, 1);

const TEXTS = [
  "",
  "US",
  "CA",
  "FR",
  "Zoë",
  "日本語",
  "😀 smile",
  "\uFEFFbom first",
  "a\u0000b",
  "x".repeat(300),
  "é".repeat(40),
];
const ARRAYS: PropertyValue[] = [
  [],
  [1, "a", null],
  ["x"],
  [true, false],
  [1.5, -0.25],
  ["😀", ""],
];
const LARGE_INTS = [
  2 ** 53 - 1,
  -(2 ** 53 - 1),
  2 ** 31,
  -(2 ** 31) - 1,
  2 ** 32,
  2 ** 40 + 7,
  -128,
  127,
  32767,
  -32769,
];
const DOUBLES = [0.1 + 0.2, 1e300, -0, 5e-324, 1.7976931348623157e308, Math.PI, -1e-7, 123456.789];

/** What a generated key holds; MIXED varies per event, so one name has several shapes. */
const KINDS = [
  "small",
  "large",
  "cents",
  "scaled",
  "double",
  "bool",
  "null",
  "text",
  "array",
  "mixed",
] as const;
type Kind = (typeof KINDS)[number];

export interface EventOptions {
  /** Distinct event names. Defaults to 5. */
  names: number;
  /** Distinct property keys. Defaults to 12. */
  keys: number;
  /** Spread of event times in ms. Defaults to 40 days. */
  spanMs: number;
  /** First event time. Defaults to 2026-01-01. */
  start: number;
}

function value(rng: Rng, kind: Kind): PropertyValue {
  switch (kind) {
    case "small":
      return rng.int(201) - 100;
    case "large":
      return rng.pick(LARGE_INTS);
    case "cents":
      return (rng.int(2_000_001) - 1_000_000) / 100;
    case "scaled": {
      const s = 1 + rng.int(15);
      return (rng.int(2001) - 1000) / 10 ** s;
    }
    case "double":
      return rng.chance(0.5) ? rng.pick(DOUBLES) : (rng.next() - 0.5) * 10 ** rng.int(30);
    case "bool":
      return rng.chance(0.5);
    case "null":
      return null;
    case "text":
      return rng.chance(0.7) ? rng.pick(TEXTS) : `t${rng.int(50)}`;
    case "array":
      return rng.pick(ARRAYS);
    case "mixed":
      return value(rng, rng.pick(KINDS.filter((k) => k !== "mixed")));
  }
}

function uuid(rng: Rng): string {
  const hex = Array.from({ length: 32 }, () => "0123456789abcdef"[rng.int(16)]).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * `count` events from `seed`.
 *
 * @example
 * encodeBlock(randomEvents(7, 500, { names: 3 }));
 */
export function randomEvents(
  seed: number,
  count: number,
  options: Readonly<Partial<EventOptions>> = {},
): FlamEvent[] {
  const rng = new Rng(seed);
  const names = Array.from({ length: options.names ?? 5 }, (_, i) =>
    i === 0 ? "purchase" : `event ${i}`,
  );
  const keys = Array.from({ length: options.keys ?? 12 }, (_, i) => ({
    key: i % 4 === 3 ? `nested.key ${i}` : `k${i}`,
    kind: KINDS[i % KINDS.length]!,
    // Most keys are nearly always there; some come and go (optional slots).
    presence: i % 3 === 0 ? 0.5 : 0.97,
  }));
  const start = options.start ?? T0;
  const span = options.spanMs ?? 40 * 86_400_000;
  const events: FlamEvent[] = [];
  for (let i = 0; i < count; i++) {
    const name = rng.pick(names);
    const properties: Record<string, PropertyValue> = {};
    for (const k of keys) if (rng.chance(k.presence)) properties[k.key] = value(rng, k.kind);
    if (name === "purchase") {
      properties["price"] = rng.chance(0.9) ? (1 + rng.int(99_999)) / 100 : rng.pick(DOUBLES);
      properties["country"] = rng.chance(0.9) ? rng.pick(["US", "CA", "FR", "日本"]) : null;
    }
    const visitorProperties: Record<string, PropertyValue> = {};
    if (rng.chance(0.2)) visitorProperties["plan"] = rng.pick(["free", "pro", "team"]);
    if (rng.chance(0.1)) visitorProperties["k1"] = value(rng, "mixed"); // same text as a property key
    const time = start + rng.int(span + 1);
    events.push({
      id: rng.chance(0.5) ? uuid(rng) : `evt-${seed}-${i}`,
      visitor: rng.chance(0.9)
        ? `v${rng.int(30)}`
        : rng.pick(["visitor é", "😀", "0b0c8f3a-1234-4abc-8def-0123456789ab"]),
      name,
      time,
      receivedAt: time + rng.int(100_000) - 5_000,
      properties,
      visitorProperties,
    });
  }
  return events;
}
