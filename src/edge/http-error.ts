import type { Context, ErrorHandler, NotFoundHandler } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/**
 * The one error type of the edge: `status` for HTTP, a stable snake_case `code` for programs and
 * a `message` for people. {@link onError} renders it, so every error body has the same shape.
 *
 * @example
 * throw new HttpError(400, "bad_event", "event.type must be a string");
 * // -> 400 {"error":{"code":"bad_event","message":"event.type must be a string"}}
 */
export class HttpError extends Error {
  override readonly name = "HttpError";
  readonly status: ContentfulStatusCode;
  readonly code: string;
  /** Machine-readable fields added to the error body, e.g. a query error's JSON Pointer `path`. */
  readonly details: Readonly<Record<string, unknown>>;
  /** Response headers, e.g. `Retry-After` on a 429. */
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    status: ContentfulStatusCode,
    code: string,
    message: string,
    options?: {
      cause?: unknown;
      details?: Record<string, unknown>;
      headers?: Record<string, string>;
    },
  ) {
    super(message, options);
    this.status = status;
    this.code = code;
    this.details = options?.details ?? {};
    this.headers = options?.headers ?? {};
  }
}

function render(c: Context, error: HttpError): Response {
  return c.json(
    { error: { ...error.details, code: error.code, message: error.message } },
    error.status,
    { ...error.headers },
  );
}

/**
 * Hono error handler: an {@link HttpError} becomes its JSON body; anything else is a bug, so it
 * is logged (never swallowed) and answered with a 500 that leaks no internals.
 *
 * @example
 * app.onError(onError);
 */
export const onError: ErrorHandler = (error, c) => {
  if (error instanceof HttpError) {
    // A 5xx is our failure even when anticipated: log its cause, never swallow it.
    if (error.status >= 500) console.error(`${error.code}: ${error.message}`, error.cause);
    return render(c, error);
  }
  console.error("unhandled error", error);
  return render(c, new HttpError(500, "internal", "Internal error"));
};

/**
 * Hono not-found handler answering unknown routes with the same JSON shape as every other error.
 *
 * @example
 * app.notFound(notFound); // GET /nope -> 404 {"error":{"code":"not_found","message":"No route for GET /nope"}}
 */
export const notFound: NotFoundHandler = (c) =>
  render(c, new HttpError(404, "not_found", `No route for ${c.req.method} ${c.req.path}`));
