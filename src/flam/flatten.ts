/**
 * Turns arbitrary JSON properties into the flat map a FlaM event holds (docs/events.md):
 * nested objects become dotted keys, arrays of scalars stay arrays, anything else inside an
 * array is kept as its JSON text. Flat keys are what queries name (`cart.total`), and a flat map
 * is what makes a record a fixed list of slots.
 */
import type { PropertyValue, Scalar } from "./event.ts";

/** Nesting deeper than this is kept as JSON text at the limit, so hostile depth costs nothing. */
export const MAX_DEPTH = 8;

/**
 * @example
 * flattenProperties({ cart: { total: 10, items: ["a", "b"] }, x: null })
 * // { "cart.total": 10, "cart.items": ["a", "b"], x: null }
 */
export function flattenProperties(
  input: Readonly<Record<string, unknown>>,
): Record<string, PropertyValue> {
  // A plain object (null-prototype objects cannot cross a Durable Object RPC), written through
  // `put` so that a key named `__proto__` is an ordinary key, never the object's prototype.
  const out: Record<string, PropertyValue> = {};
  walk(input, "", 1, out);
  return out;
}

function walk(
  obj: Readonly<Record<string, unknown>>,
  prefix: string,
  depth: number,
  out: Record<string, PropertyValue>,
): void {
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix + k;
    if (v === undefined || typeof v === "function" || typeof v === "symbol") continue; // as JSON.stringify drops them
    if (isScalar(v)) put(out, key, typeof v === "number" && !Number.isFinite(v) ? null : v);
    else if (typeof v === "bigint")
      put(out, key, Number.isSafeInteger(Number(v)) ? Number(v) : v.toString());
    else if (Array.isArray(v))
      put(
        out,
        key,
        v.every(isScalar)
          ? v.map((x) => (typeof x === "number" && !Number.isFinite(x) ? null : x))
          : JSON.stringify(v),
      );
    else if (depth >= MAX_DEPTH) put(out, key, JSON.stringify(v));
    else walk(v as Record<string, unknown>, `${key}.`, depth + 1, out);
  }
}

function put(out: Record<string, PropertyValue>, key: string, value: PropertyValue): void {
  if (key === "__proto__")
    Object.defineProperty(out, key, {
      value,
      writable: true,
      enumerable: true,
      configurable: true,
    });
  else out[key] = value;
}

function isScalar(v: unknown): v is Scalar {
  return v === null || typeof v === "string" || typeof v === "number" || typeof v === "boolean";
}
