/**
 * Segment and trigger definitions as the registry keeps them: the validated JSON of each, its id
 * and version, and a per-project set version that grows with every change, so a partition can
 * tell a newer set from the one it holds (docs/triggers.md, "Definitions reach partitions").
 * Validation is the edge's (src/triggers); the registry stores and numbers.
 */

export type DefinitionKind = "segment" | "trigger";

export interface StoredDefinition {
  kind: DefinitionKind;
  id: string;
  /** 1 on creation, +1 on each replacement. */
  version: number;
  name: string;
  /** The definition's JSON as accepted (validated by the edge before it was stored). */
  spec: Record<string, unknown>;
  updatedAt: number;
}

/** All definitions of a project at one set version. */
export interface DefinitionSet {
  version: number;
  definitions: StoredDefinition[];
}

export const DEFINITION_TABLES = [
  `CREATE TABLE IF NOT EXISTS definitions (
     project TEXT NOT NULL, kind TEXT NOT NULL, id TEXT NOT NULL, version INTEGER NOT NULL,
     name TEXT NOT NULL, spec TEXT NOT NULL, updated_at INTEGER NOT NULL,
     PRIMARY KEY (project, kind, id))`,
  `CREATE UNIQUE INDEX IF NOT EXISTS definitions_name ON definitions (project, kind, name)`,
  `CREATE TABLE IF NOT EXISTS definition_sets (project TEXT PRIMARY KEY, version INTEGER NOT NULL)`,
];

type Row = {
  kind: DefinitionKind;
  id: string;
  version: number;
  name: string;
  spec: string;
  updated_at: number;
};

/** The project's definition set (version 0 and none when it never had any). */
export function readSet(sql: SqlStorage, project: string): DefinitionSet {
  const v = sql
    .exec<{ version: number }>("SELECT version FROM definition_sets WHERE project = ?", project)
    .toArray()[0];
  const definitions = sql
    .exec<Row>(
      "SELECT kind, id, version, name, spec, updated_at FROM definitions WHERE project = ? ORDER BY kind, id",
      project,
    )
    .toArray()
    .map((r) => ({
      kind: r.kind,
      id: r.id,
      version: r.version,
      name: r.name,
      spec: JSON.parse(r.spec) as Record<string, unknown>,
      updatedAt: r.updated_at,
    }));
  return { version: v?.version ?? 0, definitions };
}

/** Bumps the project's set version; call inside the transaction that changed a definition. */
export function bumpSet(sql: SqlStorage, project: string): void {
  sql.exec(
    `INSERT INTO definition_sets (project, version) VALUES (?, 1)
     ON CONFLICT (project) DO UPDATE SET version = version + 1`,
    project,
  );
}

/** A fresh definition id: `seg_` or `trg_` and 16 hex digits. */
export function newDefinitionId(kind: DefinitionKind): string {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${kind === "segment" ? "seg" : "trg"}_${hex}`;
}
