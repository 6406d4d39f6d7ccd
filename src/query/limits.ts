/** Limits of the query language (docs/query.md, "Errors"). */

/** Largest query body, in bytes. */
export const MAX_QUERY_BYTES = 64 * 1024;
export const MAX_SELECT = 32;
export const MAX_GROUP_BY = 4;
export const MAX_LEAVES = 256;
export const MAX_DEPTH = 16;
export const MAX_IN_VALUES = 1000;
export const MAX_STRING = 65_535;
/** Rows of an aggregate answer: default and most. */
export const DEFAULT_LIMIT = 1000;
export const MAX_LIMIT = 10_000;
/** Rows of a visitors / rawEvents page: default and most. */
export const DEFAULT_PAGE = 100;
export const MAX_PAGE = 1000;
/** Groups one query may build (per partition and after merging). */
export const MAX_GROUPS = 100_000;
/**
 * Groups of a query with a percentile or a distinct count of a field other than `visitor`: each
 * such group holds up to EXACT_VALUES values or a 16 KiB sketch, so fewer groups fit.
 */
export const MAX_SKETCH_GROUPS = 10_000;
/** Events one partition task may scan; past it the query is refused as too costly. */
export const MAX_TASK_EVENTS = 100_000_000;
/** Values a distinct count or percentile keeps exactly per group before switching to a sketch. */
export const EXACT_VALUES = 10_000;
