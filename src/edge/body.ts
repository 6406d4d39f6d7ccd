/**
 * Reading request bodies under the size limit, including gzip (PostHog's SDKs compress) and the
 * `text/plain` bodies of `navigator.sendBeacon`, which cannot set a JSON content type.
 */
import { HttpError } from "./http-error.ts";
import { LIMITS } from "./limits.ts";

/** Reads the body as text, at most `LIMITS.bodyBytes` after decompression. */
export async function readText(req: Request, gzip = false): Promise<string> {
  const declared = req.headers.get("content-length");
  const encoding = req.headers.get("content-encoding");
  // The common case, a plain body of a declared size under the limit (the runtime never reads
  // past a declared length), is read and decoded by the runtime in one step: cheaper than
  // streaming chunks through JavaScript. Bodies without a length, or compressed, are counted
  // while read.
  if (!gzip && (encoding === null || encoding === "identity") && declared !== null) {
    const length = Number(declared);
    if (Number.isSafeInteger(length) && length >= 0 && length <= LIMITS.bodyBytes) {
      try {
        return await req.text();
      } catch (e) {
        throw new HttpError(400, "invalid_body", "body could not be read", { cause: e });
      }
    }
  }
  return new TextDecoder().decode(await readBytes(req, gzip));
}

/**
 * Reads the body's bytes, at most `LIMITS.bodyBytes` after decompression, whatever the request
 * declares (a chunked body has no Content-Length).
 */
export async function readBytes(req: Request, gzip = false): Promise<Uint8Array> {
  const declared = Number(req.headers.get("content-length") ?? "0");
  const encoding = (req.headers.get("content-encoding") ?? "").toLowerCase();
  const compressed = gzip || encoding === "gzip";
  if (!compressed && declared > LIMITS.bodyBytes) throw tooLarge();
  if (req.body === null) return new Uint8Array(0);
  const stream = compressed ? req.body.pipeThrough(new DecompressionStream("gzip")) : req.body;
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      // Checked while reading, so a gzip bomb stops at the limit instead of filling memory.
      if (size > LIMITS.bodyBytes) {
        await reader.cancel();
        throw tooLarge();
      }
      chunks.push(value);
    }
  } catch (e) {
    if (e instanceof HttpError) throw e;
    throw new HttpError(
      400,
      "invalid_body",
      compressed ? "body is not valid gzip" : "body could not be read",
      { cause: e },
    );
  }
  const all = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.byteLength;
  }
  return all;
}

/** Parses JSON text, or answers 400 naming the problem. */
export function parseJson(text: string): unknown {
  if (text.trim() === "")
    throw new HttpError(400, "empty_body", "request body is empty; expected JSON");
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new HttpError(
      400,
      "invalid_json",
      `request body is not valid JSON: ${(e as Error).message}`,
    );
  }
}

function tooLarge(): HttpError {
  return new HttpError(
    413,
    "body_too_large",
    `request body is larger than ${LIMITS.bodyBytes} bytes`,
  );
}
