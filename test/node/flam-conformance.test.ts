/**
 * The WebAssembly FlaM decoder (assembly/ + src/flam/wasm) against the TypeScript reference
 * (src/flam/decode-block.ts) on the same bytes: valid blocks of every kind give the same
 * numbers, strings, columns, selections and aggregates, bit for bit; invalid bytes give the same
 * error class and code, which is also the code docs/flam.md section 9 names. Every case runs
 * over both builds of the kernels, build/flam.wasm (SIMD) and build/flam-scalar.wasm.
 */
import { afterEach, describe, expect, it } from "vitest";
import { encodeBlock } from "../../src/flam/block-builder.ts";
import type { FlamEvent } from "../../src/flam/event.ts";
import { openBlock } from "../../src/flam/decode-block.ts";
import { FlamCorruptError, FlamTruncatedError } from "../../src/flam/errors.ts";
import { sampleEvents } from "../../src/flam/test-events.ts";
import { xxh32 } from "../../src/flam/xxh32.ts";
import { FlamWasm } from "../../src/flam/wasm/index.ts";
import {
  allFields,
  diffColumns,
  diffKernels,
  diffOutcomes,
  diffReaders,
  keyCountOf,
  outcomeOf,
} from "../helpers/flam-compare.ts";
import { randomEvents, T0 } from "../helpers/flam-events.ts";
import {
  T,
  assemble,
  f64,
  handLayout,
  handParts,
  key,
  le,
  oneSlot,
  str,
  varint,
  withChecksum,
  type HandParts,
} from "../helpers/flam-hand-block.ts";
import { FLAM_BINARIES, loadFlamWasmModule } from "../helpers/load-wasm-node.ts";

const one = (over: Partial<FlamEvent> = {}): FlamEvent => ({
  id: "e1",
  visitor: "v1",
  name: "signup",
  time: T0,
  receivedAt: T0 + 5,
  properties: {},
  visitorProperties: {},
  ...over,
});

/** Valid blocks: from the encoder on varied events, and one written by hand. */
const VALID: { name: string; bytes: () => Uint8Array }[] = [
  { name: "the sample events, which use every encoding", bytes: () => encodeBlock(sampleEvents()) },
  { name: "an empty block", bytes: () => encodeBlock([]) },
  { name: "a single event without properties", bytes: () => encodeBlock([one()]) },
  { name: "a hand-written block with an optional slot", bytes: () => assemble(handParts()) },
  ...[1, 2, 3, 4, 5, 6, 7, 8].map((seed) => ({
    name: `${40 * seed} random events of every value kind (seed ${seed})`,
    bytes: () =>
      encodeBlock(randomEvents(seed, 40 * seed, { names: 1 + (seed % 6), keys: 6 + seed * 2 })),
  })),
  {
    name: "300 event names, so shape ids are u16",
    bytes: () => encodeBlock(randomEvents(11, 700, { names: 300, keys: 8 })),
  },
  {
    name: "times from 1970 spread over 2^52 ms, so time offsets take 8 bytes",
    bytes: () => encodeBlock(randomEvents(12, 200, { start: 0, spanMs: 2 ** 52 })),
  },
  {
    name: "extreme values: safe-integer bounds, -0, subnormals, a 65,535-byte string, a 255-byte key",
    bytes: () =>
      encodeBlock([
        one({
          properties: {
            a: 2 ** 53 - 1,
            b: -(2 ** 53 - 1),
            c: -0,
            d: 5e-324,
            s: "é".repeat(32_767) + "x",
            ["k".repeat(255)]: true,
          },
        }),
        one({
          id: "e2",
          properties: {
            a: 0,
            b: 1e-15,
            c: 0.1,
            d: -1.7976931348623157e308,
            s: "",
            ["k".repeat(255)]: false,
          },
        }),
      ]),
  },
  {
    name: "an event with 1,000 properties",
    bytes: () =>
      encodeBlock([
        one({
          properties: Object.fromEntries(
            Array.from({ length: 1000 }, (_, i) => [`p${i}`, i % 7 === 0 ? `s${i}` : i * 1.25]),
          ),
        }),
      ]),
  },
  {
    name: "70,000 distinct visitors, so string ids take 4 bytes",
    bytes: () =>
      encodeBlock(
        Array.from({ length: 70_000 }, (_, i) =>
          one({
            id: `i${i}`,
            visitor: `v${i}`,
            time: T0 + i,
            receivedAt: T0 + i,
            properties: { n: i % 3 },
          }),
        ),
      ),
  },
];

