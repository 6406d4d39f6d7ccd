/**
 * Short-lived read tokens (docs/sdk.md, "Log cache"): minted by the edge for a read key, scoped
 * to one project and optionally one visitor, and checked without a registry lookup: the claims
 * are signed with HMAC-SHA256 under the Worker's `TOKEN_SECRET`. A browser holds a token, never
 * the read key.
 *
 * Format: `frt_<base64url(JSON claims)>.<base64url(signature)>`.
 */
import type { Env } from "./env.ts";
import { fromBase64url, hmacSha256, toBase64url } from "./hmac.ts";
import { HttpError } from "./http-error.ts";

export interface TokenClaims {
  /** Project id. */
  p: string;
  /** The one visitor the token may read, when scoped. */
  v?: string;
  /** Expiry, epoch seconds. */
  exp: number;
}

export const TOKEN_PREFIX = "frt_";
/** Longest lifetime a token may be minted with. */
export const MAX_TOKEN_TTL_S = 24 * 3600;

/** The signing secret: `TOKEN_SECRET`, or a fixed one for the local demo only. */
function secretOf(env: Env): string {
  if (env.TOKEN_SECRET !== undefined && env.TOKEN_SECRET.length >= 16) return env.TOKEN_SECRET;
  if (env.FLAMINGO_DEMO === "true") return "flamingo-local-demo-token-secret";
  throw new HttpError(
    503,
    "tokens_unavailable",
    "read tokens need the TOKEN_SECRET secret (16+ characters); set it with `wrangler secret put TOKEN_SECRET`",
  );
}

/** Mints a token. */
export async function mintToken(env: Env, claims: TokenClaims): Promise<string> {
  const body = toBase64url(new TextEncoder().encode(JSON.stringify(claims)));
  return `${TOKEN_PREFIX}${body}.${toBase64url(await hmacSha256(secretOf(env), body))}`;
}

/**
 * The claims of a valid, unexpired token, or a 401 naming the problem.
 *
 * @example
 * const { p, v } = await verifyToken(env, token, Date.now());
 */
export async function verifyToken(env: Env, token: string, now: number): Promise<TokenClaims> {
  const bad = (why: string) => new HttpError(401, "invalid_token", `the read token ${why}`);
  const [body, sig] = token.slice(TOKEN_PREFIX.length).split(".");
  if (body === undefined || sig === undefined || !/^[\w-]+$/.test(body) || !/^[\w-]+$/.test(sig))
    throw bad("is malformed");
  const expected = await hmacSha256(secretOf(env), body);
  let given: Uint8Array;
  try {
    given = fromBase64url(sig);
  } catch {
    throw bad("is malformed");
  }
  // Constant time: the comparison must not tell how many leading bytes were right.
  let diff = given.length ^ expected.length;
  for (let i = 0; i < expected.length; i++) diff |= expected[i]! ^ (given[i] ?? 0);
  if (diff !== 0) throw bad("has a wrong signature");
  let claims: TokenClaims;
  try {
    claims = JSON.parse(new TextDecoder().decode(fromBase64url(body))) as TokenClaims;
  } catch {
    throw bad("is malformed");
  }
  if (typeof claims.p !== "string" || typeof claims.exp !== "number") throw bad("is malformed");
  if (claims.exp * 1000 <= now)
    throw new HttpError(401, "token_expired", "the read token has expired");
  return claims;
}
