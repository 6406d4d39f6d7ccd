/**
 * What one `step` shares between the definitions it evaluates: the event, the time windows end
 * at, the visitor's latest event, the visitor-property test results, and per-event memos, so a
 * filter or a `sameValue` key that many definitions use is computed once per event, not once per
 * definition (docs/triggers.md, "Cost").
 */
import type { FlamEvent, PropertyValue } from "../flam/index.ts";
import type { Filter, LeafOp, Scalar } from "../query/index.ts";
import { compileFilter, valueTest, type ValueTest } from "../query/match-event.ts";

/** One step's shared values; the evaluator reuses one object, so a step allocates none. */
export interface StepContext {
  /** The step's number in its evaluator: per-event memos compare it. */
  epoch: number;
  event: FlamEvent;
  /** Windows end here: the event's time (or `members`' time). */
  t: number;
  /** Id of the visitor's latest event, this one once it is folded: a run holds if it extended it. */
  last: string | undefined;
  /** Id of the visitor's event before this one: a run continues if that event extended it. */
  prev: string | undefined;
  /** Visitor-property test results (1 or 0), by the test's index in {@link Shared.tests}. */
  tests: Uint8Array;
}

/** A per-event memo: the value for `cx.event`, computed at its first use in the step. */
export type PerEvent<T> = (cx: StepContext) => T;

/** A visitor-property condition, shared by every leaf that states it. */
export interface VisitorTest {
  /** The stored key of its result (`VisitorState.p`): property, operator and value as JSON. */
  key: string;
  property: string;
  test: ValueTest;
  /** Its result on an empty profile (before the visitor's first event). */
  initial: 0 | 1;
}

/**
 * The evaluator-wide registry the compiler fills: identical visitor tests, filters and
 * `sameValue` keys become one entry each.
 */
export class Shared {
  readonly tests: VisitorTest[] = [];
  readonly testIndex = new Map<string, number>();
  private readonly filters = new Map<string, PerEvent<boolean>>();
  private readonly keys = new Map<string, PerEvent<string | undefined>>();

  /** The index of the test `{visitor: property, op, value}`. */
  test(property: string, op: LeafOp, value: Scalar | Scalar[]): number {
    const key = JSON.stringify([property, op, value]);
    let i = this.testIndex.get(key);
    if (i === undefined) {
      const test = valueTest(op, value);
      i = this.tests.length;
      this.tests.push({ key, property, test, initial: test(undefined) ? 1 : 0 });
      this.testIndex.set(key, i);
    }
    return i;
  }

  /** Whether the step's event matches `filter`, computed once per event. */
  filter(filter: Filter): PerEvent<boolean> {
    const key = JSON.stringify(filter);
    let memo = this.filters.get(key);
    if (memo === undefined) {
      const predicate = compileFilter(filter);
      let epoch = -1;
      let value = false;
      memo = (cx) => {
        if (epoch !== cx.epoch) {
          value = predicate(cx.event);
          epoch = cx.epoch;
        }
        return value;
      };
      this.filters.set(key, memo);
    }
    return memo;
  }

  /** The step's event's `sameValue` key of `property` ({@link valueKey}), or undefined when absent. */
  sameValue(property: string): PerEvent<string | undefined> {
    let memo = this.keys.get(property);
    if (memo === undefined) {
      let epoch = -1;
      let value: string | undefined;
      memo = (cx) => {
        if (epoch !== cx.epoch) {
          const p = cx.event.properties;
          value = Object.hasOwn(p, property) ? valueKey(p[property]!) : undefined;
          epoch = cx.epoch;
        }
        return value;
      };
      this.keys.set(property, memo);
    }
    return memo;
  }
}

/** Keys longer than this are hashed, so a run's state stays small whatever the values. */
const MAX_KEY = 64;

/**
 * A typed key of a property value: its JSON text (so `"42"` and `42` differ, and an array is
 * its text, as docs/query.md compares them), or `#` and a 53-bit hash of a longer text. JSON text
 * never starts with `#`, so the two forms cannot meet.
 *
 * @example
 * valueKey("SFO-NYC") // '"SFO-NYC"'
 * valueKey(42) // "42"
 */
export function valueKey(v: PropertyValue): string {
  const json = JSON.stringify(v);
  return json.length <= MAX_KEY ? json : `#${hash53(json).toString(36)}`;
}

/** cyrb53 (a public-domain string hash by bryc): 53 bits from two 32-bit multiply-xor lanes. */
function hash53(s: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}
