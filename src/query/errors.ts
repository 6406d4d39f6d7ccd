/**
 * The query engine's one error type. `path` is the JSON Pointer of the part of the query at
 * fault (empty for the whole query), so an editor can point at it; `code` is stable for programs.
 * The edge maps it to an HTTP answer (400 for `invalid_query`, 422 for limits met while running).
 */
export type QueryErrorCode = "invalid_query" | "too_many_groups" | "query_too_costly";

export class QueryError extends Error {
  override readonly name = "QueryError";
  readonly code: QueryErrorCode;
  readonly path: string;

  constructor(code: QueryErrorCode, path: string, message: string) {
    super(message);
    this.code = code;
    this.path = path;
  }
}

/**
 * An `invalid_query` error at `path`; the message starts with the path so it reads alone.
 *
 * @example
 * invalid("/where/all/1/op", "must be one of eq, ne, ...")
 */
export function invalid(path: string, reason: string): QueryError {
  return new QueryError("invalid_query", path, `${path || "query"}: ${reason}`);
}
