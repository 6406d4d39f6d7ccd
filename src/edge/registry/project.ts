/**
 * Projects, their keys and their partition maps: the data the registry keeps and the router
 * reads. Pure: no platform imports.
 */

/** Virtual buckets per project: visitors hash to a bucket, buckets map to partitions in ranges. */
export const BUCKETS = 4096;

/** Which kind of key: write (public, append only), read (secret: query, export), admin (secret: configure). */
export type KeyKind = "write" | "read" | "admin";

/** A contiguous range of buckets `[from, to]` served by one partition. */
export interface BucketRange {
  from: number;
  to: number;
  /** Partition name, unique within the project; the Durable Object is named `project/partition`. */
  partition: string;
}

/** A project as the router sees it. */
export interface Project {
  id: string;
  name: string;
  /** Contiguous, covering 0..BUCKETS-1, ascending. Data, not code: a hot range can be split later. */
  partitions: BucketRange[];
  /** Domains (or names) Woopra's `website`/`project`/`host` may use to name this project. */
  domains: string[];
}

/** The keys of a project (only returned to admins, on creation and rotation). */
export interface ProjectKeys {
  write: string;
  read: string;
  admin: string;
}

/**
 * An even split of the buckets into `count` ranges.
 *
 * @example
 * evenPartitions(2) // [{from:0,to:2047,partition:"p0"},{from:2048,to:4095,partition:"p1"}]
 */
export function evenPartitions(count: number): BucketRange[] {
  const size = Math.ceil(BUCKETS / count);
  const out: BucketRange[] = [];
  for (let i = 0; i < count; i++) {
    out.push({ from: i * size, to: Math.min(BUCKETS, (i + 1) * size) - 1, partition: `p${i}` });
  }
  return out;
}

/** Throws unless the ranges are contiguous, ascending and cover every bucket exactly once. */
export function checkPartitions(ranges: readonly BucketRange[]): void {
  let next = 0;
  for (const r of ranges) {
    if (r.from !== next || r.to < r.from || !/^[a-z0-9-]{1,32}$/.test(r.partition)) {
      throw new Error(`partition map must cover buckets 0..${BUCKETS - 1} in contiguous ranges`);
    }
    next = r.to + 1;
  }
  if (next !== BUCKETS) throw new Error(`partition map must cover buckets 0..${BUCKETS - 1}`);
}

/** A new random key: a kind prefix (so a leaked key says what it can do) and 128 bits of randomness. */
export function newKey(kind: KeyKind): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `${kind[0]}k_${[...bytes].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}
