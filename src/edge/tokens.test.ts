import { describe, expect, it } from "vitest";
import type { Env } from "./env.ts";
import { mintToken, verifyToken } from "./tokens.ts";

const env = { TOKEN_SECRET: "a-test-secret-of-some-length" } as Env;

describe("read tokens", () => {
  it("verify until they expire, and not under another secret", async () => {
    const exp = Math.floor(Date.now() / 1000) + 60;
    const token = await mintToken(env, { p: "demo", v: "v1", exp });
    expect(await verifyToken(env, token, Date.now())).toEqual({ p: "demo", v: "v1", exp });
    await expect(verifyToken(env, token, (exp + 1) * 1000)).rejects.toMatchObject({
      code: "token_expired",
    });
    const other = { TOKEN_SECRET: "another-secret-of-some-length" } as Env;
    await expect(verifyToken(other, token, Date.now())).rejects.toMatchObject({
      code: "invalid_token",
    });
  });

  it("are refused without a configured secret outside the local demo", async () => {
    await expect(mintToken({} as Env, { p: "demo", exp: 1 })).rejects.toMatchObject({
      status: 503,
    });
  });
});
