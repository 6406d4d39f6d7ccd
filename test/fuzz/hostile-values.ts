/**
 * fast-check arbitraries of hostile input for the parsers of untrusted JSON (test/fuzz/hostile.ts):
 * prototype-pollution keys, lone surrogates, invalid UTF-8 as a decoder leaves it, NaN, Infinity,
 * -0 and bigints (which `JSON.parse` never makes, but a caller could), extreme timestamps,
 * 1 MB strings, 100,000-deep nesting and 10,000-key objects; and structure-aware mutations of
 * valid seeds, so the deep checks of each parser are reached and not only its first `typeof`.
 *
 * @example
 * fc.sample(hostileValue, 3) // e.g. [{"__proto__": [NaN]}, "\ud800", 8640000000000001]
 */
import fc from "fast-check";

/** Keys that pollute a prototype when a parser copies them with `o[key] = v`. */
export const POLLUTION_KEYS = [
  "__proto__",
  "constructor",
  "prototype",
  "__defineGetter__",
  "hasOwnProperty",
  "toString",
  "valueOf",
] as const;

/** Keys the parsers read, so that random objects hit real branches. */
const FIELD_KEYS = [
  "events",
  "batch",
  "visitor",
  "name",
  "id",
  "time",
  "properties",
  "visitorProperties",
  "sentAt",
  "type",
  "userId",
  "anonymousId",
  "event",
  "distinct_id",
  "$set",
  "$set_once",
  "from",
  "select",
  "where",
  "groupBy",
  "all",
  "any",
  "not",
  "field",
  "op",
  "value",
  "did",
  "segment",
  "actions",
  "secret",
] as const;

const EXTREME_TIME_TEXT = [
  "1969-12-31T23:59:59.999Z",
  "1970-01-01",
  "0000-01-01T00:00:00Z",
  "9999-12-31T23:59:59.999999999-23:59",
  "275760-09-13T00:00:00.000Z",
  "+275760-09-13T00:00:00.001Z",
  "-271821-04-20T00:00:00Z",
  "2024-02-30",
  "2024-01-01T24:00:00Z",
  "2024-01-01T00:00:00+99:99",
  "1e309",
  "NaN",
  "Infinity",
  "-0",
] as const;

const EXTREME_NUMBERS = [
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  -0,
  -1,
  0.5,
  Number.MIN_VALUE,
  Number.MAX_VALUE,
  -Number.MAX_VALUE,
  Number.MAX_SAFE_INTEGER + 2,
  2 ** 31,
  2 ** 32,
  8.64e15,
  8.64e15 + 1,
  -8.64e15 - 1,
] as const;

/** Strings: ordinary, any code point, lone surrogates, decoded invalid UTF-8, pollution keys. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.string() },
  { weight: 2, arbitrary: fc.string({ unit: "binary" }) },
  {
    // Any UTF-16 code unit, so lone and reversed surrogate halves occur.
    weight: 2,
    arbitrary: fc
      .array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 16 })
      .map((units) => String.fromCharCode(...units)),
  },
  {
    // Bytes that are mostly not UTF-8, as `TextDecoder` (U+FFFD for each bad sequence) leaves them.
    weight: 2,
    arbitrary: fc.uint8Array({ maxLength: 24 }).map((b) => new TextDecoder().decode(b)),
  },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      ...POLLUTION_KEYS,
      ...FIELD_KEYS,
      ...EXTREME_TIME_TEXT,
      "",
      "\u0000",
      "\ud800",
      "\udc00x",
      "[object Object]",
      "visitor.plan",
      "~1/~0",
      "%",
      "%%",
      "$fired",
      "https://hooks.example.com/x",
      "http://127.0.0.1:1/x",
      "javascript:alert(1)",
      "30d",
      "0s",
      "401d",
    ),
  },
);

/** Numbers at and past every edge the parsers check. */
export const hostileNumber: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(...EXTREME_NUMBERS),
  fc.double(),
  fc.integer(),
  fc.integer({ min: 0, max: 2_000_000_000_000 }),
);

const scalar: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: hostileString },
  { weight: 4, arbitrary: hostileNumber },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.constant(undefined) },
  { weight: 1, arbitrary: fc.bigInt() },
);

/** An object with own keys exactly as `JSON.parse` makes them: `__proto__` is an own key. */
export function ownObject(
  entries: readonly (readonly [string, unknown])[],
): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const [k, v] of entries)
    Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  return o;
}

const key: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...POLLUTION_KEYS, ...FIELD_KEYS),
  hostileString,
);

