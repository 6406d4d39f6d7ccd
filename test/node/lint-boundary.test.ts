import { ESLint } from "eslint";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

// The boundary rule lives in eslint.config.js; these tests fail if it is removed or narrowed,
// so "the core is platform-neutral" stays enforced rather than hoped for.
const eslint = new ESLint({ cwd: fileURLToPath(new URL("../..", import.meta.url)) });

/** Rule ids reported for `code` as if it were the file at `filePath`. */
async function ruleIds(code: string, filePath: string): Promise<(string | null)[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).map((message) => message.ruleId);
}

describe("the core boundary lint rule", () => {
  it("reports an import of hono from src/flam", async () => {
    const code = 'import { Hono } from "hono";\nexport const app = new Hono();\n';
    expect(await ruleIds(code, "src/flam/leak.ts")).toContain("no-restricted-imports");
  });

  it.each([
    ["src/log/leak.ts", 'import { env } from "cloudflare:workers";\nexport const e = env;\n'],
    [
      "src/query/leak.ts",
      'import { readFileSync } from "node:fs";\nexport const r = readFileSync;\n',
    ],
    ["src/flam/leak.ts", 'import { app } from "../edge/index.ts";\nexport const a = app;\n'],
    ["src/flam/deep/leak.ts", 'import { c } from "../../client/sync.ts";\nexport const x = c;\n'],
    [
      "src/triggers/leak.ts",
      'import { applyEvent } from "../edge/partition/profile.ts";\nexport const a = applyEvent;\n',
    ],
    ["src/triggers/leak.ts", 'import { Hono } from "hono";\nexport const app = new Hono();\n'],
  ])("reports a platform import in %s", async (filePath, code) => {
    expect(await ruleIds(code, filePath)).toContain("no-restricted-imports");
  });

  it("reports a dynamic import of hono and the indexedDB global in src/flam", async () => {
    const code = 'export const h = import("hono");\nexport const db = indexedDB.open("x");\n';
    const ids = await ruleIds(code, "src/flam/leak.ts");
    expect(ids).toContain("no-restricted-syntax");
    expect(ids).toContain("no-restricted-globals");
  });

  it("accepts platform-neutral code in src/flam", async () => {
    const code =
      'import type { FlamEvent } from "./event.ts";\n' +
      "export const count = (events: FlamEvent[]): number => events.length;\n" +
      "export const bytes = new TextEncoder().encode(String(WebAssembly.validate));\n";
    expect(await ruleIds(code, "src/flam/clean.ts")).toEqual([]);
  });

  it("lets src/edge import hono", async () => {
    const code = 'import { Hono } from "hono";\nexport const app = new Hono();\n';
    expect(await ruleIds(code, "src/edge/app.ts")).toEqual([]);
  });
});
