/**
 * FlaM blocks written byte by byte (docs/flam.md), for the error cases no encoder produces:
 * each section is given as raw bytes, the header is computed (offsets, lengths, checksum), and a
 * patch may then break any field. `handParts()` is a small valid block whose every byte is known.
 */
import { xxh32 } from "../../src/flam/xxh32.ts";

export interface HandParts {
  keys: number[];
  strings: number[];
  shapes: number[];
  records: number[];
  keyCount: number;
  stringCount: number;
  shapeCount: number;
  eventCount: number;
  minTime: number;
  maxTime: number;
}

/** Unsigned LEB128 (section 3). */
export function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}

const utf8 = (s: string) => [...new TextEncoder().encode(s)];

/** A key dictionary entry (section 4). */
export const key = (ns: number, text: string | number[]) => {
  const b = typeof text === "string" ? utf8(text) : text;
  return [ns, ...varint(b.length), ...b];
};

/** A string dictionary entry (section 5). */
export const str = (text: string | number[]) => {
  const b = typeof text === "string" ? utf8(text) : text;
  return [...varint(b.length), ...b];
};

export const T = 1_767_225_600_000;

/**
 * Keys: 0 price, 1 country, 2 plan (visitor). Strings: 0 purchase, 1 v1, 2 US, 3 pro, 4 e1, 5 e2,
 * 6 pageview, 7 e3. Shape 0 (purchase): id STR1, visitor STR_CONST v1, time UINT1, received INT1,
 * slots price DEC2/2, country optional STR1, plan STR_CONST pro; records are 8 bytes:
 * [shape, bitmap, id, time, received, price lo, price hi, country]. Shape 1 (pageview): id STR1,
 * visitor STR1, time UINT2, received INT2, slot country STR_CONST US; records are 7 bytes.
 */
export function handParts(): HandParts {
  return {
    keys: [...key(0, "price"), ...key(0, "country"), ...key(1, "plan")],
    strings: ["purchase", "v1", "US", "pro", "e1", "e2", "pageview", "e3"].flatMap((s) => str(s)),
    shapes: [
      // shape 0
      0, 0x41, 0x40, 1, 0x71, 0x11, 3, /* price */ 0, 0x22, 2, /* country */ 1, 0xc1, /* plan */ 2,
      0x40, 3,
      // shape 1
      6, 0x41, 0x41, 0x72, 0x12, 1, /* country */ 1, 0x40, 2,
    ],
    records: [
      0,
      0b1,
      4,
      0,
      5,
      0xcf,
      0x07,
      2, // purchase e1 price 19.99 country US
      0,
      0b0,
      5,
      10,
      0xfb,
      0xf4,
      0x01,
      0, // purchase e2 price 5.00, no country, received -5
      1,
      7,
      1,
      20,
      0,
      0,
      0, // pageview e3 by v1
    ],
    keyCount: 3,
    stringCount: 8,
    shapeCount: 2,
    eventCount: 3,
    minTime: T,
    maxTime: T + 20,
  };
}

/** Offsets of the record bytes of `handParts()` within the block. */
export function handLayout(p: HandParts = handParts()) {
  const keysOffset = 64;
  const stringsOffset = keysOffset + p.keys.length;
  const shapesOffset = stringsOffset + p.strings.length;
  const recordsOffset = shapesOffset + p.shapes.length;
  return {
    keysOffset,
    stringsOffset,
    shapesOffset,
    recordsOffset,
    blockLength: recordsOffset + p.records.length,
  };
}

/** Writes a block; `patch` may change any header field before the checksum is computed. */
export function assemble(p: HandParts, patch?: (v: DataView) => void): Uint8Array {
  const l = handLayout(p);
  const out = new Uint8Array(l.blockLength);
  const v = new DataView(out.buffer);
  out.set([0x46, 0x4c, 0x61, 0x4d, 1, 0]);
  v.setUint16(6, 64, true);
  v.setUint32(8, l.blockLength, true);
  v.setUint32(16, p.eventCount, true);
  v.setUint32(20, p.keyCount, true);
  v.setUint32(24, p.stringCount, true);
  v.setUint32(28, p.shapeCount, true);
  v.setBigInt64(32, BigInt(p.minTime), true);
  v.setBigInt64(40, BigInt(p.maxTime), true);
  v.setUint32(48, l.keysOffset, true);
  v.setUint32(52, l.stringsOffset, true);
  v.setUint32(56, l.shapesOffset, true);
  v.setUint32(60, l.recordsOffset, true);
  out.set(p.keys, l.keysOffset);
  out.set(p.strings, l.stringsOffset);
  out.set(p.shapes, l.shapesOffset);
  out.set(p.records, l.recordsOffset);
  patch?.(v);
  return withChecksum(out);
}

/** Recomputes the checksum over `[16, blockLength)` when the header's length fits the bytes. */
export function withChecksum(bytes: Uint8Array): Uint8Array {
  if (bytes.length < 16) return bytes;
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const length = v.getUint32(8, true);
  if (length >= 16 && length <= bytes.length) v.setUint32(12, xxh32(bytes, 16, length), true);
  return bytes;
}

export interface OneSlotOptions {
  /** Time encoding and its record bytes. Defaults to UINT1, offset 0. */
  timeEnc: number;
  time: number[];
  /** receivedAt encoding and its record bytes. Defaults to INT1, delta 0. */
  receivedEnc: number;
  received: number[];
  /** Presence bitmap bytes (when the slot's encoding has the OPTIONAL bit). */
  bitmap: number[];
  minTime: number;
  maxTime: number;
}

/**
 * A block of one event with one property slot (key "x") of encoding `slotEnc` (its code and
 * shape params) whose record bytes are `value`: the shortest way to test one value rule.
 * Strings: 0 "e" (name and id), 1 "v" (visitor), 2 "s".
 *
 * @example
 * assemble(oneSlot([0x03], [2])) // a BOOL byte of 2: BAD_RECORD
 */
export function oneSlot(
  slotEnc: number[],
  value: number[],
  options: Readonly<Partial<OneSlotOptions>> = {},
): HandParts {
  const o = {
    timeEnc: 0x71,
    time: [0],
    receivedEnc: 0x11,
    received: [0],
    bitmap: [],
    minTime: T,
    maxTime: T,
    ...options,
  };
  return {
    keys: key(0, "x"),
    strings: [...str("e"), ...str("v"), ...str("s")],
    shapes: [0, 0x40, 0, 0x40, 1, o.timeEnc, o.receivedEnc, 1, 0, ...slotEnc],
    records: [0, ...o.bitmap, ...o.time, ...o.received, ...value],
    keyCount: 1,
    stringCount: 3,
    shapeCount: 1,
    eventCount: 1,
    minTime: o.minTime,
    maxTime: o.maxTime,
  };
}

/** Little-endian bytes of an integer of `width` bytes (two's complement when negative). */
export function le(x: number | bigint, width: number): number[] {
  let v = BigInt.asUintN(width * 8, BigInt(x));
  const out: number[] = [];
  for (let i = 0; i < width; i++) {
    out.push(Number(v & 0xffn));
    v >>= 8n;
  }
  return out;
}

/** Little-endian bytes of a double. */
export function f64(x: number): number[] {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setFloat64(0, x, true);
  return [...b];
}
