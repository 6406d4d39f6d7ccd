/**
 * Reading a filter (docs/query.md, "Filters"): untrusted JSON in, a validated `Filter` out, or a
 * `QueryError` whose `path` names the offending part. Shared by queries (`where`) and trigger
 * definitions (`when.where`, `did ... where`), so both accept exactly the same language. Also the
 * small JSON-reading helpers the query parser uses for its other parts.
 */
import { invalid } from "./errors.ts";
import { MAX_DEPTH, MAX_IN_VALUES, MAX_LEAVES, MAX_STRING } from "./limits.ts";
import { fieldKind, type Filter, type Leaf, type LeafOp, type Scalar } from "./query.ts";

export type Json = Record<string, unknown>;

export const OPS: readonly LeafOp[] = [
  "eq",
  "ne",
  "in",
  "nin",
  "lt",
  "lte",
  "gt",
  "gte",
  "contains",
  "startsWith",
  "exists",
];
const TIME_FIELDS = new Set(["time", "receivedAt"]);
/** ISO 8601 with a zone, or a bare date (UTC midnight). A zoneless time would be ambiguous. */
const ISO = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2}))?$/i;
/** Largest epoch ms a JS Date can hold. */
const MAX_MS = 8.64e15;

/** Options of {@link parseFilter}. */
export interface FilterOptions {
  /**
   * Whether `visitor.<prop>` fields (the visitor's current profile) are allowed. Defaults to
   * true; trigger definitions pass false, because they test one event as it arrives.
   */
  profileFields: boolean;
}

/**
 * Validates a filter tree at `path` (its JSON Pointer in the enclosing document), counting
 * leaves and depth against the limits (16 levels, 256 conditions). On `time` and `receivedAt`,
 * ISO 8601 values are turned into epoch ms.
 *
 * @throws {QueryError} `invalid_query` with the JSON Pointer of the first problem found.
 * @example
 * parseFilter({ field: "time", op: "gte", value: "2026-01-01" }, "/where")
 * // { field: "time", op: "gte", value: 1767225600000 }
 */
export function parseFilter(
  value: unknown,
  path: string,
  options: Readonly<Partial<FilterOptions>> = {},
): Filter {
  const budget = { leaves: 0, profile: options.profileFields ?? true };
  return filter(value, path, 1, budget);
}

interface Budget {
  leaves: number;
  profile: boolean;
}

function filter(value: unknown, path: string, depth: number, budget: Budget): Filter {
  if (depth > MAX_DEPTH) throw invalid(path, `filters nest at most ${MAX_DEPTH} levels`);
  const f = object(value, path);
  for (const k of ["all", "any"] as const) {
    if (f[k] === undefined) continue;
    only(f, path, [k]);
    const items = array(f[k], `${path}/${k}`);
    if (items.length === 0) throw invalid(`${path}/${k}`, "must not be empty");
    const children = items.map((c, i) => filter(c, `${path}/${k}/${i}`, depth + 1, budget));
    return k === "all" ? { all: children } : { any: children };
  }
  if (f.not !== undefined) {
    only(f, path, ["not"]);
    return { not: filter(f.not, `${path}/not`, depth + 1, budget) };
  }
  only(f, path, ["field", "op", "value"]);
  if (++budget.leaves > MAX_LEAVES) throw invalid(path, `at most ${MAX_LEAVES} conditions`);
  const parsed = leaf(f, path);
  if (!budget.profile && fieldKind(parsed.field).kind === "profile")
    throw invalid(`${path}/field`, "visitor.<prop> fields are not allowed here");
  return parsed;
}

function leaf(f: Json, path: string): Leaf {
  if (f.field === undefined && f.op === undefined)
    throw invalid(path, `must be a condition {field, op, value} or one of all, any, not`);
  const name = field(f.field, `${path}/field`);
  return { field: name, ...parseCondition(f, path, TIME_FIELDS.has(name)) };
}

/**
 * Validates the `op` and `value` of a condition object at `path` (the rules of a filter leaf).
 * `time`: the value is an instant (epoch ms or ISO 8601 text, turned into epoch ms).
 *
 * @example
 * parseCondition({ op: "in", value: ["a", 1] }, "/segment", false) // { op: "in", value: ["a", 1] }
 */