/** Any value, JSON-shaped or not, nested a few levels. */
export const hostileValue: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    scalar,
    fc.array(tie("value"), { maxLength: 6 }),
    fc.array(fc.tuple(key, tie("value")), { maxLength: 6 }).map(ownObject),
    // `{}` whose prototype is an attacker's object: inherited keys a parser may read.
    fc.tuple(key, tie("value")).map(([k, v]) => {
      const proto: Record<string, unknown> = ownObject([[k, v]]);
      return Object.create(proto) as unknown;
    }),
  ),
})).value;

/** Bodies no client should send: 1 MB strings, 100,000-deep nesting, 10,000 or 100,000 members. */
export const hugeValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(1000, 100_000, 1_000_000).map((n) => "x".repeat(n)),
  fc.constantFrom(100, 10_000, 100_000).map((depth) => {
    let v: unknown = [];
    for (let i = 0; i < depth; i++) v = depth % 2 === 0 ? [v] : { a: v };
    return v;
  }),
  fc.constantFrom(100, 10_000).map((depth) => {
    let v: unknown = { field: "x", op: "eq", value: 1 };
    for (let i = 0; i < depth; i++) v = { not: v };
    return v;
  }),
  fc
    .constantFrom(10_000)
    .map((n) =>
      ownObject(Array.from({ length: n }, (_, i) => [i % 7 === 0 ? "__proto__" : `k${i}`, i])),
    ),
  fc.constantFrom(100_000).map((n) => Array.from({ length: n }, (_, i) => i)),
);

/** A hostile value, huge once in 50. */
export const anyHostile: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 49, arbitrary: hostileValue },
  { weight: 1, arbitrary: hugeValue },
);

/** One edit of a document: replace a node, add a key, delete a key, or wrap a node. */
interface Edit {
  at: number;
  kind: "replace" | "add" | "delete" | "wrap";
  key: string;
  value: unknown;
}

const edit: fc.Arbitrary<Edit> = fc.record({
  at: fc.nat(),
  kind: fc.constantFrom("replace", "replace", "add", "delete", "wrap"),
  key,
  value: anyHostile,
});

/** A seed with 1 to 4 edits at random nodes; the seed itself is never changed. */
export function mutated(seeds: readonly unknown[]): fc.Arbitrary<unknown> {
  return fc
    .tuple(
      fc.constantFrom(...seeds),
      // Mostly one edit, so that a good share of inputs stays valid enough to reach deep checks.
      fc.oneof(
        { weight: 3, arbitrary: fc.array(edit, { minLength: 1, maxLength: 1 }) },
        { weight: 1, arbitrary: fc.array(edit, { minLength: 2, maxLength: 4 }) },
      ),
    )
    .map(([seed, edits]) => {
      // Edits land only on the seed's own nodes (listed once, before any edit), so a generated
      // value is never changed in place: fast-check may hand it out again while shrinking.
      const doc = structuredClone(seed);
      const nodes = containers(doc);
      return edits.reduce((d, e) => applyEdit(d, nodes, e), doc);
    });
}

/** Every container of `doc` with its parent slot, depth first. */
function containers(doc: unknown): { node: object }[] {
  const out: { node: object }[] = [];
  const walk = (v: unknown) => {
    if (typeof v !== "object" || v === null) return;
    out.push({ node: v });
    for (const k of Object.keys(v)) walk((v as Record<string, unknown>)[k]);
  };
  walk(doc);
  return out;
}

function applyEdit(doc: unknown, all: readonly { node: object }[], e: Edit): unknown {
  if (all.length === 0) return e.value;
  const node = all[e.at % all.length]!.node as Record<string, unknown> | unknown[];
  const keys = Object.keys(node);
  const target = keys.length === 0 ? e.key : keys[e.at % keys.length]!;
  const o = node as Record<string, unknown>;
  switch (e.kind) {
    case "replace":
      if (keys.length > 0) o[target] = e.value;
      return doc;
    case "add":
      if (Array.isArray(node)) node.push(e.value);
      else
        Object.defineProperty(o, e.key, {
          value: e.value,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      return doc;
    case "delete":
      if (!Array.isArray(node)) delete o[target];
      else node.pop();
      return doc;
    case "wrap":
      if (keys.length > 0) o[target] = [o[target]];
      return doc;
  }
}

/**
 * What reaches a parser: a raw value (NaN, -0, bigints, inherited keys survive), or the same
 * value through `JSON.stringify`/`JSON.parse` as an HTTP body would carry it.
 */
export function asInput(value: unknown, throughJson: boolean): unknown {
  if (!throughJson) return value;
  try {
    const text = JSON.stringify(value);
    return text === undefined ? value : (JSON.parse(text) as unknown);
  } catch {
    return value; // bigints and cycles cannot be JSON; the raw value is the input then
  }
}

/** JSON text of any value, or `null` when it has none. */
export function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? "null";
  } catch {
    return "null";
  }
}
