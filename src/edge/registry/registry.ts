/**
 * The project registry: one Durable Object (named "registry") holding every project, its keys
 * and its partition map, in SQLite. The edge asks it to resolve keys and caches the answers for a
 * few seconds (see `registry-client.ts`).
 */
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env.ts";
import {
  bumpSet,
  DEFINITION_TABLES,
  newDefinitionId,
  readSet,
  type DefinitionKind,
  type DefinitionSet,
  type StoredDefinition,
} from "./definitions.ts";
import {
  checkPartitions,
  evenPartitions,
  newKey,
  type KeyKind,
  type Project,
  type ProjectKeys,
} from "./project.ts";

/** What a key opens: a project and the rights of its kind. */
export interface KeyGrant {
  project: Project;
  kind: KeyKind;
}

/** Input of `createProject`. */
export interface NewProject {
  id: string;
  name?: string;
  domains?: string[];
  /** Number of partitions (even bucket split). Defaults to 4. */
  partitions?: number;
  /** Fixed keys (the local demo project); random when absent. */
  keys?: Partial<ProjectKeys>;
}

class RegistryError extends Error {
  readonly code: RegistryFailure["error"]["code"];
  constructor(code: RegistryFailure["error"]["code"], message: string) {
    super(message);
    this.code = code;
  }
}

/**
 * A refused registry call. Returned rather than thrown: RPC keeps an error's message but not its
 * class or fields, and the edge needs the code to pick the HTTP status.
 */
export interface RegistryFailure {
  error: { code: "invalid" | "exists" | "not_found"; message: string };
}

function attempt<T>(fn: () => T): T | RegistryFailure {
  try {
    return fn();
  } catch (e) {
    if (e instanceof RegistryError) return { error: { code: e.code, message: e.message } };
    throw e;
  }
}

const KINDS: KeyKind[] = ["write", "read", "admin"];

