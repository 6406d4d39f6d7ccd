/**
 * The bench's web server on 127.0.0.1: the page, its script (bench/client/page.ts bundled by
 * esbuild), build/flam.wasm and a stand-in for `GET /v1/export` over the bench's blocks.
 */
import { build } from "esbuild";
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { exportAnswer, type ExportLog } from "./export-answer.ts";

export interface BenchServer {
  origin: string;
  /** Export answers served, and their bytes. */
  exports(): { requests: number; bytes: number };
  close(): Promise<void>;
}

const PAGE = `<!doctype html><meta charset="utf-8"><title>flamingo bench</title>
<script type="module" src="/page.js"></script>`;

/** Bundles page.ts for Chromium (src/client/cache.ts, idb and the query engine included). */
export async function bundlePage(): Promise<Uint8Array> {
  const result = await build({
    entryPoints: [fileURLToPath(new URL("./page.ts", import.meta.url))],
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    write: false,
  });
  return result.outputFiles[0]!.contents;
}

/**
 * Serves `log` to a client that presents `token`, as the edge would.
 *
 * @example
 * const server = await startBenchServer({ partition: "p0", sealed, tail }, "bench-token");
 * await page.goto(server.origin);
 */
export async function startBenchServer(log: ExportLog, token: string): Promise<BenchServer> {
  const script = await bundlePage();
  const wasm = readFileSync(new URL("../../build/flam.wasm", import.meta.url));
  let requests = 0;
  let bytes = 0;
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const send = (status: number, type: string, body: Uint8Array | string) => {
      res.writeHead(status, { "content-type": type, "cache-control": "no-store" });
      res.end(body);
    };
    if (url.pathname === "/") return send(200, "text/html", PAGE);
    if (url.pathname === "/page.js") return send(200, "text/javascript", script);
    if (url.pathname === "/flam.wasm") return send(200, "application/wasm", wasm);
    if (url.pathname === "/v1/export") {
      if (req.headers.authorization !== `Bearer ${token}`) return send(401, "text/plain", "no");
      const body = exportAnswer(log, url.searchParams.get("cursor") ?? "");
      requests++;
      bytes += body.length;
      return send(200, "application/vnd.flamingo.export", body);
    }
    send(404, "text/plain", "not found");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    exports: () => ({ requests, bytes }),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