/** Invalid bytes, each with the code section 9 gives it. */
const p0 = handParts();
const L0 = handLayout(p0);
const patched = (patch: (v: DataView) => void, parts: HandParts = handParts()) =>
  assemble(parts, patch);
const parts = (change: Partial<HandParts>) => ({ ...handParts(), ...change });
const shape0 = (slots: number[]) => [0, 0x41, 0x40, 1, 0x71, 0x11, ...slots];
const flip = (b: Uint8Array, at: number) => ((b[at] = b[at]! ^ 0x01), b);
const big = new Uint8Array(17 * 1024 * 1024);
big.set(assemble(handParts()).subarray(0, 64));

const INVALID: { code: string; why: string; bytes: () => Uint8Array }[] = [
  // Steps 1-3: magic, version, then fewer than 16 bytes.
  { code: "TRUNCATED", why: "the input is empty", bytes: () => new Uint8Array(0) },
  {
    code: "BAD_MAGIC",
    why: "the second of two bytes is not the magic",
    bytes: () => Uint8Array.of(0x46, 0x00),
  },
  {
    code: "BAD_MAGIC",
    why: "a whole block has another magic",
    bytes: () => flip(assemble(handParts()), 3),
  },
  {
    code: "UNSUPPORTED_VERSION",
    why: "a 5-byte prefix has version 2",
    bytes: () => Uint8Array.of(0x46, 0x4c, 0x61, 0x4d, 2),
  },
  {
    code: "UNSUPPORTED_VERSION",
    why: "a whole block has version 2",
    bytes: () => patched((v) => v.setUint8(4, 2)),
  },
  {
    code: "TRUNCATED",
    why: "15 bytes have unknown flags (step 3 comes before step 4)",
    bytes: () => patched((v) => v.setUint8(5, 1)).subarray(0, 15),
  },
  // Steps 4-7.
  { code: "BAD_HEADER", why: "the flags are not 0", bytes: () => patched((v) => v.setUint8(5, 1)) },
  {
    code: "BAD_HEADER",
    why: "the header size is not 64",
    bytes: () => patched((v) => v.setUint16(6, 65, true)),
  },
  {
    code: "BAD_LENGTH",
    why: "blockLength is below 64",
    bytes: () => patched((v) => v.setUint32(8, 63, true)),
  },
  {
    code: "BAD_LENGTH",
    why: "blockLength is above 16 MiB",
    bytes: () => patched((v) => v.setUint32(8, 16 * 1024 * 1024 + 1, true)),
  },
  {
    code: "TRUNCATED",
    why: "blockLength is one more than the bytes",
    bytes: () => patched((v) => v.setUint32(8, L0.blockLength + 1, true)),
  },
  {
    code: "BAD_LENGTH",
    why: "one byte follows the block",
    bytes: () => Uint8Array.from([...assemble(handParts()), 0]),
  },
  { code: "BAD_LENGTH", why: "17 MiB are passed as one block", bytes: () => big },
  {
    code: "CHECKSUM",
    why: "a record byte flipped",
    bytes: () => flip(assemble(handParts()), L0.recordsOffset + 3),
  },
  {
    code: "CHECKSUM",
    why: "the checksum itself flipped",
    bytes: () => flip(assemble(handParts()), 12),
  },
  // Step 8.
  {
    code: "LIMIT",
    why: "eventCount is 2^20 + 1",
    bytes: () => patched((v) => v.setUint32(16, 2 ** 20 + 1, true)),
  },
  {
    code: "LIMIT",
    why: "keyCount is 65,537",
    bytes: () => patched((v) => v.setUint32(20, 65_537, true)),
  },
  {
    code: "LIMIT",
    why: "stringCount is 2^24 + 1",
    bytes: () => patched((v) => v.setUint32(24, 2 ** 24 + 1, true)),
  },
  {
    code: "LIMIT",
    why: "shapeCount is 65,537",
    bytes: () => patched((v) => v.setUint32(28, 65_537, true)),
  },
  {
    code: "BAD_HEADER",
    why: "minTime is above maxTime",
    bytes: () => patched((v) => v.setBigInt64(32, BigInt(T + 21), true)),
  },
  {
    code: "BAD_HEADER",
    why: "maxTime is 2^53",
    bytes: () => patched((v) => v.setBigInt64(40, 2n ** 53n, true)),
  },
  {
    code: "BAD_HEADER",
    why: "minTime is -2^53",
    bytes: () => patched((v) => v.setBigInt64(32, -(2n ** 53n), true)),
  },
  {
    code: "BAD_HEADER",
    why: "an empty block has a shape",
    bytes: () => assemble(parts({ eventCount: 0, records: [], minTime: 0, maxTime: 0 })),
  },
  {
    code: "BAD_HEADER",
    why: "an empty block has times",
    bytes: () =>
      assemble(
        parts({ eventCount: 0, shapeCount: 0, shapes: [], records: [], minTime: T, maxTime: T }),
      ),
  },
  {
    code: "BAD_HEADER",
    why: "a non-empty block has no shapes",
    bytes: () => patched((v) => v.setUint32(28, 0, true)),
  },
  {
    code: "BAD_HEADER",
    why: "keysOffset is not 64",
    bytes: () => patched((v) => v.setUint32(48, 65, true)),
  },
  {
    code: "BAD_HEADER",
    why: "stringsOffset is before keysOffset",
    bytes: () => patched((v) => v.setUint32(52, 63, true)),
  },
  {
    code: "BAD_HEADER",
    why: "recordsOffset is before shapesOffset",
    bytes: () => patched((v) => v.setUint32(60, L0.shapesOffset - 1, true)),
  },
  {
    code: "BAD_HEADER",
    why: "recordsOffset is past the end",
    bytes: () => patched((v) => v.setUint32(60, L0.blockLength + 1, true)),
  },
  // Step 9: varints.
  {
    code: "BAD_VARINT",
    why: "a key length is overlong (80 00)",
    bytes: () => assemble(parts({ keys: [0, 0x80, 0x00, ...key(0, "y")], keyCount: 2 })),
  },
  {
    code: "BAD_VARINT",
    why: "a string length has a 5th byte above 0x0F",
    bytes: () =>
      assemble(parts({ strings: [...p0.strings, 0xff, 0xff, 0xff, 0xff, 0x10], stringCount: 9 })),
  },
  {
    code: "BAD_VARINT",
    why: "a string length has 6 bytes",
    bytes: () =>
      assemble(
        parts({ strings: [...p0.strings, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00], stringCount: 9 }),
      ),
  },
  {
    code: "BAD_VARINT",
    why: "a string length runs past its section",
    bytes: () => assemble(parts({ strings: [...p0.strings, 0x81], stringCount: 9 })),
  },
  {
    code: "BAD_VARINT",
    why: "a shape's name id is overlong",
    bytes: () => assemble(parts({ shapes: [0x80, 0x00, ...p0.shapes.slice(1)] })),
  },
  {
    code: "BAD_VARINT",
    why: "a slot count runs past the shape table",
    bytes: () =>
      assemble(parts({ shapes: [...p0.shapes, 6, 0x41, 0x41, 0x72, 0x12, 0x80], shapeCount: 3 })),
  },
  // Keys.
  {
    code: "BAD_KEY",
    why: "a key has namespace 2",
    bytes: () => assemble(parts({ keys: [2, ...key(0, "price").slice(1), ...p0.keys.slice(7)] })),
  },
  {
    code: "BAD_KEY",
    why: "a key is empty",
    bytes: () => assemble(parts({ keys: [...p0.keys, 0, 0], keyCount: 4 })),
  },
  {
    code: "BAD_KEY",
    why: "a key is 256 bytes",
    bytes: () => assemble(parts({ keys: [...p0.keys, ...key(0, "k".repeat(256))], keyCount: 4 })),
  },
  {
    code: "BAD_KEY",
    why: "a key repeats",
    bytes: () => assemble(parts({ keys: [...p0.keys, ...key(1, "plan")], keyCount: 4 })),
  },
  {
    code: "BAD_KEY",
    why: "a key is not UTF-8 (overlong C0 80)",
    bytes: () => assemble(parts({ keys: [...p0.keys, ...key(0, [0xc0, 0x80])], keyCount: 4 })),
  },
  {
    code: "BAD_KEY",
    why: "the key dictionary has a byte left over",
    bytes: () => assemble(parts({ keys: [...p0.keys, 0] })),
  },
  {
    code: "BAD_KEY",
    why: "keyCount is one more than the keys",
    bytes: () => assemble(parts({ keyCount: 4 })),
  },
  {
    code: "BAD_KEY",
    why: "a key's text runs past its section",
    bytes: () => assemble(parts({ keys: [...p0.keys, 0, 5, 0x61], keyCount: 4 })),
  },
  // Strings.
  {
    code: "BAD_STRING",
    why: "a string repeats",
    bytes: () => assemble(parts({ strings: [...p0.strings, ...str("US")], stringCount: 9 })),
  },
  {
    code: "BAD_STRING",
    why: "a string is a UTF-16 surrogate (ED A0 80)",
    bytes: () =>
      assemble(parts({ strings: [...p0.strings, ...str([0xed, 0xa0, 0x80])], stringCount: 9 })),
  },
  {
    code: "BAD_STRING",
    why: "a string has a byte above F4",
    bytes: () =>
      assemble(
        parts({ strings: [...p0.strings, ...str([0xf5, 0x80, 0x80, 0x80])], stringCount: 9 }),
      ),
  },
  {
    code: "BAD_STRING",
    why: "a string ends inside a character",
    bytes: () =>
      assemble(parts({ strings: [...p0.strings, ...str([0x61, 0xe2, 0x82])], stringCount: 9 })),
  },
  {
    code: "BAD_STRING",
    why: "a string is longer than 65,535 bytes",
    bytes: () =>
      assemble(parts({ strings: [...p0.strings, ...varint(65_536), 0x61], stringCount: 9 })),
  },
  {
    code: "BAD_STRING",
    why: "the string dictionary has a byte left over",
    bytes: () => assemble(parts({ strings: [...p0.strings, 0] })),
  },
  // Shapes.
  {
    code: "BAD_SHAPE",
    why: "a name id is out of range",
    bytes: () => assemble(parts({ shapes: [8, ...p0.shapes.slice(1)] })),
  },
  {
    code: "BAD_SHAPE",
    why: "an event id is INT1",
    bytes: () => assemble(parts({ shapes: [0, 0x11, ...p0.shapes.slice(2)] })),
  },
  {
    code: "BAD_SHAPE",
    why: "a visitor id is a UUID",
    bytes: () => assemble(parts({ shapes: [0, 0x41, 0x50, ...p0.shapes.slice(4)] })),
  },
  {
    code: "BAD_SHAPE",
    why: "a visitor encoding has the OPTIONAL bit",
    bytes: () => assemble(parts({ shapes: [0, 0x41, 0xc0, ...p0.shapes.slice(3)] })),
  },
  {
    code: "BAD_SHAPE",
    why: "a time is INT1",
    bytes: () => assemble(parts({ shapes: [0, 0x41, 0x40, 1, 0x11, ...p0.shapes.slice(5)] })),
  },
  {
    code: "BAD_SHAPE",
    why: "a receivedAt is UINT1",
    bytes: () => assemble(parts({ shapes: [0, 0x41, 0x40, 1, 0x71, 0x71, ...p0.shapes.slice(6)] })),
  },
  { code: "BAD_SHAPE", why: "a slot is UINT2", bytes: () => assemble(oneSlot([0x72], [0, 0])) },
  {
    code: "BAD_SHAPE",
    why: "a slot is a UUID",
    bytes: () => assemble(oneSlot([0x50], new Array(16).fill(0))),
  },
  {
    code: "BAD_SHAPE",
    why: "a slot has the unknown code 0x31",
    bytes: () => assemble(oneSlot([0x31], [])),
  },
  {
    code: "BAD_SHAPE",
    why: "a slot is an 8-byte string id",
    bytes: () => assemble(oneSlot([0x48], le(0, 8))),
  },
  {
    code: "BAD_SHAPE",
    why: "a decimal has scale 0",
    bytes: () => assemble(oneSlot([0x21, 0], [1])),
  },
  {
    code: "BAD_SHAPE",
    why: "a decimal has scale 16",
    bytes: () => assemble(oneSlot([0x21, 16], [1])),
  },
  {
    code: "BAD_SHAPE",
    why: "a constant string id is out of range",
    bytes: () => assemble(oneSlot([0x40, 3], [])),
  },
  {
    code: "BAD_SHAPE",
    why: "slot keys are not increasing",
    bytes: () =>
      assemble(parts({ shapes: shape0([2, 1, 0x40, 3, 1, 0x40, 2]).concat(p0.shapes.slice(15)) })),
  },
  {
    code: "BAD_SHAPE",
    why: "a slot key is out of range",
    bytes: () => assemble(parts({ shapes: shape0([1, 3, 0x40, 3]).concat(p0.shapes.slice(15)) })),
  },
  {
    code: "BAD_SHAPE",
    why: "a shape has 1,025 slots",
    bytes: () => assemble(parts({ shapes: shape0(varint(1025)).concat(p0.shapes.slice(15)) })),
  },
  {
    code: "BAD_SHAPE",
    why: "the shape table has a byte left over",
    bytes: () => assemble(parts({ shapes: [...p0.shapes, 0] })),
  },
  {
    code: "BAD_VARINT",
    why: "shapeCount is one more than the shapes (a name id runs past the table)",
    bytes: () => assemble(parts({ shapeCount: 3 })),
  },
  // Records.
  {
    code: "BAD_RECORD",
    why: "a shape id is out of range",
    bytes: () => assemble(parts({ records: [2, ...p0.records.slice(1)] })),
  },
  {
    code: "BAD_RECORD",
    why: "eventCount is one more than the records",
    bytes: () => assemble(parts({ eventCount: 4 })),
  },
  {
    code: "BAD_RECORD",
    why: "a byte follows the last record",
    bytes: () => assemble(parts({ records: [...p0.records, 0] })),
  },
  {
    code: "BAD_RECORD",
    why: "a time offset passes maxTime",
    bytes: () => assemble(parts({ records: [...p0.records.slice(0, 19), 21, 0, 0, 0] })),
  },
  {
    code: "BAD_RECORD",
    why: "a string id is out of range",
    bytes: () =>
      assemble(parts({ records: [...p0.records.slice(0, 2), 8, ...p0.records.slice(3)] })),
  },
  {
    code: "BAD_RECORD",
    why: "an absent optional slot has a non-zero byte",
    bytes: () =>
      assemble(parts({ records: [...p0.records.slice(0, 15), 2, ...p0.records.slice(16)] })),
  },
  {
    code: "BAD_RECORD",
    why: "a bitmap bit is set past the optional slots",
    bytes: () => assemble(parts({ records: [0, 0b11, ...p0.records.slice(2)] })),
  },
  { code: "BAD_RECORD", why: "a BOOL byte is 2", bytes: () => assemble(oneSlot([0x03], [2])) },
  {
    code: "BAD_RECORD",
    why: "an INT8 is 2^53",
    bytes: () => assemble(oneSlot([0x18], le(2n ** 53n, 8))),
  },
  {
    code: "BAD_RECORD",
    why: "an INT8 is -2^53",
    bytes: () => assemble(oneSlot([0x18], le(-(2n ** 53n), 8))),
  },
  {
    code: "BAD_RECORD",
    why: "a DEC8 mantissa is 2^63 - 1",
    bytes: () => assemble(oneSlot([0x28, 2], le(2n ** 63n - 1n, 8))),
  },
  { code: "BAD_RECORD", why: "an F64 is NaN", bytes: () => assemble(oneSlot([0x30], f64(NaN))) },
  {
    code: "BAD_RECORD",
    why: "an F64 is -Infinity",
    bytes: () => assemble(oneSlot([0x30], f64(-Infinity))),
  },
  {
    code: "BAD_RECORD",
    why: "an array's string id is out of range",
    bytes: () => assemble(oneSlot([0x62], le(3, 2))),
  },
  {
    code: "BAD_RECORD",
    why: "a UINT8 time offset is 2^53",
    bytes: () =>
      assemble(
        oneSlot([0x00], [], {
          timeEnc: 0x78,
          time: le(2n ** 53n, 8),
          maxTime: 2 ** 53 - 1,
          minTime: 0,
        }),
      ),
  },
  {
    code: "BAD_RECORD",
    why: "receivedAt is 2^53",
    bytes: () =>
      assemble(oneSlot([0x00], [], { received: [1], minTime: 2 ** 53 - 1, maxTime: 2 ** 53 - 1 })),
  },
  {
    code: "BAD_RECORD",
    why: "an INT8 receivedAt delta is 2^53",
    bytes: () => assemble(oneSlot([0x00], [], { receivedEnc: 0x18, received: le(2n ** 53n, 8) })),
  },
];

