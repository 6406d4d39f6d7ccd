import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";

const origin = "http://flamingo.test";

describe("the Worker in workerd", () => {
  it("answers GET /health with 200 and its service, version and loaded kernels", async () => {
    const res = await exports.default.fetch(`${origin}/health`);

    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({
      ok: true,
      service: "flamingo",
      version: expect.stringMatching(/^\d+\.\d+\.\d+/),
      wasm: true,
    });
  });

  it("answers an unknown route with a JSON 404 naming the method and path", async () => {
    const res = await exports.default.fetch(`${origin}/no/such/route`, { method: "POST" });

    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({
      error: { code: "not_found", message: "No route for POST /no/such/route" },
    });
  });
});
