/**
 * The query engine against the reference evaluator, in Node through `src/query` alone: the data
 * set of `query-cases.ts` encoded into FlaM blocks of 4,096 events, split into 4 partitions by a
 * hash of the visitor, opened with the WASM decoder. Every query runs twice: `runQuery` over all
 * blocks as one source (the browser's path), and one `runTask` per partition merged by
 * `mergePartials` (the edge's path, partitions picked as the edge picks them). Both must answer
 * what the reference answers; sums and averages to a relative 1e-9 (float64 addition order).
 */
import { beforeAll, describe, expect, it } from "vitest";
import {
  BlockBuilder,
  openBlock,
  xxh32,
  type FlamEvent,
  type FullBlockReader,
} from "../../src/flam/index.ts";
import { FlamWasm } from "../../src/flam/wasm/index.ts";
import {
  mergePartials,
  parseQuery,
  QueryError,
  runQuery,
  runTask,
  targetVisitors,
  type ProfileRow,
  type QueryResult,
  type SourceBlock,
  type TaskSource,
} from "../../src/query/index.ts";
import { loadFlamWasmModule } from "../helpers/load-wasm-node.ts";
import { INVALID_CASES, queryCases, queryDataSet, type QueryCase } from "../helpers/query-cases.ts";
import { sameAnswer } from "../helpers/query-compare.ts";
import { buildProfiles, evaluateQuery, type ReferenceProfile } from "../helpers/query-reference.ts";

const PARTITIONS = 4;
const BLOCK_EVENTS = 4096;

const utf8 = new TextEncoder();
const partitionOf = (visitor: string): number => xxh32(utf8.encode(visitor)) % PARTITIONS;

/** One partition's blocks (sealed FlaM, opened by WASM) and its visitors' profiles. */
class MemorySource implements TaskSource {
  readonly blocksRead: SourceBlock[] = [];
  private readonly profileMap: ReadonlyMap<string, ReferenceProfile>;

  constructor(
    wasm: FlamWasm,
    events: readonly FlamEvent[],
    profileMap: ReadonlyMap<string, ReferenceProfile>,
  ) {
    this.profileMap = profileMap;
    for (let i = 0; i < events.length; i += BLOCK_EVENTS) {
      const builder = new BlockBuilder();
      for (const e of events.slice(i, i + BLOCK_EVENTS)) builder.append(e);
      const bytes = builder.seal();
      let full: FullBlockReader | undefined;
      this.blocksRead.push({
        reader: wasm.open(bytes),
        event: (r) => (full ??= openBlock(bytes)).event(r),
      });
    }
  }

  blocks(): Iterable<SourceBlock> {
    return this.blocksRead;
  }

  profiles(visitors: readonly string[]): Map<string, ProfileRow> {
    const out = new Map<string, ProfileRow>();
    for (const v of visitors) {
      const p = this.profileMap.get(v);
      if (p) out.set(v, p);
    }
    return out;
  }
}

/** The edge's path: the partitions the plan targets, one task each, merged. */
async function runPartitioned(input: unknown, sources: readonly MemorySource[]) {
  const query = parseQuery(input);
  const targets = targetVisitors(query);
  const picked =
    targets === null
      ? sources
      : [...new Set(targets.map(partitionOf))].sort().map((p) => sources[p]!);
  const partials = [];
  for (const s of picked) partials.push(await runTask(query, s));
  return mergePartials(query, partials);
}

describe("the query engine in Node matches the reference evaluator", { timeout: 120_000 }, () => {
  const events = queryDataSet();
  const profiles = buildProfiles(events);
  const cases = queryCases(events);
  let whole: MemorySource;
  let partitions: MemorySource[];

  beforeAll(() => {
    const wasm = FlamWasm.fromModule(loadFlamWasmModule());
    whole = new MemorySource(wasm, events, profiles);
    partitions = Array.from(
      { length: PARTITIONS },
      (_, p) =>
        new MemorySource(
          wasm,
          events.filter((e) => partitionOf(e.visitor) === p),
          profiles,
        ),
    );
  });

  it("splits the data set into several blocks per partition", () => {
    expect(whole.blocksRead.length).toBe(Math.ceil(events.length / BLOCK_EVENTS));
    for (const p of partitions) expect(p.blocksRead.length).toBeGreaterThanOrEqual(2);
  });

  const paths: [string, (q: unknown) => Promise<QueryResult>][] = [
    ["runQuery over one source", (q) => runQuery(q, whole)],
    ["runTask per partition, then mergePartials", (q) => runPartitioned(q, partitions)],
  ];

  describe.each(paths)("%s", (_, run) => {
    it.each(cases.map((c): [string, QueryCase] => [c.name, c]))("%s", async (_name, c) => {
      let query: Record<string, unknown> = c.query;
      for (let page = 0; page < (c.pages ?? 1); page++) {
        const want = evaluateQuery(query, events, profiles, page);
        const got = await run(query);
        sameAnswer(got, want, query, `${c.name}, page ${page + 1}`);
        if (!want.more) break;
        query = { ...c.query, cursor: got.next };
      }
    });
  });

  it.each(INVALID_CASES.map((c) => [c.name, c] as const))(
    "refuses an invalid query: %s",
    (_name, c) => {
      let error: unknown;
      try {
        parseQuery(c.query);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(QueryError);
      expect((error as QueryError).code).toBe("invalid_query");
      expect((error as QueryError).path).toBe(c.path);
    },
  );
});