/** Invalid-looking but valid: the edges of each rule. */
const EDGES: { why: string; bytes: () => Uint8Array }[] = [
  {
    why: "a key text in both namespaces",
    bytes: () => assemble(parts({ keys: [...p0.keys, ...key(1, "price")], keyCount: 4 })),
  },
  { why: "a BOOL byte of 1", bytes: () => assemble(oneSlot([0x03], [1])) },
  {
    why: "an INT8 of -(2^53 - 1)",
    bytes: () => assemble(oneSlot([0x18], le(-(2n ** 53n) + 1n, 8))),
  },
  {
    why: "a DEC8 of 2^53 - 1 with scale 15",
    bytes: () => assemble(oneSlot([0x28, 15], le(2n ** 53n - 1n, 8))),
  },
  { why: "an F64 of -0", bytes: () => assemble(oneSlot([0x30], f64(-0))) },
  {
    why: "an absent optional F64",
    bytes: () => assemble(oneSlot([0xb0], f64(0), { bitmap: [0] })),
  },
  { why: "a present optional TRUE", bytes: () => assemble(oneSlot([0x82], [], { bitmap: [1] })) },
  {
    why: "an absent optional constant string",
    bytes: () => assemble(oneSlot([0xc0, 2], [], { bitmap: [0] })),
  },
  {
    why: "a receivedAt of exactly 2^53 - 1",
    bytes: () =>
      assemble(oneSlot([0x00], [], { received: [0], minTime: 2 ** 53 - 1, maxTime: 2 ** 53 - 1 })),
  },
  {
    why: "a time of -(2^53 - 1)",
    bytes: () =>
      assemble(
        oneSlot([0x01], [], { minTime: -(2 ** 53 - 1), maxTime: -(2 ** 53 - 1), received: [0] }),
      ),
  },
  {
    why: "a string with a leading U+FEFF beside the same string without it",
    bytes: () => assemble(parts({ strings: [...p0.strings, ...str("\uFEFFUS")], stringCount: 9 })),
  },
  {
    why: "the empty string and a 4-byte character",
    bytes: () =>
      assemble(
        parts({ strings: [...p0.strings, ...str(""), ...str("\u{10FFFF}")], stringCount: 10 }),
      ),
  },
];