export function parseCondition(
  f: Json,
  path: string,
  time: boolean,
): { op: LeafOp; value: Scalar | Scalar[] } {
  const op = f.op as LeafOp;
  if (!OPS.includes(op))
    throw invalid(`${path}/op`, `must be one of ${OPS.join(", ")}${got(f.op)}`);
  const vpath = `${path}/value`;
  if (!("value" in f)) throw invalid(vpath, "is required");
  const v = f.value;
  switch (op) {
    case "exists":
      if (typeof v !== "boolean") throw invalid(vpath, `exists takes true or false${got(v)}`);
      return { op, value: v };
    case "in":
    case "nin": {
      const items = array(v, vpath);
      if (items.length === 0 || items.length > MAX_IN_VALUES)
        throw invalid(vpath, `${op} takes 1 to ${MAX_IN_VALUES} values, got ${items.length}`);
      return {
        op,
        value: items.map((x, i) =>
          time ? instant(x, `${vpath}/${i}`) : scalar(x, `${vpath}/${i}`),
        ),
      };
    }
    case "lt":
    case "lte":
    case "gt":
    case "gte":
      if (time) return { op, value: instant(v, vpath) };
      if (typeof v !== "number" && typeof v !== "string")
        throw invalid(vpath, `${op} compares with a number or a string${got(v)}`);
      return { op, value: scalar(v, vpath) };
    case "startsWith":
      if (typeof v !== "string") throw invalid(vpath, `startsWith takes a string${got(v)}`);
      return { op, value: scalar(v, vpath) };
    case "contains":
      if (v === null || typeof v === "object")
        throw invalid(vpath, `contains takes a string, number or boolean${got(v)}`);
      return { op, value: scalar(v, vpath) };
    default:
      return { op, value: time && v !== null ? instant(v, vpath) : scalar(v, vpath) };
  }
}

export function scalar(v: unknown, path: string): Scalar {
  if (v === null || typeof v === "boolean") return v;
  if (typeof v === "number") {
    if (!Number.isFinite(v)) throw invalid(path, "must be a finite number");
    return v;
  }
  if (typeof v === "string") {
    if (v.length > MAX_STRING) throw invalid(path, `strings are at most ${MAX_STRING} characters`);
    return v;
  }
  throw invalid(path, `must be a string, number, boolean or null${got(v)}`);
}

/** Epoch ms from a number or ISO 8601 text. */
export function instant(v: unknown, path: string): number {
  if (typeof v === "number" && Number.isFinite(v) && Math.abs(v) <= MAX_MS) return v;
  if (typeof v === "string" && ISO.test(v)) {
    const ms = Date.parse(v);
    if (Number.isFinite(ms)) return ms;
  }
  throw invalid(path, `must be epoch milliseconds or ISO 8601 text with a zone${got(v)}`);
}

export function field(v: unknown, path: string): string {
  if (typeof v !== "string" || v.length === 0 || v.length > 255)
    throw invalid(path, `must be a field name of 1 to 255 characters${got(v)}`);
  return v;
}

export function object(v: unknown, path: string): Json {
  if (typeof v !== "object" || v === null || Array.isArray(v))
    throw invalid(path, `must be an object${got(v)}`);
  return v as Json;
}

export function array(v: unknown, path: string): unknown[] {
  if (!Array.isArray(v)) throw invalid(path, `must be an array${got(v)}`);
  return v;
}

export function only(o: Json, path: string, keys: readonly string[]): void {
  for (const k of Object.keys(o))
    if (!keys.includes(k))
      throw invalid(`${path}/${pointer(k)}`, `unknown key (expected ${keys.join(", ")})`);
}

/** JSON Pointer escaping of one key. */
export function pointer(key: string): string {
  return key.replaceAll("~", "~0").replaceAll("/", "~1");
}

/** ", got <short JSON>" for messages; never the whole (possibly huge) input. */
export function got(v: unknown): string {
  let text: string;
  try {
    text = v === undefined ? "nothing" : JSON.stringify(v);
  } catch {
    text = typeof v;
  }
  return `, got ${text.length > 60 ? `${text.slice(0, 57)}...` : text}`;
}
