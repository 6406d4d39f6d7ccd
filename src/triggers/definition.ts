/**
 * Reading trigger and segment definitions: untrusted JSON in, a validated spec out, or a
 * `DefinitionError` whose `path` names the offending part (docs/triggers.md). Every key is
 * checked, so a typo is an error rather than a silently different segment.
 */
import { parseCondition } from "../query/parse-filter.ts";
import { parseActions } from "./actions.ts";
import { parseDuration } from "./duration.ts";
import { invalid } from "./errors.ts";
import {
  array,
  eventFilter,
  fromQuery,
  got,
  integer,
  object,
  only,
  text,
  type Json,
} from "./json.ts";
import {
  DEFAULT_VISIT_GAP_MS,
  MAX_CONSTRAINTS,
  MAX_COUNT,
  MAX_DEPTH,
  MAX_FIELD,
  MAX_NAME,
} from "./limits.ts";
import type { Constraint, CountKind, Frequency, SegmentSpec, TriggerSpec, When } from "./spec.ts";

/** Segments a definition may reference, by name. */
export type SegmentsByName = ReadonlyMap<string, Pick<SegmentSpec, "definition">>;

const COUNTS: readonly CountKind[] = ["atLeast", "atMost", "exactly"];

/**
 * Validates a trigger. `{"segment": name}` references are looked up in `segments` and carry the
 * referenced definition from then on.
 *
 * @throws {DefinitionError} with the JSON Pointer of the first problem found.
 * @example
 * parseTrigger({ name: "welcome back", when: { event: "pageview" },
 *   segment: { did: "purchase", atLeast: 1 }, frequency: { oncePer: "visit" },
 *   actions: [{ type: "inPage", payload: { banner: "Welcome back!" } }] }, new Map())
 * // { ..., segment: { did: "purchase", count: "atLeast", n: 1 },
 * //   frequency: { oncePer: "visit", gap: 1800000 }, ... }
 */
export function parseTrigger(json: unknown, segments: SegmentsByName): TriggerSpec {
  const t = object(json, "");
  only(t, "", ["name", "when", "segment", "frequency", "actions"]);
  return {
    name: text(t.name, "/name", "a name", MAX_NAME),
    when: parseWhen(t.when),
    segment: parseConstraintTree(t.segment, "/segment", segments, null),
    frequency: parseFrequency(t.frequency),
    actions: parseActions(t.actions, "/actions"),
  };
}

/**
 * Validates a standalone segment. It may reference other segments, but not itself.
 *
 * @throws {DefinitionError} with the JSON Pointer of the first problem found.
 * @example
 * parseSegment({ name: "big spenders",
 *   definition: { did: "purchase", where: { field: "price", op: "gte", value: 500 }, atLeast: 2, within: "90d" } },
 *   new Map())
 */
export function parseSegment(json: unknown, segments: SegmentsByName): SegmentSpec {
  const s = object(json, "");
  only(s, "", ["name", "definition"]);
  const name = text(s.name, "/name", "a name", MAX_NAME);
  return { name, definition: parseConstraintTree(s.definition, "/definition", segments, name) };
}

/**
 * The names of the segments a definition references, directly or through other segments: the
 * definitions to parse again (with a new version) when one of those segments changes.
 *
 * @example
 * referencedSegments(trigger.segment) // ["frequent flyers"]
 */
export function referencedSegments(c: Constraint, out = new Set<string>()): string[] {
  if ("all" in c) c.all.forEach((x) => referencedSegments(x, out));
  else if ("any" in c) c.any.forEach((x) => referencedSegments(x, out));
  else if ("not" in c) referencedSegments(c.not, out);
  else if ("segment" in c) {
    out.add(c.segment);
    referencedSegments(c.definition, out);
  }
  return [...out];
}

function parseWhen(value: unknown): When {
  const w = object(value, "/when");
  only(w, "/when", ["event", "where"]);
  const when: When = { event: eventName(w.event, "/when/event") };
  if (w.where !== undefined) when.where = eventFilter(w.where, "/when/where");
  return when;
}

function parseFrequency(value: unknown): Frequency {
  const f = object(value, "/frequency");
  if (f.oncePer !== undefined) {
    if (f.oncePer === "visitor") {
      only(f, "/frequency", ["oncePer"]);
      return { oncePer: "visitor" };
    }
    if (f.oncePer === "visit") {
      only(f, "/frequency", ["oncePer", "gap"]);
      const gap =
        f.gap === undefined ? DEFAULT_VISIT_GAP_MS : parseDuration(f.gap, "/frequency/gap");
      return { oncePer: "visit", gap };
    }
    throw invalid("/frequency/oncePer", `must be "visitor" or "visit"${got(f.oncePer)}`);
  }
  if (f.atMostEvery !== undefined) {
    only(f, "/frequency", ["atMostEvery"]);
    return { atMostEvery: parseDuration(f.atMostEvery, "/frequency/atMostEvery") };
  }
  if (f.everyTime !== undefined) {
    only(f, "/frequency", ["everyTime"]);
    if (f.everyTime !== true)
      throw invalid("/frequency/everyTime", `must be true${got(f.everyTime)}`);
    return { everyTime: true };
  }
  throw invalid(
    "/frequency",
    `must be {"oncePer": "visitor"}, {"oncePer": "visit", "gap"?}, {"atMostEvery": duration} or {"everyTime": true}${got(f)}`,
  );
}

