/**
 * The edge's view of the registry: key and site lookups through the Registry Durable Object,
 * cached per isolate for a few seconds so that a request does not pay a registry round trip.
 * A rotated key keeps working at an edge for at most `TTL_MS`.
 */
import type { Env } from "./env.ts";
import type { KeyGrant } from "./registry/registry.ts";
import type { Project } from "./registry/project.ts";

const TTL_MS = 5000;
/** Bounds the cache: isolates are shared and keys are attacker-chosen strings. */
const MAX_ENTRIES = 10_000;

const cache = new Map<string, { at: number; value: unknown }>();
let demoReady: Promise<unknown> | undefined;

async function cached<T>(key: string, load: () => Promise<T>): Promise<T> {
  const hit = cache.get(key);
  const now = Date.now();
  if (hit !== undefined && now - hit.at < TTL_MS) return hit.value as T;
  const value = await load();
  if (cache.size >= MAX_ENTRIES) cache.clear();
  cache.set(key, { at: now, value });
  return value;
}

function registry(env: Env) {
  return env.REGISTRY.getByName("registry");
}

/**
 * Creates the local `demo` project on first use when `FLAMINGO_DEMO` is "true" (set by
 * `npm start` and the tests, never in wrangler.toml, so a deployed Worker has no demo project).
 */
async function ensureDemo(env: Env): Promise<void> {
  if (env.FLAMINGO_DEMO !== "true") return;
  demoReady ??= registry(env)
    .ensureProject({
      id: "demo",
      name: "Demo",
      domains: ["demo", "localhost", "127.0.0.1"],
      keys: {
        write: env.DEMO_WRITE_KEY ?? "demo-write-key",
        read: env.DEMO_READ_KEY ?? "demo-read-key",
        admin: env.DEMO_ADMIN_KEY ?? "demo-admin-key",
      },
    })
    .catch((e: unknown) => {
      demoReady = undefined;
      throw e;
    });
  await demoReady;
}

/** A project by id, or null (read tokens name their project). */
export async function projectById(env: Env, id: string): Promise<Project | null> {
  await ensureDemo(env);
  return cached(
    `p:${id}`,
    async () => ((await registry(env).project(id)) as Project | undefined) ?? null,
  );
}

/** The project and rights a key grants, or null. */
export async function grantOf(env: Env, key: string): Promise<KeyGrant | null> {
  await ensureDemo(env);
  return cached(`k:${key}`, async () => (await registry(env).resolveKey(key)) as KeyGrant | null);
}

/** The project a Woopra site value names, or null. */
export async function projectOfSite(env: Env, site: string): Promise<Project | null> {
  await ensureDemo(env);
  return cached(
    `s:${site.toLowerCase()}`,
    async () => (await registry(env).resolveSite(site)) as Project | null,
  );
}

/** Forgets cached answers (tests; after a rotation made through this isolate). */
export function forgetRegistryCache(): void {
  cache.clear();
}
