/**
 * A filter on one event, as it arrives (trigger `when`s and `did ... where`s): docs/query.md's
 * operator table on plain values rather than on a block's columns (src/query/filter.ts). Types
 * never convert; an absent field matches only `ne`, `nin` and `exists: false`; an array compares
 * as its JSON text under every operator but `contains`; strings compare by UTF-16 code units.
 */
import type { FlamEvent, PropertyValue } from "../flam/index.ts";
import { fieldKind, type Filter, type LeafOp, type Scalar } from "./query.ts";

/** A property value, or `undefined` for an absent one. */
export type FieldValue = PropertyValue | undefined;

/** A compiled filter: whether one event (and its visitor's current properties) matches. */
export type EventPredicate = (
  event: FlamEvent,
  profile?: Readonly<Record<string, PropertyValue>>,
) => boolean;

/** A compiled condition on one value. */
export type ValueTest = (value: FieldValue) => boolean;

const compiled = new WeakMap<Filter, EventPredicate>();

/**
 * Whether `event` matches `filter`. `visitor.<prop>` fields read `profile` (the visitor's current
 * properties); without one they are absent. Compiles the filter on first use and keeps the
 * compiled form as long as the filter object lives, so calling it per event stays cheap.
 *
 * @example
 * matchEvent({ field: "deal", op: "eq", value: "SFO-NYC" }, searchEvent) // true
 * matchEvent({ field: "price", op: "eq", value: "99" }, { ...e, properties: { price: 99 } }) // false
 */
export function matchEvent(
  filter: Filter,
  event: FlamEvent,
  profile?: Readonly<Record<string, PropertyValue>>,
): boolean {
  let test = compiled.get(filter);
  if (test === undefined) {
    test = compileFilter(filter);
    compiled.set(filter, test);
  }
  return test(event, profile);
}

/**
 * Compiles a validated filter into a predicate (closures, so evaluation allocates nothing for
 * most operators).
 *
 * @example
 * const isDeal = compileFilter({ field: "deal", op: "exists", value: true });
 * events.filter((e) => isDeal(e));
 */
export function compileFilter(filter: Filter): EventPredicate {
  if ("all" in filter) {
    const parts = filter.all.map(compileFilter);
    return (e, p) => {
      for (const part of parts) if (!part(e, p)) return false;
      return true;
    };
  }
  if ("any" in filter) {
    const parts = filter.any.map(compileFilter);
    return (e, p) => {
      for (const part of parts) if (part(e, p)) return true;
      return false;
    };
  }
  if ("not" in filter) {
    const inner = compileFilter(filter.not);
    return (e, p) => !inner(e, p);
  }
  const test = valueTest(filter.op, filter.value);
  const kind = fieldKind(filter.field);
  switch (kind.kind) {
    case "system": {
      const name = kind.name;
      return (e) => test(e[name]);
    }
    case "profile": {
      const key = kind.key;
      return (e, p) => test(p !== undefined ? own(p, key) : undefined);
    }
    case "property": {
      const key = kind.key;
      return (e) => test(own(e.properties, key));
    }
  }
}

/**
 * The test of one condition (`op`, `value` as validated by the filter parser; time values
 * already epoch ms) on a value.
 *
 * @example
 * valueTest("in", ["a", 1])("1") // false: types never convert
 * valueTest("contains", "b")(["a", "b"]) // true: element membership
 * valueTest("eq", '["a","b"]')(["a", "b"]) // true: an array compares as its JSON text
 */
export function valueTest(op: LeafOp, value: Scalar | Scalar[]): ValueTest {
  switch (op) {
    case "eq":
    case "in": {
      // A Set compares with SameValueZero: typed, so "42" and 42 differ, and 0 equals -0.
      const set = new Set<Scalar>(op === "in" ? (value as Scalar[]) : [value as Scalar]);
      return (v) => v !== undefined && set.has(Array.isArray(v) ? JSON.stringify(v) : v);
    }
    case "ne":
    case "nin": {
      const positive = valueTest(op === "ne" ? "eq" : "in", value);
      return (v) => !positive(v);
    }
    case "lt":
    case "lte":
    case "gt":
    case "gte": {
      const cmp = COMPARE[op];
      const want = value as number | string;
      const type = typeof want;
      return (v) => {
        const s = asScalar(v);
        return typeof s === type && cmp(s as typeof want, want);
      };
    }
    case "startsWith": {
      const prefix = value as string;
      return (v) => {
        const s = asScalar(v);
        return typeof s === "string" && s.startsWith(prefix);
      };
    }
    case "contains": {
      const want = value as Scalar;
      return (v) => {
        if (Array.isArray(v)) return v.includes(want);
        return typeof v === "string" && typeof want === "string" && v.includes(want);
      };
    }
    case "exists":
      return value === true
        ? (v) => v !== undefined && v !== null
        : (v) => v === undefined || v === null;
  }
}

const COMPARE = {
  lt: <T>(a: T, b: T) => a < b,
  lte: <T>(a: T, b: T) => a <= b,
  gt: <T>(a: T, b: T) => a > b,
  gte: <T>(a: T, b: T) => a >= b,
};

/** Arrays compare as their JSON text (how a block stores them). */
function asScalar(v: FieldValue): Scalar | undefined {
  return Array.isArray(v) ? JSON.stringify(v) : v;
}

/** An own property: `constructor` or `__proto__` in a map are names, not inherited members. */
function own(map: Readonly<Record<string, PropertyValue>>, key: string): FieldValue {
  return Object.hasOwn(map, key) ? map[key] : undefined;
}
