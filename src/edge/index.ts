import { Hono } from "hono";
import { version } from "../../package.json";
import { flamInstance } from "./flam-wasm.ts";
import { notFound, onError } from "./http-error.ts";

/**
 * The edge router. Only `GET /health` exists yet; ingest and query routes come with their issues.
 *
 * @example
 * const res = await app.request("/health");
 * await res.json(); // {"ok":true,"service":"flamingo","version":"0.1.0","wasm":true}
 */
export const app = new Hono();

app.get("/health", (c) => {
  // Instantiating here makes a deploy with a broken kernel binary fail its health check (500)
  // instead of its first query.
  flamInstance();
  return c.json({ ok: true, service: "flamingo", version, wasm: true });
});

app.notFound(notFound);
app.onError(onError);

/** The Worker entry point (wrangler.toml `main`). */
export default { fetch: app.fetch } satisfies ExportedHandler;