export class Registry extends DurableObject<Env> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(`CREATE TABLE IF NOT EXISTS projects (
      id TEXT PRIMARY KEY, name TEXT NOT NULL, partitions TEXT NOT NULL, created_at INTEGER NOT NULL)`);
    this.sql.exec(`CREATE TABLE IF NOT EXISTS keys (
      key TEXT PRIMARY KEY, project TEXT NOT NULL, kind TEXT NOT NULL, created_at INTEGER NOT NULL)`);
    this.sql.exec(
      `CREATE TABLE IF NOT EXISTS domains (domain TEXT PRIMARY KEY, project TEXT NOT NULL)`,
    );
    for (const ddl of DEFINITION_TABLES) this.sql.exec(ddl);
  }

  /** The project's segment and trigger definitions, with the set version. */
  definitionSet(project: string): DefinitionSet {
    return readSet(this.sql, project);
  }

  /**
   * Creates (`id` null) or replaces a definition, bumping its version and the project's set
   * version in one transaction. `spec` was validated by the edge. Names are unique per kind.
   */
  putDefinition(
    project: string,
    kind: DefinitionKind,
    id: string | null,
    name: string,
    spec: Record<string, unknown>,
  ): { definition: StoredDefinition; set: DefinitionSet } | RegistryFailure {
    return attempt(() => {
      const clash = this.sql
        .exec<{ id: string }>(
          "SELECT id FROM definitions WHERE project = ? AND kind = ? AND name = ?",
          project,
          kind,
          name,
        )
        .toArray()[0];
      if (clash !== undefined && clash.id !== id)
        throw new RegistryError(
          "exists",
          `a ${kind} named ${JSON.stringify(name)} exists (${clash.id})`,
        );
      let version = 1;
      if (id !== null) {
        const old = this.sql
          .exec<{ version: number }>(
            "SELECT version FROM definitions WHERE project = ? AND kind = ? AND id = ?",
            project,
            kind,
            id,
          )
          .toArray()[0];
        if (old === undefined) throw new RegistryError("not_found", `no ${kind} ${id}`);
        version = old.version + 1;
      }
      const defId = id ?? newDefinitionId(kind);
      const now = Date.now();
      this.ctx.storage.transactionSync(() => {
        this.sql.exec(
          `INSERT OR REPLACE INTO definitions (project, kind, id, version, name, spec, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?)`,
          project,
          kind,
          defId,
          version,
          name,
          JSON.stringify(spec),
          now,
        );
        bumpSet(this.sql, project);
      });
      const definition = { kind, id: defId, version, name, spec, updatedAt: now };
      return { definition, set: readSet(this.sql, project) };
    });
  }

  /** Deletes a definition and bumps the set version. */
  deleteDefinition(
    project: string,
    kind: DefinitionKind,
    id: string,
  ): { set: DefinitionSet } | RegistryFailure {
    return attempt(() => {
      this.ctx.storage.transactionSync(() => {
        const gone = this.sql.exec(
          "DELETE FROM definitions WHERE project = ? AND kind = ? AND id = ?",
          project,
          kind,
          id,
        ).rowsWritten;
        if (gone === 0) throw new RegistryError("not_found", `no ${kind} ${id}`);
        bumpSet(this.sql, project);
      });
      return { set: readSet(this.sql, project) };
    });
  }

  /** Creates a project with fresh keys (or the given ones). */
  createProject(input: NewProject): { project: Project; keys: ProjectKeys } | RegistryFailure {
    return attempt(() => this.create(input));
  }

  private create(input: NewProject): { project: Project; keys: ProjectKeys } {
    if (!/^[a-z0-9][a-z0-9_-]{0,62}$/.test(input.id)) {
      throw new RegistryError(
        "invalid",
        "id must be 1-63 characters of a-z, 0-9, '_' and '-', starting with a letter or digit",
      );
    }
    const count = input.partitions ?? 4;
    if (!Number.isInteger(count) || count < 1 || count > 256)
      throw new RegistryError("invalid", "partitions must be an integer in 1..256");
    const domains = (input.domains ?? []).map((d) => String(d).toLowerCase());
    if (this.sql.exec("SELECT 1 FROM projects WHERE id = ?", input.id).toArray().length > 0) {
      throw new RegistryError("exists", `project ${input.id} already exists`);
    }
    for (const d of domains) {
      if (this.sql.exec("SELECT 1 FROM domains WHERE domain = ?", d).toArray().length > 0)
        throw new RegistryError("exists", `domain ${d} belongs to another project`);
    }
    const partitions = evenPartitions(count);
    checkPartitions(partitions);
    const keys: ProjectKeys = {
      write: input.keys?.write ?? newKey("write"),
      read: input.keys?.read ?? newKey("read"),
      admin: input.keys?.admin ?? newKey("admin"),
    };
    const now = Date.now();
    this.ctx.storage.transactionSync(() => {
      this.sql.exec(
        "INSERT INTO projects VALUES (?, ?, ?, ?)",
        input.id,
        input.name ?? input.id,
        JSON.stringify(partitions),
        now,
      );
      for (const kind of KINDS)
        this.sql.exec("INSERT INTO keys VALUES (?, ?, ?, ?)", keys[kind], input.id, kind, now);
      for (const d of domains) this.sql.exec("INSERT INTO domains VALUES (?, ?)", d, input.id);
    });
    return { project: this.project(input.id)!, keys };
  }

  /** Creates the project unless it exists (the local demo project, created on first use). */
  ensureProject(input: NewProject): Project {
    return this.project(input.id) ?? this.create(input).project;
  }

  /** Replaces a project's key of one kind; the old key stops working at once here, and at the edge within the cache time. */
  rotateKey(projectId: string, kind: KeyKind): { key: string } | RegistryFailure {
    return attempt(() => ({ key: this.rotate(projectId, kind) }));
  }

  private rotate(projectId: string, kind: KeyKind): string {
    if (!KINDS.includes(kind))
      throw new RegistryError("invalid", "kind must be write, read or admin");
    if (this.project(projectId) === undefined)
      throw new RegistryError("not_found", `no project ${projectId}`);
    const key = newKey(kind);
    this.ctx.storage.transactionSync(() => {
      this.sql.exec("DELETE FROM keys WHERE project = ? AND kind = ?", projectId, kind);
      this.sql.exec("INSERT INTO keys VALUES (?, ?, ?, ?)", key, projectId, kind, Date.now());
    });
    return key;
  }

  /** The project and rights a key grants, or null. */
  resolveKey(key: string): KeyGrant | null {
    const row = this.sql
      .exec<{ project: string; kind: KeyKind }>("SELECT project, kind FROM keys WHERE key = ?", key)
      .toArray()[0];
    if (row === undefined) return null;
    const project = this.project(row.project);
    return project === undefined ? null : { project, kind: row.kind };
  }

  /** The project a Woopra site value names: a registered domain, or the project's write key. */
  resolveSite(site: string): Project | null {
    const d = this.sql
      .exec<{ project: string }>("SELECT project FROM domains WHERE domain = ?", site.toLowerCase())
      .toArray()[0];
    if (d !== undefined) return this.project(d.project) ?? null;
    const grant = this.resolveKey(site);
    return grant?.kind === "write" ? grant.project : null;
  }

  project(id: string): Project | undefined {
    const row = this.sql
      .exec<{ id: string; name: string; partitions: string }>(
        "SELECT id, name, partitions FROM projects WHERE id = ?",
        id,
      )
      .toArray()[0];
    if (row === undefined) return undefined;
    const domains = this.sql
      .exec<{ domain: string }>("SELECT domain FROM domains WHERE project = ?", id)
      .toArray()
      .map((r) => r.domain);
    return {
      id: row.id,
      name: row.name,
      partitions: JSON.parse(row.partitions) as Project["partitions"],
      domains,
    };
  }
}
