/**
 * Segment and trigger definitions (docs/triggers.md): `POST/GET/PUT/DELETE /v1/segments` and
 * `/v1/triggers` with the admin key; `GET /v1/segments/:id/members` with the read key;
 * `GET /v1/triggers/:id/deliveries` with the admin key.
 *
 * A change is validated here (src/triggers), stored by the registry (which numbers the
 * project's definition set), then pushed to every partition of the project; the API answers only
 * once every partition holds the new set, so no partition evaluates a stale version after the
 * answer. A partition that cannot be reached makes the answer a 503 (the change is stored; the
 * next change, or a retry of this one, pushes the set again).
 */
import { Hono, type Context } from "hono";
import { DefinitionError, parseSegment, parseTrigger } from "../../triggers/index.ts";
import { authorize, requestKey } from "../auth.ts";
import { parseJson, readText } from "../body.ts";
import type { Env } from "../env.ts";
import { HttpError } from "../http-error.ts";
import type { DefinitionKind, DefinitionSet, StoredDefinition } from "../registry/definitions.ts";
import type { Project } from "../registry/project.ts";
import type { RegistryFailure } from "../registry/registry.ts";
import { partitionObjectName } from "../routing.ts";
import { withTimeout } from "../with-timeout.ts";
import { resolveSet, segmentsByName } from "../triggers/definition-set.ts";

export const definitionRoutes = new Hono<{ Bindings: Env }>();

/** How long a partition may take to take a new set (it backfills changed definitions first). */
const PUSH_TIMEOUT_MS = 60_000;
const KINDS: Record<string, DefinitionKind> = { segments: "segment", triggers: "trigger" };

const registry = (env: Env) => env.REGISTRY.getByName("registry");

/** The project's definitions (the RPC type of a JSON-valued record is lost: cast back). */
async function readSet(env: Env, project: string): Promise<DefinitionSet> {
  return (await registry(env).definitionSet(project)) as unknown as DefinitionSet;
}

type Saved = { definition: StoredDefinition; set: DefinitionSet };

function unwrap<T extends object>(r: T | RegistryFailure): T {
  if ("error" in r && typeof r.error === "object") {
    const e = (r as RegistryFailure).error;
    const status = e.code === "not_found" ? 404 : e.code === "exists" ? 409 : 400;
    throw new HttpError(status, e.code === "exists" ? "name_taken" : e.code, e.message);
  }
  return r as T;
}

/** The definition as the API shows it: webhook secrets never leave the registry. */
function view(d: StoredDefinition): Record<string, unknown> {
  const spec = structuredClone(d.spec);
  const actions = spec["actions"];
  if (Array.isArray(actions))
    for (const a of actions)
      if (typeof a === "object" && a !== null && "secret" in a)
        (a as { secret: string }).secret = "***";
  return { id: d.id, version: d.version, updatedAt: d.updatedAt, ...spec };
}

/**
 * Validates `spec` as a definition of `kind` within the project's set with `replacing` swapped
 * in (or added), including every other definition that references segments, so an edit can never
 * leave a stored definition unresolvable.
 */
function validate(
  set: DefinitionSet,
  kind: DefinitionKind,
  spec: unknown,
  replacing: string | null,
): { name: string } {
  try {
    const parsed =
      kind === "segment"
        ? parseSegment(spec, segmentsByName(set))
        : parseTrigger(spec, segmentsByName(set));
    const trial: DefinitionSet = {
      version: set.version + 1,
      definitions: [
        ...set.definitions.filter((d) => d.id !== replacing),
        {
          kind,
          id: replacing ?? "new",
          version: 1,
          name: parsed.name,
          spec: spec as Record<string, unknown>,
          updatedAt: 0,
        },
      ],
    };
    const { broken } = resolveSet(trial);
    if (broken.length > 0)
      throw new HttpError(
        409,
        "breaks_references",
        `this change would break ${broken.map((b) => b.id).join(", ")}: ${broken[0]!.error}`,
      );
    return { name: parsed.name };
  } catch (error) {
    if (error instanceof DefinitionError)
      throw new HttpError(400, "invalid_definition", error.message, {
        details: { path: error.path },
      });
    throw error;
  }
}

/** Sends the set to every partition of the project and waits for all of them. */
async function push(env: Env, project: Project, set: DefinitionSet): Promise<void> {
  const names = project.partitions.map((r) => r.partition);
  const results = await Promise.allSettled(
    names.map((p) =>
      withTimeout(
        env.PARTITION.getByName(partitionObjectName(project.id, p)).setDefinitions(set),
        PUSH_TIMEOUT_MS,
      ),
    ),
  );
  const failed = names.filter((_, i) => results[i]!.status === "rejected");
  results.forEach((r, i) => {
    if (r.status === "rejected")
      console.error(`definitions: partition ${names[i]} failed`, r.reason);
  });
  if (failed.length > 0)
    throw new HttpError(
      503,
      "partition_unavailable",
      `the change is stored, but partitions ${failed.join(", ")} did not take it; retry the request`,
      { details: { partitions: failed } },
    );
}

async function body(c: Context): Promise<unknown> {
  return parseJson(await readText(c.req.raw));
}

