/**
 * Turning the SDK fixtures of src/edge/formats/fixtures.ts into HTTP requests for the local
 * `demo` project: only the project's name changes (Woopra `website` / `project` / `host`, Segment's
 * write key, PostHog's `api_key` / `token`); everything else is sent as the SDK sends it.
 */
import type { WireRequest } from "../../src/edge/formats/fixtures.ts";

/** The demo project's write key, which is also a Woopra site name of it (`demo` is a domain). */
export const DEMO_WRITE_KEY = "demo-write-key";

const FIXTURE_KEYS = new Set(["WK", "phc_test"]);

/**
 * The fixture, naming the demo project instead of the fixture's (`example.com`, `WK`, `phc_test`).
 *
 * @example
 * asDemo(fixtures.segmentBatch).headers.Authorization // "Basic ZGVtby13cml0ZS1rZXk6"
 */
export function asDemo(f: WireRequest): WireRequest {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(f.headers)) {
    headers[k] =
      v === `Basic ${btoa("WK:")}`
        ? `Basic ${btoa(`${DEMO_WRITE_KEY}:`)}`
        : v.replace(/^Bearer phc_test$/, `Bearer ${DEMO_WRITE_KEY}`);
  }
  const path = f.path.replace(/([?&](?:website|project|host)=)example\.com(?=&|$)/g, "$1demo");
  const out: { -readonly [K in keyof WireRequest]: WireRequest[K] } = { ...f, headers, path };
  if (f.body !== undefined) {
    const body = JSON.parse(f.body) as Record<string, unknown>;
    for (const k of ["writeKey", "api_key", "token"]) {
      if (FIXTURE_KEYS.has(body[k] as string)) body[k] = DEMO_WRITE_KEY;
    }
    out.body = JSON.stringify(body);
  }
  if (f.form?.["payload"] !== undefined) {
    const lines = f.form["payload"].split("\n").map((line) => {
      const json = JSON.parse(line) as { params: Record<string, unknown> };
      if (json.params["project"] === "example.com") json.params["project"] = "demo";
      return JSON.stringify(json);
    });
    out.form = { ...f.form, payload: lines.join("\n") };
  }
  return out;
}

/** Gzip-compressed bytes of `text`, as PostHog's SDKs send bodies. */
export function gzip(text: string): Promise<ArrayBuffer> {
  return new Response(
    new Blob([text]).stream().pipeThrough(new CompressionStream("gzip")),
  ).arrayBuffer();
}

/**
 * The `RequestInit` of a fixture: a multipart `FormData` for `form`, and `body` gzipped when the
 * fixture says the SDK compresses it (`Content-Encoding: gzip` or `?compression=gzip-js`).
 */
export async function requestInit(f: WireRequest): Promise<RequestInit> {
  const compressed =
    Object.entries(f.headers).some(
      ([k, v]) => k.toLowerCase() === "content-encoding" && v === "gzip",
    ) || /[?&]compression=gzip/.test(f.path);
  let body: BodyInit | undefined;
  if (f.form !== undefined) {
    const form = new FormData();
    for (const [k, v] of Object.entries(f.form)) form.append(k, v);
    body = form;
  } else if (f.body !== undefined) {
    body = compressed ? await gzip(f.body) : f.body;
  }
  return { method: f.method, headers: f.headers, body };
}

/** A response, read once: status, content type, bytes, and the JSON body when it is JSON. */
export interface Answer {
  status: number;
  type: string;
  bytes: Uint8Array;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each SDK's answer shape differs
  json: any;
}

export async function answerOf(res: Response): Promise<Answer> {
  const type = res.headers.get("content-type") ?? "";
  const bytes = new Uint8Array(await res.arrayBuffer());
  const json: unknown = type.includes("json") ? JSON.parse(new TextDecoder().decode(bytes)) : null;
  return { status: res.status, type, bytes, json };
}
