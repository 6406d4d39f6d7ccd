/**
 * The seed's airline story (issue 5) as data: the one trigger the docs, tests, benchmarks, the
 * demo seed and the dashboard all use, so it is written down once. `AIRLINE_TRIGGER` is exactly
 * the JSON; `airlineTrigger` varies what a use needs to vary.
 */

export const BANNER = "Save 20% if you book today!";

/**
 * The airline trigger, with a webhook to `webhook.url` (or none) and the tag action (or not).
 *
 * @example
 * airlineTrigger({ webhook: { url: `http://127.0.0.1:${port}/promo`, secret: "s3cr3t" } })
 */
export function airlineTrigger(
  options: {
    name?: string;
    webhook?: { url: string; secret: string } | null;
    tag?: boolean;
  } = {},
) {
  const webhook = options.webhook === undefined ? WEBHOOK : options.webhook;
  return {
    name: options.name ?? "repeat deal searcher",
    when: { event: "search" },
    segment: {
      all: [
        { did: "search", inARow: 4, sameValue: "deal" },
        { not: { visitor: "booked", op: "eq", value: true } },
      ],
    },
    frequency: { oncePer: "visitor" },
    actions: [
      { type: "inPage", payload: { banner: BANNER } },
      ...(webhook === null ? [] : [{ type: "webhook", url: webhook.url, secret: webhook.secret }]),
      ...(options.tag === false ? [] : [{ type: "tag", set: { promo_sent: true } }]),
    ],
  };
}

const WEBHOOK = { url: "https://hooks.example.com/promo", secret: "s3cr3t" };

/** Exactly the JSON of issue 5. */
export const AIRLINE_TRIGGER = airlineTrigger();
