/**
 * One check run in every runtime (Node, workerd, Chromium): the WASM decoder and the TypeScript
 * reference give identical projections and aggregates for the same block.
 */
import {
  openBlock,
  SystemField,
  type BlockReader,
  type FlamEvent,
  type GroupRow,
} from "../../src/flam/index.ts";
import type { FlamWasm } from "../../src/flam/wasm/index.ts";
import { encodeBlock } from "../../src/flam/index.ts";
import { sampleEvents } from "../../src/flam/test-events.ts";
import { expect } from "vitest";

/** Sum of price by country where name = purchase, as sorted [country, count, sum] rows. */
function q1(block: BlockReader): [string, number, number][] {
  const fields = [SystemField.name, block.keyId("country"), block.keyId("price")];
  const scan = block.scan(fields);
  scan.whereStrIn(0, [block.stringId("purchase")]);
  const rows = scan
    .aggregate(1, 2)
    .map((g: GroupRow): [string, number, number] => [
      g.sid < 0 ? "" : block.string(g.sid),
      g.count,
      g.sum,
    ]);
  scan.release();
  return rows.sort((a, b) => a[0].localeCompare(b[0]));
}

/** Returns both answers and both column sets, for the caller to compare and to check. */
export function answersFromBoth(wasm: FlamWasm, events: FlamEvent[]) {
  const bytes = encodeBlock(events);
  const ref = openBlock(bytes);
  const fast = wasm.open(bytes);
  const keys = ["price", "country", "qty"].map((k) => ref.keyId(k));
  const cols = (b: BlockReader) => {
    const scan = b.scan([SystemField.time, ...keys]);
    const out = [0, 1, 2, 3].map((i) => {
      const c = scan.column(i);
      return { tags: [...c.tags], nums: [...c.nums], sids: [...c.sids] };
    });
    scan.release();
    return out;
  };
  return {
    reference: q1(ref),
    wasm: q1(fast),
    referenceColumns: cols(ref),
    wasmColumns: cols(fast),
  };
}

/** The assertions every runtime's suite makes: the sample block's Q1, and identical columns. */
export function expectWasmToMatchReference(wasm: FlamWasm): void {
  const {
    reference,
    wasm: fast,
    referenceColumns,
    wasmColumns,
  } = answersFromBoth(wasm, sampleEvents());
  expect(reference).toEqual([
    ["CA", 1, 5],
    ["US", 1, 19.99],
  ]);
  expect(fast).toEqual(reference);
  expect(wasmColumns).toEqual(referenceColumns);
}
