import { describe, expect, it } from "vitest";
import {
  BlockBuilder,
  FlamCorruptError,
  FlamEncodeError,
  openBlock,
  limits,
} from "../../src/flam/index.ts";
import { FlamWasm } from "../../src/flam/wasm/index.ts";
import { assemble, key, str, T, varint } from "../helpers/flam-hand-block.ts";
import { loadFlamWasmModule } from "../helpers/load-wasm-node.ts";

/** `count` shapes of 1,024 NULL slots each (257 of them pass MAX_TOTAL_SLOTS), about 2.3 KB each. */
function manySlots(count: number): Uint8Array {
  const shape = [0, 0x41, 0x40, ...varint(1), 0x71, 0x11, ...varint(1024)];
  for (let k = 0; k < 1024; k++) shape.push(...varint(k), 0x00);
  return assemble({
    keys: Array.from({ length: 1024 }, (_, k) => key(0, `k${k}`)).flat(),
    strings: ["n", "v", "e"].flatMap((s) => str(s)),
    shapes: Array.from({ length: count }, () => shape).flat(),
    // shape 0 (a u16 past 256 shapes), id "e", time offset 0, receivedAt delta 0
    records: [...(count > 256 ? [0, 0] : [0]), 2, 0, 0],
    keyCount: 1024,
    stringCount: 3,
    shapeCount: count,
    eventCount: 1,
    minTime: T,
    maxTime: T,
  });
}

describe("the shape-table budget", () => {
  it("makes both decoders refuse a block whose shapes hold too many slots, as LIMIT", () => {
    const block = manySlots(257);
    expect(() => openBlock(block)).toThrow(expect.objectContaining({ code: "LIMIT" }));
    const wasm = FlamWasm.fromModule(loadFlamWasmModule());
    let error: unknown;
    try {
      wasm.open(block);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FlamCorruptError);
    expect((error as FlamCorruptError).code).toBe("LIMIT");
  });

  it("lets both decoders open a block exactly at the budget", () => {
    const block = manySlots(256);
    expect(256 * 1024).toBe(limits.MAX_TOTAL_SLOTS);
    expect(openBlock(block).eventCount).toBe(1);
    expect(FlamWasm.fromModule(loadFlamWasmModule()).open(block).eventCount).toBe(1);
  });

  it("makes the encoder report FULL before a block's shapes would pass it", () => {
    const b = new BlockBuilder();
    const properties = Object.fromEntries(Array.from({ length: 1024 }, (_, k) => [`k${k}`, null]));
    let full: unknown;
    for (let i = 0; i < 300 && full === undefined; i++) {
      try {
        b.append({
          id: `e${i}`,
          visitor: "v",
          name: `n${i}`,
          time: T,
          receivedAt: T,
          properties,
          visitorProperties: {},
        });
      } catch (e) {
        full = e;
      }
    }
    expect(full).toBeInstanceOf(FlamEncodeError);
    expect((full as FlamEncodeError).code).toBe("FULL");
    expect(b.count).toBe(256);
    expect(openBlock(b.seal()).eventCount).toBe(256);
  });
});