/**
 * Creates (`id` null) or replaces a definition from the request body: validated against the
 * project's set, stored by the registry, pushed to every partition; answers its view.
 */
async function save(
  c: Context<{ Bindings: Env }>,
  kind: DefinitionKind,
  id: string | null,
): Promise<Record<string, unknown>> {
  const project = await authorize(c.env, requestKey(c), "admin");
  const spec = await body(c);
  const set = await readSet(c.env, project.id);
  if (id !== null && !set.definitions.some((d) => d.kind === kind && d.id === id))
    throw new HttpError(404, "not_found", `no ${kind} ${id}`);
  const { name } = validate(set, kind, spec, id);
  const saved = unwrap(
    (await registry(c.env).putDefinition(
      project.id,
      kind,
      id,
      name,
      spec as Record<string, unknown>,
    )) as unknown as Saved | RegistryFailure,
  );
  await push(c.env, project, saved.set);
  return view(saved.definition);
}

// Literal paths per kind: a `{segments|triggers}` pattern would also match longer paths.
for (const [plural, kind] of Object.entries(KINDS)) {
  definitionRoutes.get(`/v1/${plural}`, async (c) => {
    const project = await authorize(c.env, requestKey(c), "admin");
    const set = await readSet(c.env, project.id);
    return c.json({
      version: set.version,
      [`${kind}s`]: set.definitions.filter((d) => d.kind === kind).map(view),
    });
  });

  definitionRoutes.get(`/v1/${plural}/:id`, async (c) => {
    const project = await authorize(c.env, requestKey(c), "admin");
    const set = await readSet(c.env, project.id);
    const d = set.definitions.find((x) => x.kind === kind && x.id === c.req.param("id"));
    if (d === undefined) throw new HttpError(404, "not_found", `no ${kind} ${c.req.param("id")}`);
    return c.json(view(d));
  });

  definitionRoutes.post(`/v1/${plural}`, async (c) => c.json(await save(c, kind, null), 201));

  definitionRoutes.put(`/v1/${plural}/:id`, async (c) =>
    c.json(await save(c, kind, c.req.param("id"))),
  );

  definitionRoutes.delete(`/v1/${plural}/:id`, async (c) => {
    const project = await authorize(c.env, requestKey(c), "admin");
    const id = c.req.param("id");
    const set = await readSet(c.env, project.id);
    const rest: DefinitionSet = {
      version: set.version + 1,
      definitions: set.definitions.filter((d) => d.id !== id),
    };
    const { broken } = resolveSet(rest);
    if (broken.length > 0)
      throw new HttpError(
        409,
        "in_use",
        `${id} is referenced by ${broken.map((b) => b.id).join(", ")}`,
      );
    const saved = unwrap(
      (await registry(c.env).deleteDefinition(project.id, kind, id)) as unknown as
        { set: DefinitionSet } | RegistryFailure,
    );
    await push(c.env, project, saved.set);
    return c.body(null, 204);
  });
}

definitionRoutes.get("/v1/segments/:id/members", async (c) => {
  const project = await authorize(c.env, requestKey(c), "read");
  const id = c.req.param("id");
  const limit = Number(c.req.query("limit") ?? "100");
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
    throw new HttpError(400, "invalid_limit", "limit must be an integer in 1..1000");
  const after = c.req.query("cursor") ?? null;
  const set = await readSet(c.env, project.id);
  if (!set.definitions.some((d) => d.id === id))
    throw new HttpError(404, "not_found", `no segment or trigger ${id}`);
  const names = project.partitions.map((r) => r.partition);
  const answers = await Promise.all(
    names.map((p) =>
      env(c).PARTITION.getByName(partitionObjectName(project.id, p)).members(id, after, limit),
    ),
  );
  const visitors = answers.flatMap((a) => a.visitors).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const page = visitors.slice(0, limit);
  const more = answers.some((a) => a.more) || visitors.length > limit;
  return c.json({
    count: answers.reduce((s, a) => s + a.count, 0),
    visitors: page,
    ...(more && page.length > 0 ? { next: page.at(-1) } : {}),
  });
});

definitionRoutes.get("/v1/triggers/:id/deliveries", async (c) => {
  const project = await authorize(c.env, requestKey(c), "admin");
  const status = c.req.query("status") ?? null;
  if (status !== null && !["pending", "delivered", "failed"].includes(status))
    throw new HttpError(400, "invalid_status", "status must be pending, delivered or failed");
  const limit = Number(c.req.query("limit") ?? "100");
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
    throw new HttpError(400, "invalid_limit", "limit must be an integer in 1..1000");
  const names = project.partitions.map((r) => r.partition);
  const lists = await Promise.all(
    names.map((p) =>
      env(c)
        .PARTITION.getByName(partitionObjectName(project.id, p))
        .deliveries(c.req.param("id"), status as "pending" | "delivered" | "failed" | null, limit),
    ),
  );
  const deliveries = lists
    .flat()
    .sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : -1))
    .slice(0, limit);
  return c.json({ deliveries });
});

const env = (c: Context<{ Bindings: Env }>) => c.env;
