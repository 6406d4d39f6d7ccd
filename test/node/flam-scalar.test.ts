/**
 * The scalar build of the kernels (build/flam-scalar.wasm: assembly/ without `--enable simd`,
 * for runtimes where `simdSupported()` is false) against the SIMD build, byte for byte through
 * the raw exports: the same selection mask after every filter (padding rows included), the same
 * aggregate rows, checksums and open outcomes. The conformance and fuzz suites also check each
 * build against the TypeScript reference; this one compares the two builds directly.
 */
import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { encodeBlock } from "../../src/flam/block-builder.ts";
import { Tag, type Column } from "../../src/flam/block-reader.ts";
import { openBlock } from "../../src/flam/decode-block.ts";
import { sampleEvents } from "../../src/flam/test-events.ts";
import { FlamWasm, simdSupported } from "../../src/flam/wasm/index.ts";
import { GroupLayout, ScanHeader, type FlamExports } from "../../src/flam/wasm/exports.ts";
import { fuzzCorpus } from "../fuzz/fuzz.ts";
import { mutate } from "../fuzz/mutate.ts";
import {
  allFields,
  diffReaders,
  keyCountOf,
  outcomeOf,
  type Outcome,
} from "../helpers/flam-compare.ts";
import { randomEvents } from "../helpers/flam-events.ts";
import { loadFlamWasmModule } from "../helpers/load-wasm-node.ts";
import { Rng } from "../helpers/random.ts";

const simdModule = loadFlamWasmModule("flam.wasm");
const scalarModule = loadFlamWasmModule("flam-scalar.wasm");
const simd = FlamWasm.fromModule(simdModule);
const scalar = FlamWasm.fromModule(scalarModule);
afterEach(() => {
  simd.clear();
  scalar.clear();
});

/** A block opened through the raw exports, and a scan of `fields` over it. */
function rawScan(
  ex: FlamExports,
  bytes: Uint8Array,
  fields: number[],
): { d: number; scan: number } {
  const p = ex.alloc(bytes.length);
  new Uint8Array(ex.memory.buffer).set(bytes, p);
  const d = ex.open(p, bytes.length, bytes.length);
  expect(d).not.toBe(0);
  const list = ex.alloc(fields.length * 4);
  new Int32Array(ex.memory.buffer).set(fields, list >>> 2);
  const scan = ex.scan(d, list, fields.length);
  expect(scan).not.toBe(0);
  return { d, scan };
}

/** The whole selection mask, padding rows included. */
function maskOf(ex: FlamExports, scan: number): number[] {
  const h = new Uint32Array(ex.memory.buffer);
  const at = scan >>> 2;
  const mask = h[at + ScanHeader.MASK]!;
  return Array.from(new Uint8Array(ex.memory.buffer, mask, h[at + ScanHeader.STRIDE]!));
}

/** The raw bytes of `aggregate(group, value)` (-1: none), doubles as bit patterns. */
function aggregateBytes(ex: FlamExports, scan: number, group: number, value: number): number[] {
  const n = ex.aggregate(scan, group, value);
  expect(n).toBeGreaterThanOrEqual(0);
  return Array.from(new Uint8Array(ex.memory.buffer, ex.aggregateRows(), n * GroupLayout.SIZE));
}

/** A value to compare with: one the column holds, or an edge of IEEE comparison. */
function pickNumber(rng: Rng, col: Column): number {
  if (rng.chance(0.3)) return rng.pick([0, -0, NaN, Infinity, -Infinity, 1, -1, 2 ** 53]);
  const nums = Array.from(col.nums).filter((_, i) => col.tags[i] === Tag.NUMBER);
  return nums.length > 0 ? rng.pick(nums) : rng.next() * 100;
}

/** 1 to 12 string ids (up to 8 take the lane-wise path, more a bitset), some out of range. */
function pickIds(rng: Rng, col: Column, stringCount: number): number[] {
  const ids: number[] = [];
  for (let k = 1 + rng.int(12); k > 0; k--) {
    ids.push(
      rng.chance(0.1)
        ? stringCount + rng.int(3)
        : rng.chance(0.7)
          ? rng.pick(Array.from(col.sids))
          : rng.int(stringCount),
    );
  }
  return ids;
}

/** Applies one random filter to the scan at `scans[b]` of each build; returns what it did. */
function applyFilter(rng: Rng, scans: number[], cols: Column[], stringCount: number): string {
  const i = rng.int(cols.length);
  const kind = rng.int(3);
  const builds = [simd.exports, scalar.exports];
  if (kind === 0) {
    const ids = pickIds(rng, cols[i]!, stringCount);
    builds.forEach((ex, b) => {
      const list = ex.alloc(ids.length * 4);
      new Uint32Array(ex.memory.buffer).set(ids, list >>> 2);
      expect(ex.whereStrIn(scans[b]!, i, list, ids.length)).toBe(1);
    });
    return `whereStrIn(${i}, [${ids.join(",")}])`;
  }
  if (kind === 1) {
    const op = rng.int(6);
    const v = pickNumber(rng, cols[i]!);
    builds.forEach((ex, b) => ex.whereNum(scans[b]!, i, op, v));
    return `whereNum(${i}, ${op}, ${Object.is(v, -0) ? "-0" : v})`;
  }
  const present = rng.int(2);
  builds.forEach((ex, b) => ex.wherePresent(scans[b]!, i, present));
  return `wherePresent(${i}, ${present})`;
}

