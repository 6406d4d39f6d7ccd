/**
 * A validated query (docs/query.md): what `parseQuery` returns and what a partition task carries.
 * Plain data only (structured-cloneable and JSON-able), because it crosses the RPC boundary.
 */

/** A value a filter compares with or a group key holds. */
export type Scalar = string | number | boolean | null;

export type LeafOp =
  "eq" | "ne" | "in" | "nin" | "lt" | "lte" | "gt" | "gte" | "contains" | "startsWith" | "exists";

export interface Leaf {
  field: string;
  op: LeafOp;
  /** One scalar; an array for `in`/`nin`; a boolean for `exists`. */
  value: Scalar | Scalar[];
}

export type Filter = Leaf | { all: Filter[] } | { any: Filter[] } | { not: Filter };

export type AggregateFn = "count" | "sum" | "avg" | "min" | "max" | "countDistinct" | "percentile";

export interface Aggregate {
  fn: AggregateFn;
  field?: string;
  /** Percentile rank in [0, 1]. */
  p?: number;
  /** The result column name. */
  column: string;
}

export type TimeUnit = "minute" | "hour" | "day" | "week" | "month";

export type GroupItem =
  { field: string; column: string } | { time: TimeUnit; tz: string; column: string };

/** Epoch ms; `from` inclusive, `to` exclusive. */
export interface TimeRange {
  from?: number;
  to?: number;
}

export interface OrderItem {
  column: string;
  desc: boolean;
}

export interface EventsQuery {
  from: "events";
  select: Aggregate[];
  where?: Filter;
  groupBy: GroupItem[];
  time: TimeRange;
  orderBy: OrderItem[];
  limit: number;
}

/** Where a page of a list starts: strictly after this entry of the list's order. */
export type ListCursor = { visitor: string } | { time: number; id: string };

export interface ListQuery {
  from: "visitors" | "rawEvents";
  where?: Filter;
  time: TimeRange;
  limit: number;
  cursor?: ListCursor;
}

export type Query = EventsQuery | ListQuery;

/** The system fields of every event; any other name is a property or `visitor.<prop>`. */
export const SYSTEM_FIELDS = ["name", "visitor", "time", "receivedAt"] as const;
export type SystemFieldName = (typeof SYSTEM_FIELDS)[number];

/** Prefix naming a visitor-profile property. */
export const PROFILE_PREFIX = "visitor.";

/** How a field name is read. */
export type FieldKind =
  | { kind: "system"; name: SystemFieldName }
  | { kind: "property"; key: string }
  | { kind: "profile"; key: string };

export function fieldKind(field: string): FieldKind {
  if ((SYSTEM_FIELDS as readonly string[]).includes(field))
    return { kind: "system", name: field as SystemFieldName };
  if (field.startsWith(PROFILE_PREFIX) && field.length > PROFILE_PREFIX.length)
    return { kind: "profile", key: field.slice(PROFILE_PREFIX.length) };
  return { kind: "property", key: field };
}
