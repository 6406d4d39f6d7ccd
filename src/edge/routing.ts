/**
 * Routing: hash(project, visitor) -> one of BUCKETS virtual buckets -> the partition owning the
 * bucket's range. Storing the bucket scheme as data (the project's map) is what lets a hot range be
 * split later without rehashing every visitor.
 */
import { xxh32 } from "../flam/index.ts";
import { BUCKETS, type Project } from "./registry/project.ts";

const utf8 = new TextEncoder();

/** The bucket of a visitor: stable across deploys and runtimes (xxHash32 of `project \0 visitor`). */
export function bucketOf(project: string, visitor: string): number {
  return xxh32(utf8.encode(`${project}\u0000${visitor}`)) % BUCKETS;
}

/** The partition name serving a bucket (binary search over the ranges). */
export function partitionOf(project: Project, bucket: number): string {
  const ranges = project.partitions;
  let lo = 0;
  let hi = ranges.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ranges[mid]!.to < bucket) lo = mid + 1;
    else hi = mid;
  }
  return ranges[lo]!.partition;
}

/** The Durable Object name of a project's partition. */
export function partitionObjectName(project: string, partition: string): string {
  return `${project}/${partition}`;
}

/**
 * Splits a batch by partition, keeping each partition's events in batch order (so one visitor's
 * events keep the order they were sent in) and remembering each event's batch index.
 *
 * @example
 * groupByPartition(project, events, (e) => e.visitor) // Map { "p0" => [[0, e0], [2, e2]], "p3" => [[1, e1]] }
 */
export function groupByPartition<T>(
  project: Project,
  items: readonly T[],
  visitorOf: (item: T) => string,
): Map<string, [number, T][]> {
  const out = new Map<string, [number, T][]>();
  items.forEach((item, i) => {
    const p = partitionOf(project, bucketOf(project.id, visitorOf(item)));
    let list = out.get(p);
    if (list === undefined) out.set(p, (list = []));
    list.push([i, item]);
  });
  return out;
}