describe.each(FLAM_BINARIES)("build/%s", (binary) => {
  const flam = FlamWasm.fromModule(loadFlamWasmModule(binary));
  afterEach(() => flam.clear());

  describe("the WASM FlaM decoder agrees with the TypeScript reference", () => {
    describe.each(VALID)("on $name", ({ bytes }) => {
      it("reports the same numbers, key ids, strings and projected columns", () => {
        const b = bytes();
        const ref = openBlock(b);
        const w = flam.open(b);
        const keyCount = keyCountOf(ref);
        expect(diffReaders(w, ref, keyCount)).toBeNull();
        const keys = (ref as unknown as { keys: { ns: 0 | 1; text: string }[] }).keys;
        keys.forEach(({ ns, text }, id) => {
          expect(w.keyId(text, ns)).toBe(id);
          expect(ref.keyId(text, ns)).toBe(id);
        });
        for (const text of ["", "no such key", "price\u0000", "x".repeat(300)]) {
          for (const ns of [0, 1] as const) expect(w.keyId(text, ns)).toBe(ref.keyId(text, ns));
        }
        for (const text of ["no such value", "US ", "\u{10FFFF}"])
          expect(w.stringId(text)).toBe(ref.stringId(text));
      });

      it("gives the same selections and aggregates under random filters", () => {
        const b = bytes();
        const ref = openBlock(b);
        const w = flam.open(b);
        expect(diffKernels(w, ref, keyCountOf(ref), b.length, 8)).toBeNull();
      });
    });

    it("projects the same columns for any field list, repeated fields and the empty list included", () => {
      const b = encodeBlock(randomEvents(21, 300, { names: 4, keys: 10 }));
      const ref = openBlock(b);
      const w = flam.open(b);
      const all = allFields(keyCountOf(ref));
      for (const fields of [[], [3], [-3, -3, 0], [...all].reverse(), [5, -4, 5, -2]]) {
        const ws = w.scan(fields);
        const rs = ref.scan(fields);
        fields.forEach((_, i) => expect(diffColumns(ws.column(i), rs.column(i))).toBeNull());
        expect(ws.aggregate(null, null)).toEqual(rs.aggregate(null, null));
        ws.release();
      }
    });

    it("sums decimals bit-identically to m / 10^scale in JavaScript", () => {
      const prices = Array.from({ length: 2000 }, (_, i) => ((i * 7919) % 100_000) / 100 - 300);
      const b = encodeBlock(
        prices.map((price, i) =>
          one({
            id: `e${i}`,
            name: "purchase",
            properties: { price, country: ["US", "CA"][i % 2]! },
          }),
        ),
      );
      const ref = openBlock(b);
      const w = flam.open(b);
      const fields = [ref.keyId("country"), ref.keyId("price")];
      const ws = w.scan(fields);
      const rs = ref.scan(fields);
      expect(ws.aggregate(0, 1)).toEqual(rs.aggregate(0, 1));
      expect(Array.from(ws.column(1).nums)).toEqual(prices);
    });
  });

  describe("the WASM FlaM decoder rejects invalid bytes like the reference", () => {
    it("reports every truncation of a small block as TRUNCATED, with the bytes needed once the header says", () => {
      const b = encodeBlock(sampleEvents());
      for (let n = 0; n < b.length; n++) {
        const cut = b.subarray(0, n);
        const w = outcomeOf((x) => flam.open(x), cut);
        expect(w.code, `length ${n}`).toBe("TRUNCATED");
        expect(w.code !== null && w.needed).toBe(n < 16 ? 0 : b.length);
        expect(diffOutcomes(w, outcomeOf(openBlock, cut)), `length ${n}`).toBeNull();
      }
    });

    it.each(INVALID)("reports $code when $why", ({ code, bytes }) => {
      const b = bytes();
      const ref = outcomeOf(openBlock, b);
      const w = outcomeOf((x) => flam.open(x), b);
      expect(ref.code).toBe(code);
      expect(w.code).toBe(code);
      expect(diffOutcomes(w, ref)).toBeNull();
      let thrown: unknown;
      try {
        flam.open(b);
      } catch (e) {
        thrown = e;
      }
      expect(thrown).toBeInstanceOf(code === "TRUNCATED" ? FlamTruncatedError : FlamCorruptError);
      if (code === "TRUNCATED") expect(thrown).toBeInstanceOf(RangeError);
    });

    it.each(EDGES)("accepts $why, as the reference does", ({ bytes }) => {
      const b = bytes();
      const ref = outcomeOf(openBlock, b);
      expect(ref.code).toBeNull();
      expect(
        diffOutcomes(
          outcomeOf((x) => flam.open(x), b),
          ref,
        ),
      ).toBeNull();
    });

    it("reports a byte of every section flipped, checksum recomputed, with the reference's code", () => {
      const base = assemble(handParts());
      for (let at = 16; at < base.length; at++) {
        for (const mask of [0x01, 0x80, 0xff]) {
          const b = base.slice();
          b[at] = b[at]! ^ mask;
          withChecksum(b);
          expect(
            diffOutcomes(
              outcomeOf((x) => flam.open(x), b),
              outcomeOf(openBlock, b),
            ),
            `byte ${at} ^ ${mask}`,
          ).toBeNull();
        }
      }
    });
  });

  describe("the WASM binding", () => {
    const block = () => encodeBlock(randomEvents(31, 500, { names: 3, keys: 8 }));

    it("copies the input, so changing the bytes after open changes nothing", () => {
      const b = block();
      const ref = openBlock(b.slice());
      const w = flam.open(b);
      b.fill(0);
      expect(diffReaders(w, ref, keyCountOf(ref))).toBeNull();
    });

    it("frees every block and scan on clear() and reuses the same memory", () => {
      const b = block();
      const openAll = () => {
        for (let i = 0; i < 20; i++) flam.open(b).scan([-3, -4, 0]);
        return flam.exports.mark();
      };
      flam.clear();
      const empty = flam.exports.mark();
      const top = openAll();
      const size = flam.exports.memory.buffer.byteLength;
      flam.clear();
      expect(flam.exports.mark()).toBe(empty);
      expect(openAll()).toBe(top);
      expect(flam.exports.memory.buffer.byteLength).toBe(size);
    });

    it("refuses blocks and scans used after clear() or release()", () => {
      const w = flam.open(block());
      const s = w.scan([-3]);
      const t = w.scan([-3]);
      t.release();
      expect(() => t.selected()).toThrow(/released/);
      flam.clear();
      expect(() => w.stringId("US")).toThrow(/clear/);
      expect(() => w.scan([-3])).toThrow(/clear/);
      expect(() => s.column(0)).toThrow(/clear/);
      s.release(); // harmless after clear
    });

    it("gives a released scan's memory back once the newer scans are released too", () => {
      const b = block();
      const ref = openBlock(b);
      const w = flam.open(b);
      const start = flam.exports.mark();
      const first = w.scan([-3, 0]);
      const second = w.scan([-4, 1]);
      first.release();
      expect(flam.exports.mark()).toBeGreaterThan(start);
      expect(diffColumns(second.column(1), ref.scan([-4, 1]).column(1))).toBeNull();
      second.release();
      expect(flam.exports.mark()).toBe(start);
    });

    it("re-creates its views after memory grows, so earlier scans stay readable", () => {
      const small = block();
      const ref = openBlock(small);
      const s = flam.open(small).scan([-2, 0, 1]);
      const before = flam.exports.memory.buffer;
      const big = encodeBlock(
        Array.from({ length: 20_000 }, (_, i) =>
          one({ id: `i${i}`, visitor: `v${i}`, properties: { x: i } }),
        ),
      );
      // Memory only grows: keep opening until it does (earlier tests may have grown it already).
      for (let i = 0; i < 1000 && flam.exports.memory.buffer === before; i++)
        flam.open(big).scan([-2, -3, -4, -5, 0]);
      expect(flam.exports.memory.buffer).not.toBe(before);
      const rs = ref.scan([-2, 0, 1]);
      for (let i = 0; i < 3; i++) expect(diffColumns(s.column(i), rs.column(i))).toBeNull();
      expect(s.aggregate(0, 1)).toEqual(rs.aggregate(0, 1));
    });

    it("throws RangeError for unknown fields, columns and string ids, as the reference does", () => {
      const b = block();
      const ref = openBlock(b);
      const w = flam.open(b);
      const keyCount = keyCountOf(ref);
      for (const fields of [[-1], [-6], [keyCount], [0.5], [NaN]]) {
        expect(() => ref.scan(fields)).toThrow(RangeError);
        expect(() => w.scan(fields)).toThrow(RangeError);
      }
      const ws = w.scan([0, 1]);
      const rs = ref.scan([0, 1]);
      for (const i of [2, -1, 0.5]) {
        expect(() => rs.column(i)).toThrow(RangeError);
        expect(() => ws.column(i)).toThrow(RangeError);
        expect(() => ws.aggregate(i, null)).toThrow(RangeError);
      }
      for (const sid of [-1, 1e9, 0.5]) {
        expect(() => ref.string(sid)).toThrow(RangeError);
        expect(() => w.string(sid)).toThrow(RangeError);
      }
    });

    it("computes xxHash32 (seed 0) like the reference for every length up to 200", () => {
      const bytes = Uint8Array.from({ length: 200 }, (_, i) => (i * 151 + 7) & 0xff);
      const ex = flam.exports;
      const p = ex.alloc(bytes.length);
      new Uint8Array(ex.memory.buffer).set(bytes, p);
      for (let n = 0; n <= bytes.length; n++) {
        expect(ex.xxh32(p, n, 0) >>> 0, `length ${n}`).toBe(xxh32(bytes, 0, n));
      }
      // The specification's example: xxh32("abc", 0).
      const abc = ex.alloc(3);
      new Uint8Array(ex.memory.buffer).set([0x61, 0x62, 0x63], abc);
      expect(ex.xxh32(abc, 3, 0) >>> 0).toBe(0x32d153ff);
    });

    it("sizes its tables by the bytes of a block, not by the counts its header claims", () => {
      // 2^24 strings claimed over a megabyte that holds none: no table for 2^24, nor for 10^6.
      const garbage = new Array<number>(1_000_000).fill(0xc0);
      const b = assemble({ ...handParts(), strings: [...handParts().strings, ...garbage] }, (v) => {
        v.setUint32(24, 2 ** 24, true);
      });
      const before = flam.exports.memory.buffer.byteLength;
      const w = outcomeOf((x) => flam.open(x), b);
      expect(diffOutcomes(w, outcomeOf(openBlock, b))).toBeNull();
      expect(flam.exports.memory.buffer.byteLength - before).toBeLessThan(4 * 1024 * 1024);
    });

    it("finds no key or string for lone surrogates, over-long texts or another namespace", () => {
      const b = encodeBlock([one({ properties: { "\uFFFD": "\uFFFD", k: "x".repeat(65_535) } })]);
      const ref = openBlock(b);
      const w = flam.open(b);
      for (const text of ["\uD800", "a\uDC00", "x".repeat(65_536), "\uFFFD"]) {
        expect(w.stringId(text)).toBe(ref.stringId(text));
        expect(w.keyId(text)).toBe(ref.keyId(text));
      }
      expect(w.stringId("x".repeat(65_535))).toBe(ref.stringId("x".repeat(65_535)));
      expect(w.keyId("k", 1)).toBe(-1);
      expect(w.keyId("k", 2 as 0)).toBe(ref.keyId("k", 2 as 0));
    });
  });
});
