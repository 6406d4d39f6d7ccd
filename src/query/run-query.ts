/**
 * A whole query over one source, in one process: the browser's offline cache and Node tests.
 * The same parse, task and merge as the edge, with one partition.
 */
import { mergePartials, type QueryResult } from "./merge.ts";
import { parseQuery } from "./parse.ts";
import { runTask, type TaskSource } from "./task.ts";

/**
 * @throws {QueryError} for an invalid query or a limit met while running.
 * @example
 * const { columns, rows } = await runQuery({ from: "events", select: [{ fn: "count" }] }, source);
 */
export async function runQuery(input: unknown, source: TaskSource): Promise<QueryResult> {
  const started = performance.now();
  const query = parseQuery(input);
  const result = mergePartials(query, [await runTask(query, source)]);
  result.stats.ms = performance.now() - started;
  return result;
}
