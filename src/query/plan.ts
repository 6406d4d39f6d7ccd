/**
 * Planning at the edge: which partitions a query must reach. The task itself is the validated
 * query (plain data), the same for every partition.
 */
import type { Filter, Query, Scalar } from "./query.ts";

/**
 * The visitors a query is limited to, when its top-level filter (the filter itself, or a direct
 * child of a top-level `all`) is `visitor eq` or `visitor in` strings; null when it may reach
 * any visitor. Those visitors' partitions are the only ones the query needs.
 *
 * @example
 * targetVisitors(parseQuery({ from: "rawEvents", where: { field: "visitor", op: "eq", value: "v1" } }))
 * // ["v1"]
 */
export function targetVisitors(query: Query): string[] | null {
  const where = query.where;
  if (where === undefined) return null;
  const leaves: Filter[] = "all" in where ? where.all : [where];
  let found: string[] | null = null;
  for (const f of leaves) {
    if (!("field" in f) || f.field !== "visitor" || (f.op !== "eq" && f.op !== "in")) continue;
    const values = (f.op === "in" ? f.value : [f.value]) as Scalar[];
    const strings = values.filter((v): v is string => typeof v === "string");
    // Several such conditions all hold: the smallest list is still a superset of the matches.
    if (found === null || strings.length < found.length) found = strings;
  }
  return found;
}
