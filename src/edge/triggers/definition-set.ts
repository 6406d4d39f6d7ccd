/**
 * Turning a project's stored definitions (the registry's `DefinitionSet`) into what the trigger
 * core evaluates: segments resolved in dependency order, triggers resolved against them, each
 * with an *effective* version that changes whenever its resolved content does (its own edit, or
 * an edit of a segment it references), so a partition knows exactly which definitions to
 * backfill. Pure: used by the edge (validation) and the partition (evaluation).
 */
import {
  DefinitionError,
  parseSegment,
  parseTrigger,
  type SegmentDef,
  type SegmentSpec,
  type TriggerDef,
} from "../../triggers/index.ts";
import type { DefinitionSet, StoredDefinition } from "../registry/definitions.ts";

export interface ResolvedSet {
  version: number;
  segments: SegmentDef[];
  triggers: TriggerDef[];
  /** Canonical resolved JSON and effective version by definition id. */
  effective: Map<string, { json: string; version: number }>;
  /** Definitions that could not be resolved (a deleted segment they name), with the reason. */
  broken: { id: string; error: string }[];
}

/**
 * Resolves a set. `previous` is the effective map of the set held before: a definition whose
 * resolved JSON is unchanged keeps its effective version; a changed or new one gets the new set's
 * version.
 *
 * @example
 * const next = resolveSet(set, held.effective);
 * const changed = [...next.effective].filter(([id, e]) => held.effective.get(id)?.version !== e.version);
 */
export function resolveSet(
  set: DefinitionSet,
  previous: ReadonlyMap<string, { json: string; version: number }> = new Map(),
): ResolvedSet {
  const out: ResolvedSet = {
    version: set.version,
    segments: [],
    triggers: [],
    effective: new Map(),
    broken: [],
  };
  const versionOf = (id: string, json: string) => {
    const old = previous.get(id);
    const version = old !== undefined && old.json === json ? old.version : set.version;
    out.effective.set(id, { json, version });
    return version;
  };
  const byName = new Map<string, SegmentSpec>();
  // Segments may reference segments: parse those whose references resolve, until none moves.
  let pending = set.definitions.filter((d) => d.kind === "segment");
  for (let progress = true; progress && pending.length > 0;) {
    progress = false;
    const later: StoredDefinition[] = [];
    for (const d of pending) {
      try {
        const spec = parseSegment(d.spec, byName);
        byName.set(spec.name, spec);
        out.segments.push({ ...spec, id: d.id, version: versionOf(d.id, JSON.stringify(spec)) });
        progress = true;
      } catch (error) {
        if (!(error instanceof DefinitionError)) throw error;
        later.push(d);
      }
    }
    pending = later;
  }
  for (const d of pending) out.broken.push({ id: d.id, error: errorOf(d, byName) });
  for (const d of set.definitions) {
    if (d.kind !== "trigger") continue;
    try {
      const spec = parseTrigger(d.spec, byName);
      out.triggers.push({ ...spec, id: d.id, version: versionOf(d.id, JSON.stringify(spec)) });
    } catch (error) {
      if (!(error instanceof DefinitionError)) throw error;
      out.broken.push({ id: d.id, error: error.message });
    }
  }
  return out;
}

function errorOf(d: StoredDefinition, byName: ReadonlyMap<string, SegmentSpec>): string {
  try {
    parseSegment(d.spec, byName);
    return "unresolved";
  } catch (error) {
    return (error as Error).message;
  }
}

/** The segments of a set by name, for validating a new definition against it. */
export function segmentsByName(set: DefinitionSet): Map<string, SegmentSpec> {
  return new Map(resolveSet(set).segments.map((s) => [s.name, s]));
}
