/**
 * Small hand-written events covering every value kind, for tests of the encoder, both decoders
 * and the log. (The realistic generator lives in bench/gen.)
 */
import type { FlamEvent } from "./event.ts";

const T0 = Date.UTC(2026, 0, 1);

/** Events that exercise every encoding of docs/flam.md section 6. */
export function sampleEvents(): FlamEvent[] {
  return [
    {
      id: "0b0c8f3a-1234-4abc-8def-0123456789ab",
      visitor: "v1",
      name: "purchase",
      time: T0,
      receivedAt: T0 + 120,
      properties: {
        price: 19.99,
        country: "US",
        qty: 2,
        ok: true,
        none: null,
        tags: ["a", 1, null],
        big: 2 ** 52,
        neg: -5,
        f: 0.1 + 0.2,
      },
      visitorProperties: { plan: "pro" },
    },
    {
      id: "not-a-uuid-1",
      visitor: "v2",
      name: "purchase",
      time: T0 + 500,
      receivedAt: T0 + 400,
      properties: {
        price: 5,
        country: "CA",
        qty: 300,
        ok: false,
        none: null,
        tags: [],
        big: -(2 ** 40),
        neg: -5,
        f: 1e300,
      },
      visitorProperties: {},
    },
    {
      id: "not-a-uuid-2",
      visitor: "v2",
      name: "pageview",
      time: T0,
      receivedAt: T0,
      properties: { url: "/é\uFEFF😀", country: "CA", "cart.total": -0.5, empty: "" },
      visitorProperties: { "name.first": "Zoë" },
    },
    {
      id: "0b0c8f3a-1234-4abc-8def-0123456789ac",
      visitor: "v3",
      name: "search",
      time: T0 + 86_400_000 * 40,
      receivedAt: T0 + 86_400_000 * 40 + 70_000,
      properties: { deal: "SFO-NYC", price: 123456.789, zero: -0 },
      visitorProperties: {},
    },
  ];
}
