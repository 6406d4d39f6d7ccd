/**
 * FlaM in the benchmark: events sealed into blocks the way the log seals them (8,192 events,
 * `Log`'s default), then
 * - decodeAll: the TypeScript decoder, open (full validation: checksum, dictionaries, records)
 *   plus `events()` on every block;
 * - q1 / q2: the WebAssembly decoder over blocks already opened in its arena (as a partition keeps
 *   its hot blocks): per block, resolve ids once (skip a block lacking the value or key), project
 *   the fields, filter, group and aggregate; merge the per-block groups by country name.
 * Opening into WASM is timed separately and printed, so the cost of loading is not hidden.
 */
import {
  BlockBuilder,
  FlamEncodeError,
  openBlock,
  SystemField,
  type BlockReader,
  type FlamEvent,
} from "../src/flam/index.ts";
import { FlamWasm } from "../src/flam/wasm/index.ts";
import { loadFlamWasmModule } from "../test/helpers/load-wasm-node.ts";
import { MISSING_COUNTRY } from "./query.ts";
import type { PriceByCountry, Subject } from "./subject.ts";

const BLOCK_EVENTS = 8192;

interface FlamData {
  blocks: Uint8Array[];
  opened: BlockReader[];
}

/** Seals events into blocks of `BLOCK_EVENTS` (fewer when a block reaches the size limit). */
export function sealBlocks(events: readonly FlamEvent[]): Uint8Array[] {
  const blocks: Uint8Array[] = [];
  const b = new BlockBuilder({ maxBytes: 1.5 * 1024 * 1024 });
  for (const e of events) {
    try {
      b.append(e);
    } catch (error) {
      if (!(error instanceof FlamEncodeError && error.code === "FULL")) throw error;
      blocks.push(b.seal());
      b.append(e);
    }
    if (b.count === BLOCK_EVENTS) blocks.push(b.seal());
  }
  if (b.count > 0) blocks.push(b.seal());
  return blocks;
}

function sumByCountry(data: FlamData, purchasesOnly: boolean): PriceByCountry {
  const sums: PriceByCountry = new Map();
  for (const block of data.opened) {
    const price = block.keyId("price");
    if (price < 0) continue; // no event of this block has a price
    const country = block.keyId("country");
    const fields = [price];
    if (country >= 0) fields.push(country);
    let purchase = -1;
    if (purchasesOnly) {
      purchase = block.stringId("purchase");
      if (purchase < 0) continue; // dictionary pruning: no purchase in this block
      fields.push(SystemField.name);
    }
    const scan = block.scan(fields);
    if (purchasesOnly) scan.whereStrIn(fields.length - 1, [purchase]);
    for (const g of scan.aggregate(country >= 0 ? 1 : null, 0)) {
      if (g.valueCount === 0) continue;
      const key = g.sid < 0 ? MISSING_COUNTRY : block.string(g.sid);
      sums.set(key, (sums.get(key) ?? 0) + g.sum);
    }
    scan.release();
  }
  return sums;
}

export default function createFlamSubject(): Subject {
  const wasm = FlamWasm.fromModule(loadFlamWasmModule());
  return {
    name: "flam",
    encode(events) {
      const blocks = sealBlocks(events);
      wasm.clear();
      const t = performance.now();
      const opened = blocks.map((b) => wasm.open(b));
      const ms = performance.now() - t;
      console.log(
        `flam: ${blocks.length} blocks; opening them into WASM (copy + full validation) took ${ms.toFixed(1)} ms = ${(((events.length / ms) * 1000) / 1e6).toFixed(1)} M events/s`,
      );
      const bytes = blocks.reduce((n, b) => n + b.length, 0);
      return { data: { blocks, opened } satisfies FlamData, bytes };
    },
    decodeAll(data) {
      let n = 0;
      for (const b of (data as FlamData).blocks) n += openBlock(b).events().length;
      return n;
    },
    q1: (data) => sumByCountry(data as FlamData, true),
    q2: (data) => sumByCountry(data as FlamData, false),
    close() {
      wasm.clear();
    },
  };
}
