/**
 * Reading untrusted JSON: the shape checks every definition parser needs, throwing
 * {@link DefinitionError}s at JSON Pointer paths. Filters are read by the query language's own
 * parser (src/query/parse-filter.ts), so a `where` here is exactly a query's `where`.
 */
import { QueryError } from "../query/errors.ts";
import { got, parseFilter, pointer } from "../query/parse-filter.ts";
import type { Filter } from "../query/index.ts";
import { DefinitionError, invalid } from "./errors.ts";

export type Json = Record<string, unknown>;
export { got };

export function object(v: unknown, path: string): Json {
  if (typeof v !== "object" || v === null || Array.isArray(v))
    throw invalid(path, `must be an object${got(v)}`);
  return v as Json;
}

export function array(v: unknown, path: string): unknown[] {
  if (!Array.isArray(v)) throw invalid(path, `must be an array${got(v)}`);
  return v;
}

/** Refuses any key not in `keys`, at the key's own path, so a typo never changes a meaning. */
export function only(o: Json, path: string, keys: readonly string[]): void {
  for (const k of Object.keys(o))
    if (!keys.includes(k))
      throw invalid(`${path}/${pointer(k)}`, `unknown key (expected ${keys.join(", ")})`);
}

/** A string of 1..max characters. */
export function text(v: unknown, path: string, what: string, max: number): string {
  if (typeof v !== "string" || v.length === 0 || v.length > max)
    throw invalid(path, `must be ${what} of 1 to ${max} characters${got(v)}`);
  return v;
}

/** An integer in min..max. */
export function integer(v: unknown, path: string, min: number, max: number): number {
  if (!Number.isInteger(v) || (v as number) < min || (v as number) > max)
    throw invalid(path, `must be an integer in ${min}..${max}${got(v)}`);
  return v as number;
}

/** A filter on the event, as in a query's `where` but without `visitor.<prop>` fields. */
export function eventFilter(v: unknown, path: string): Filter {
  return fromQuery(() => parseFilter(v, path, { profileFields: false }));
}

/** Runs a query-language parser, turning its `QueryError` into a `DefinitionError` (same path). */
export function fromQuery<T>(parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    if (e instanceof QueryError) throw new DefinitionError(e.path, e.message);
    throw e;
  }
}

/** Bytes of a string in UTF-8, without allocating. */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}
