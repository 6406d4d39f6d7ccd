import { Hono } from "hono";
import { cors } from "hono/cors";
import { version } from "../../package.json";
import type { Env } from "./env.ts";
import { flamInstance } from "./flam-wasm.ts";
import { notFound, onError } from "./http-error.ts";
import { adminRoutes } from "./routes/admin.ts";
import { debugRoutes } from "./routes/debug.ts";
import { definitionRoutes } from "./routes/definitions.ts";
import { exportRoutes } from "./routes/export.ts";
import { nativeRoutes } from "./routes/native.ts";
import { posthogRoutes } from "./routes/posthog.ts";
import { segmentRoutes } from "./routes/segment.ts";
import { queryRoutes } from "./routes/query.ts";
import { streamRoutes } from "./routes/stream.ts";
import { visitorRoutes } from "./routes/visitors.ts";
import { woopraRoutes } from "./routes/woopra.ts";
import { statsRoutes } from "./routes/stats.ts";
import { drainSpill, type SpillMessage } from "./spill/index.ts";

export { Partition } from "./partition/partition.ts";
export { Registry } from "./registry/registry.ts";
export { SpillBacklog } from "./spill/index.ts";

/**
 * The edge router: beacons of every accepted wire format in, one RPC per partition out.
 *
 * @example
 * const res = await app.request("/health");
 * await res.json(); // {"ok":true,"service":"flamingo","version":"0.1.0","wasm":true}
 */
export const app = new Hono<{ Bindings: Env }>();

// Beacons come from any site, and keys travel in headers or the query, never in cookies, so
// any origin may call; preflights are answered here for every route.
app.use(
  "*",
  cors({
    origin: "*",
    allowMethods: ["GET", "POST", "PUT", "DELETE", "OPTIONS"],
    allowHeaders: ["Content-Type", "Authorization", "Content-Encoding", "X-Retry-Count"],
    // The SDK's outbox honours 429 Retry-After; cross-origin it can only read exposed headers.
    exposeHeaders: ["Retry-After"],
    maxAge: 86400,
  }),
);

app.get("/health", (c) => {
  // Instantiating here makes a deploy with a broken kernel binary fail its health check (500)
  // instead of its first query.
  flamInstance();
  return c.json({ ok: true, service: "flamingo", version, wasm: true });
});

app.route("/", nativeRoutes);
app.route("/", segmentRoutes);
app.route("/", woopraRoutes);
app.route("/", posthogRoutes);
app.route("/", visitorRoutes);
app.route("/", queryRoutes);
app.route("/", streamRoutes);
app.route("/", definitionRoutes);
app.route("/", exportRoutes);
app.route("/", statsRoutes);
app.route("/", adminRoutes);
app.route("/", debugRoutes);

app.notFound(notFound);
app.onError(onError);

/**
 * The Worker entry point (wrangler.toml `main`): HTTP, and the spill Queue's consumer, which
 * stores the batches overloaded partitions refused once they recover.
 */
export default { fetch: app.fetch, queue: drainSpill } satisfies ExportedHandler<Env, SpillMessage>;
