/** The query engine (docs/query.md): pure, the same in workerd, Node and the browser. */
export type {
  Aggregate,
  AggregateFn,
  EventsQuery,
  Filter,
  GroupItem,
  Leaf,
  LeafOp,
  ListQuery,
  Query,
  Scalar,
  TimeRange,
  TimeUnit,
} from "./query.ts";
export { QueryError, type QueryErrorCode } from "./errors.ts";
export { parseQuery } from "./parse.ts";
export { targetVisitors } from "./plan.ts";
export { runTask, type ProfileRow, type SourceBlock, type TaskSource } from "./task.ts";
export type { Partial, TaskStats } from "./partial.ts";
export { mergePartials, type QueryResult, type QueryStats } from "./merge.ts";
export { runQuery } from "./run-query.ts";
export { querySchema } from "./schema.ts";
export { bucketOf, bucketLabel } from "./time-bucket.ts";
export * as queryLimits from "./limits.ts";
