/**
 * Reading fields of untrusted JSON. Every parser goes through these, so "any JSON value anywhere"
 * is handled once: a field of the wrong type is reported, never thrown, and property maps are
 * copied into objects without a prototype so a key such as `__proto__` stays an ordinary key.
 */

/**
 * A JSON object (not `null`, not an array).
 *
 * @example
 * isObject({}) // true
 * isObject([]) // false
 */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * A map without a prototype: assigning `map["__proto__"]` creates an own key instead of calling
 * `Object.prototype`'s setter, and `map.constructor` is not inherited.
 *
 * @example
 * const m = emptyMap(); m["__proto__"] = { polluted: true }; Object.keys(m) // ["__proto__"]
 */
export function emptyMap(): Record<string, unknown> {
  return Object.create(null) as Record<string, unknown>;
}

/**
 * A prototype-free shallow copy of `source`'s own enumerable keys. Nested values are shared:
 * they are JSON values (where `JSON.parse` already makes `__proto__` an own key) and the edge
 * flattens them with `Object.entries`, which never reads a prototype.
 *
 * @example
 * copyMap(JSON.parse('{"__proto__":{"x":1},"a":2}')) // own keys "__proto__" and "a"
 */
export function copyMap(source: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out = emptyMap();
  for (const key of Object.keys(source)) out[key] = source[key];
  return out;
}

/**
 * Reads an optional map field: absent or `null` is an empty map, an object is copied, anything
 * else is `undefined` (the caller reports it).
 *
 * @example
 * readMap(undefined) // {}
 * readMap([1, 2]) // undefined
 */
export function readMap(value: unknown): Record<string, unknown> | undefined {
  if (value === undefined || value === null) return emptyMap();
  return isObject(value) ? copyMap(value) : undefined;
}

/**
 * True for a field that was not sent: absent, `null` or the empty string.
 *
 * @example
 * isAbsent("") // true
 * isAbsent(0) // false
 */
export function isAbsent(value: unknown): boolean {
  return value === undefined || value === null || value === "";
}

/**
 * Reads an identifier (user id, distinct id, message id). Segment's and PostHog's servers accept
 * numeric ids and store their decimal text, and so does the edge.
 *
 * @returns the id as a non-empty string, or `undefined` when it is absent or not an id.
 * @example
 * readIdentifier("u-1") // "u-1"
 * readIdentifier(42) // "42"
 * readIdentifier({}) // undefined
 */
export function readIdentifier(value: unknown): string | undefined {
  if (typeof value === "string") return value === "" ? undefined : value;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return undefined;
}

/**
 * A non-empty string, else `undefined`.
 *
 * @example
 * readString("pageview") // "pageview"
 * readString(42) // undefined
 */
export function readString(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

/**
 * The JSON type of a value, for messages: `events[0].name must be a non-empty string, got a number`.
 *
 * @example
 * kindOf([]) // "an array"
 */
export function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (value === "") return "an empty string";
  switch (typeof value) {
    case "string":
      return "a string";
    case "number":
      return "a number";
    case "boolean":
      return "a boolean";
    case "object":
      return "an object";
    default:
      return typeof value;
  }
}

/**
 * The path of a field inside an event, for messages.
 *
 * @example
 * fieldPath("batch[2]", "userId") // "batch[2].userId"
 * fieldPath("", "userId") // "userId": the body is itself one event
 */
export function fieldPath(prefix: string, field: string): string {
  return prefix === "" ? field : `${prefix}.${field}`;
}