interface Budget {
  constraints: number;
  segments: SegmentsByName;
  /** The segment being defined (it may not reference itself). */
  self: string | null;
}

function parseConstraintTree(
  value: unknown,
  path: string,
  segments: SegmentsByName,
  self: string | null,
): Constraint {
  return constraint(value, path, 1, { constraints: 0, segments, self });
}

function constraint(value: unknown, path: string, depth: number, budget: Budget): Constraint {
  if (depth > MAX_DEPTH) throw invalid(path, `constraints nest at most ${MAX_DEPTH} levels`);
  if (++budget.constraints > MAX_CONSTRAINTS)
    throw invalid(path, `a definition holds at most ${MAX_CONSTRAINTS} constraints`);
  const c = object(value, path);
  for (const k of ["all", "any"] as const) {
    if (c[k] === undefined) continue;
    only(c, path, [k]);
    const items = array(c[k], `${path}/${k}`);
    if (items.length === 0) throw invalid(`${path}/${k}`, "must not be empty");
    const children = items.map((x, i) => constraint(x, `${path}/${k}/${i}`, depth + 1, budget));
    return k === "all" ? { all: children } : { any: children };
  }
  if (c.not !== undefined) {
    only(c, path, ["not"]);
    return { not: constraint(c.not, `${path}/not`, depth + 1, budget) };
  }
  if (c.segment !== undefined) return segmentRef(c, path, depth, budget);
  if (c.visitor !== undefined) {
    only(c, path, ["visitor", "op", "value"]);
    const key = text(c.visitor, `${path}/visitor`, "a visitor property name", MAX_FIELD);
    return { visitor: key, ...fromQuery(() => parseCondition(c, path, false)) };
  }
  if (c.did !== undefined) return action(c, path);
  throw invalid(
    path,
    `must be a constraint: {"visitor", "op", "value"}, {"did", ...}, {"segment"}, or one of all, any, not${got(c)}`,
  );
}

function segmentRef(c: Json, path: string, depth: number, budget: Budget): Constraint {
  only(c, path, ["segment"]);
  const name = text(c.segment, `${path}/segment`, "a segment name", MAX_NAME);
  if (name === budget.self) throw invalid(`${path}/segment`, "a segment cannot reference itself");
  const target = budget.segments.get(name);
  if (target === undefined)
    throw invalid(`${path}/segment`, `no segment is named ${JSON.stringify(name)}`);
  const size = measure(target.definition);
  budget.constraints += size.nodes;
  if (budget.constraints > MAX_CONSTRAINTS)
    throw invalid(
      `${path}/segment`,
      `segment ${JSON.stringify(name)} brings this definition past ${MAX_CONSTRAINTS} constraints`,
    );
  if (depth + size.depth > MAX_DEPTH)
    throw invalid(
      `${path}/segment`,
      `segment ${JSON.stringify(name)} nests this definition past ${MAX_DEPTH} levels`,
    );
  return { segment: name, definition: target.definition };
}

function action(c: Json, path: string): Constraint {
  const did = eventName(c.did, `${path}/did`);
  const kinds = [...COUNTS, "inARow"].filter((k) => c[k] !== undefined);
  if (kinds.length === 0)
    throw invalid(path, `"did" needs one of atLeast, atMost, exactly or inARow`);
  if (kinds.length > 1)
    throw invalid(
      `${path}/${kinds[1]}`,
      `takes exactly one of atLeast, atMost, exactly or inARow (already has ${kinds[0]})`,
    );
  const kind = kinds[0]!;
  const where = c.where === undefined ? undefined : eventFilter(c.where, `${path}/where`);
  const n = integer(c[kind], `${path}/${kind}`, 1, MAX_COUNT);
  if (kind === "inARow") {
    only(c, path, ["did", "where", "inARow", "sameValue"]);
    return {
      did,
      ...(where && { where }),
      inARow: n,
      ...(c.sameValue !== undefined && {
        sameValue: text(c.sameValue, `${path}/sameValue`, "a property name", MAX_FIELD),
      }),
    };
  }
  only(c, path, ["did", "where", kind, "within"]);
  return {
    did,
    ...(where && { where }),
    count: kind as CountKind,
    n,
    ...(c.within !== undefined && { within: parseDuration(c.within, `${path}/within`) }),
  };
}

/** An event name a definition may name: system events (`$...`) are never evaluated. */
function eventName(v: unknown, path: string): string {
  const name = text(v, path, "an event name", MAX_FIELD);
  if (name.startsWith("$"))
    throw invalid(
      path,
      `system events (names starting with $) are never evaluated, got ${JSON.stringify(name)}`,
    );
  return name;
}

/** Nodes and levels of a parsed constraint, referenced segments included. */
function measure(c: Constraint): { nodes: number; depth: number } {
  let children: Constraint[] = [];
  if ("all" in c) children = c.all;
  else if ("any" in c) children = c.any;
  else if ("not" in c) children = [c.not];
  else if ("segment" in c) children = [c.definition];
  let nodes = 1;
  let depth = 0;
  for (const child of children) {
    const m = measure(child);
    nodes += m.nodes;
    depth = Math.max(depth, m.depth);
  }
  return { nodes, depth: depth + 1 };
}
