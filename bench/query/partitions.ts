/**
 * The in-process stand-in for a project's partitions: events split by visitor exactly as the edge
 * routes them (`bucketOf` / `partitionOf` over `evenPartitions`), sealed into FlaM blocks as the
 * log seals them, opened once by the WASM decoder (one instance per partition, as each partition's
 * `ResidentBlocks` holds its own) and offered to `runTask` as a `TaskSource`.
 */
import { evenPartitions, type Project } from "../../src/edge/registry/project.ts";
import { bucketOf, partitionOf } from "../../src/edge/routing.ts";
import { openBlock, type FlamEvent, type FullBlockReader } from "../../src/flam/index.ts";
import { FlamWasm } from "../../src/flam/wasm/index.ts";
import {
  mergePartials,
  parseQuery,
  runTask,
  type QueryResult,
  type SourceBlock,
  type TaskSource,
} from "../../src/query/index.ts";
import { sealBlocks } from "../flam-subject.ts";

/** One partition: its sealed blocks, opened in its own WASM arena. */
export interface BenchPartition extends TaskSource {
  name: string;
  events: number;
  bytes: number;
  blocksOpened: SourceBlock[];
}

/** The project the bench creates (`POST /v1/admin/projects`), as the router sees it. */
export function benchProject(id: string, partitions: number): Project {
  return { id, name: id, partitions: evenPartitions(partitions), domains: [] };
}

/**
 * Splits `events` by partition as the edge does, keeping each partition's events in order.
 *
 * @example
 * splitByPartition(benchProject("bench", 16), events).get("p3"); // p3's events, in time order
 */
export function splitByPartition(
  project: Project,
  events: readonly FlamEvent[],
): Map<string, FlamEvent[]> {
  const out = new Map<string, FlamEvent[]>(project.partitions.map((r) => [r.partition, []]));
  for (const e of events) out.get(partitionOf(project, bucketOf(project.id, e.visitor)))!.push(e);
  return out;
}

/**
 * Seals and opens every partition's events (the open is not timed by the scan: a partition keeps
 * its sealed blocks opened between queries).
 */
export function openPartitions(
  module: WebAssembly.Module,
  project: Project,
  events: readonly FlamEvent[],
): BenchPartition[] {
  const out: BenchPartition[] = [];
  for (const [name, own] of splitByPartition(project, events)) {
    const wasm = FlamWasm.fromModule(module);
    const blocksOpened = sealBlocks(own).map((bytes): SourceBlock => {
      let full: FullBlockReader | undefined;
      return { reader: wasm.open(bytes), event: (i) => (full ??= openBlock(bytes)).event(i) };
    });
    const bytes = blocksOpened.reduce((n, b) => n + b.reader.byteLength, 0);
    out.push({ name, events: own.length, bytes, blocksOpened, blocks: () => blocksOpened });
  }
  return out;
}

/**
 * One query as the edge runs it, on one core: parse, one task per partition (in turn, not in
 * parallel), merge. What the scan figures time.
 *
 * @example
 * const { columns, rows } = await scanPartitions(QUERIES[0].json, partitions);
 */
export async function scanPartitions(
  json: unknown,
  partitions: readonly TaskSource[],
): Promise<QueryResult> {
  const query = parseQuery(json);
  const partials = [];
  for (const p of partitions) partials.push(await runTask(query, p));
  return mergePartials(query, partials);
}
