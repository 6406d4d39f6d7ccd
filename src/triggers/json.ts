/**
 * Reading untrusted JSON: the shape checks every definition parser needs, throwing
 * {@link DefinitionError}s at JSON Pointer paths. Filters are read by the query language's own
 * parser (src/query/parse-filter.ts), so a `where` here is exactly a query's `where`.
 */
import { QueryError } from "../query/errors.ts";
import {
  array as queryArray,
  got,
  object as queryObject,
  only as queryOnly,
  parseFilter,
} from "../query/parse-filter.ts";
import type { Filter } from "../query/index.ts";
import { DefinitionError, invalid } from "./errors.ts";

export type Json = Record<string, unknown>;
export { got };
export { utf8Length } from "../flam/utf8.ts";

// The shape checks are the query parser's own, with its errors turned into definition errors.
export function object(v: unknown, path: string): Json {
  return fromQuery(() => queryObject(v, path));
}

export function array(v: unknown, path: string): unknown[] {
  return fromQuery(() => queryArray(v, path));
}

/** Refuses any key not in `keys`, at the key's own path, so a typo never changes a meaning. */
export function only(o: Json, path: string, keys: readonly string[]): void {
  fromQuery(() => queryOnly(o, path, keys));
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