describe("the scalar build of the kernels", () => {
  it("has the SIMD build's exports and, like it, no imports", () => {
    expect(WebAssembly.Module.exports(scalarModule)).toEqual(
      WebAssembly.Module.exports(simdModule),
    );
    expect(WebAssembly.Module.imports(scalarModule)).toEqual([]);
    expect(WebAssembly.Module.imports(simdModule)).toEqual([]);
  });

  it("contains no SIMD instruction, while the SIMD build does", () => {
    const text = (name: string) =>
      readFileSync(new URL(`../../build/${name}`, import.meta.url), "utf8");
    const vector = /\bv128\b|\b[if](8x16|16x8|32x4|64x2)\./;
    expect(text("flam-scalar.wat")).not.toMatch(vector);
    expect(text("flam.wat")).toMatch(vector);
  });

  it("is chosen only where simdSupported() is false, which it is not in Node", () => {
    expect(simdSupported()).toBe(true);
    expect(
      WebAssembly.validate(readFileSync(new URL("../../build/flam.wasm", import.meta.url))),
    ).toBe(true);
  });

  it("keeps the same rows and aggregates the same bytes as SIMD, for 1 to 70 rows", () => {
    const rng = new Rng(6);
    for (let rows = 1; rows <= 70; rows++) {
      const bytes = encodeBlock(randomEvents(rows, rows, { names: 1 + (rows % 4), keys: 6 }));
      const ref = openBlock(bytes);
      const fields = allFields(keyCountOf(ref));
      const refScan = ref.scan(fields);
      const cols = fields.map((_, i) => refScan.column(i));
      for (let round = 0; round < 4; round++) {
        const a = rawScan(simd.exports, bytes, fields);
        const b = rawScan(scalar.exports, bytes, fields);
        const scans = [a.scan, b.scan];
        const stringCount = simd.exports.stringCount(a.d);
        expect(scalar.exports.stringCount(b.d)).toBe(stringCount);
        const steps: string[] = [];
        for (let k = round === 0 ? 0 : 1 + rng.int(4); k > 0; k--) {
          steps.push(applyFilter(rng, scans, cols, stringCount));
          const why = `${rows} rows, after ${steps.join(", ")}`;
          expect(maskOf(scalar.exports, scans[1]!), why).toEqual(maskOf(simd.exports, scans[0]!));
          expect(scalar.exports.selected(scans[1]!), why).toBe(simd.exports.selected(scans[0]!));
        }
        for (const [g, v] of [
          [-1, -1],
          [-1, rng.int(fields.length)],
          [rng.int(fields.length), rng.int(fields.length)],
          [1, 2],
        ]) {
          expect(
            aggregateBytes(scalar.exports, scans[1]!, g!, v!),
            `${rows} rows, after ${steps.join(", ")}: aggregate(${g}, ${v})`,
          ).toEqual(aggregateBytes(simd.exports, scans[0]!, g!, v!));
        }
        simd.clear();
        scalar.clear();
      }
    }
  });

  it("computes xxHash32 like SIMD for every length up to 256, seed and alignment", () => {
    const rng = new Rng(32);
    const data = Uint8Array.from({ length: 260 }, () => rng.int(256));
    const hash = (ex: FlamExports, offset: number, length: number, seed: number) => {
      const p = ex.alloc(data.length + 16);
      new Uint8Array(ex.memory.buffer).set(data, p);
      return ex.xxh32(p + offset, length, seed);
    };
    for (let length = 0; length <= 256; length++) {
      const offset = length % 4;
      const seed = rng.int(2 ** 32);
      expect(hash(scalar.exports, offset, length, seed), `length ${length}`).toBe(
        hash(simd.exports, offset, length, seed),
      );
    }
  });

  it("opens 5,000 mutated blocks with SIMD's outcome, error offset and bytes needed", () => {
    const corpus = [...fuzzCorpus(), encodeBlock(sampleEvents())];
    const describeOutcome = (o: Outcome) =>
      o.code === null ? `opened ${o.reader.eventCount} events` : `${o.code}: ${o.message}`;
    let opened = 0;
    for (let i = 0; i < 5000; i++) {
      if (i % 500 === 0) {
        simd.clear();
        scalar.clear();
      }
      const { bytes } = mutate(corpus[i % corpus.length]!, new Rng(i + 1));
      const a = outcomeOf((b) => simd.open(b), bytes);
      const b = outcomeOf((b) => scalar.open(b), bytes);
      expect(describeOutcome(b), `case ${i}`).toBe(describeOutcome(a));
      if (a.code === null && b.code === null) {
        opened++;
        expect(
          diffReaders(b.reader, a.reader, keyCountOf(openBlock(bytes))),
          `case ${i}`,
        ).toBeNull();
      }
    }
    expect(opened).toBeGreaterThan(50);
  });
});
