/**
 * The offline cache's feed (docs/sdk.md, "Log cache"):
 * - `POST /v1/tokens` (read key) `{"visitor"?: id, "ttlSeconds"?: n}` mints a short-lived read
 *   token for a browser, scoped to the project and optionally one visitor;
 * - `GET /v1/export?cursor=` (read key or token) returns FlaM blocks: the sealed blocks past the
 *   cursor (about 8 MB per answer, `more` when further ones wait) and the open tail of each
 *   partition, resumable by the cursor it answers with.
 *
 * Answer body (`application/vnd.flamingo.export`): a 4-byte little-endian length, that many bytes
 * of JSON `{cursor, more, blocks: [{partition, sealed, first, count, minTime, maxTime, length}]}`,
 * then the blocks' bytes back to back in that order.
 */
import { Hono, type Context } from "hono";
import { authorize, requestKey } from "../auth.ts";
import { parseJson, readText } from "../body.ts";
import type { Env } from "../env.ts";
import { fromBase64url, toBase64url } from "../hmac.ts";
import { HttpError } from "../http-error.ts";
import { frameExport, type ExportHead } from "../../log/export-frame.ts";
import type { ExportChunk } from "../partition/export-log.ts";
import { projectById } from "../registry-client.ts";
import type { Project } from "../registry/project.ts";
import { bucketOf, partitionObjectName, partitionOf } from "../routing.ts";
import { MAX_TOKEN_TTL_S, mintToken, TOKEN_PREFIX, verifyToken } from "../tokens.ts";

export const exportRoutes = new Hono<{ Bindings: Env }>();

/** Bytes of sealed blocks one answer carries, over all partitions. */
const ANSWER_BYTES = 8 * 1024 * 1024;

exportRoutes.post("/v1/tokens", async (c) => {
  const project = await authorize(c.env, requestKey(c), "read");
  const text = await readText(c.req.raw);
  const body = (text.trim() === "" ? {} : parseJson(text)) as Record<string, unknown>;
  if (typeof body !== "object" || body === null || Array.isArray(body))
    throw new HttpError(400, "invalid_token_request", 'body must be {"visitor"?, "ttlSeconds"?}');
  const ttl = body["ttlSeconds"] ?? 3600;
  if (!Number.isInteger(ttl) || (ttl as number) < 1 || (ttl as number) > MAX_TOKEN_TTL_S)
    throw new HttpError(
      400,
      "invalid_ttl",
      `ttlSeconds must be an integer in 1..${MAX_TOKEN_TTL_S}`,
    );
  const visitor = body["visitor"];
  if (visitor !== undefined && (typeof visitor !== "string" || visitor === ""))
    throw new HttpError(400, "invalid_visitor", "visitor must be a non-empty string");
  const exp = Math.floor(Date.now() / 1000) + (ttl as number);
  const token = await mintToken(c.env, {
    p: project.id,
    exp,
    ...(visitor === undefined ? {} : { v: visitor }),
  });
  return c.json({ token, expiresAt: exp * 1000, ...(visitor === undefined ? {} : { visitor }) });
});

/** The project and visitor scope a read key or token opens. */
async function readScope(
  c: Context<{ Bindings: Env }>,
): Promise<{ project: Project; visitor: string | null }> {
  const key = requestKey(c);
  if (key?.startsWith(TOKEN_PREFIX)) {
    const claims = await verifyToken(c.env, key, Date.now());
    const project = await projectById(c.env, claims.p);
    if (project === null) throw new HttpError(401, "invalid_token", "the token's project is gone");
    return { project, visitor: claims.v ?? null };
  }
  return { project: await authorize(c.env, key, "read"), visitor: null };
}

type Cursor = Record<string, number>;

function decodeCursor(text: string | undefined): Cursor {
  if (text === undefined || text === "") return {};
  try {
    const json = JSON.parse(new TextDecoder().decode(fromBase64url(text))) as unknown;
    if (typeof json === "object" && json !== null && !Array.isArray(json)) {
      const entries = Object.entries(json);
      if (entries.every(([, v]) => Number.isInteger(v) && (v as number) >= 0))
        return Object.fromEntries(entries) as Cursor;
    }
  } catch {
    // reported below
  }
  throw new HttpError(400, "invalid_cursor", "cursor is not one this endpoint answered");
}

const encodeCursor = (c: Cursor) => toBase64url(new TextEncoder().encode(JSON.stringify(c)));

exportRoutes.get("/v1/export", async (c) => {
  const { project, visitor } = await readScope(c);
  const cursor = decodeCursor(c.req.query("cursor"));
  const names =
    visitor === null
      ? project.partitions.map((r) => r.partition)
      : [partitionOf(project, bucketOf(project.id, visitor))];
  const budget = Math.max(1, Math.floor(ANSWER_BYTES / names.length));
  let chunks: ExportChunk[];
  try {
    chunks = await Promise.all(
      names.map((p) =>
        c.env.PARTITION.getByName(partitionObjectName(project.id, p)).exportLog(
          cursor[p] ?? 0,
          budget,
          visitor,
        ),
      ),
    );
  } catch (cause) {
    throw new HttpError(503, "partition_unavailable", "a partition did not answer; retry", {
      cause,
    });
  }
  const next: Cursor = { ...cursor };
  const blocks: ExportHead["blocks"] = [];
  const parts: Uint8Array[] = [];
  chunks.forEach((chunk, i) => {
    next[names[i]!] = chunk.sealedThrough;
    for (const b of chunk.blocks) {
      const { bytes, ...meta } = b;
      blocks.push({ partition: names[i]!, ...meta, length: bytes.length });
      parts.push(bytes);
    }
  });
  const out = frameExport(
    { cursor: encodeCursor(next), more: chunks.some((ch) => ch.more), blocks },
    parts,
  );
  return c.body(out, 200, {
    "content-type": "application/vnd.flamingo.export",
    "cache-control": "no-store",
  });
});
