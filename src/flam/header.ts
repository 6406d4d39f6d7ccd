/**
 * The 64-byte block header (docs/flam.md section 2) and the checks that come before any section
 * is parsed (section 9, steps 1-8). Shared by the reference decoder and by stores that only need
 * a block's counts and time range.
 */
import { FlamCorruptError, FlamTruncatedError } from "./errors.ts";
import * as L from "./limits.ts";

/** The header fields of a block. */
export interface BlockHeader {
  blockLength: number;
  checksum: number;
  eventCount: number;
  keyCount: number;
  stringCount: number;
  shapeCount: number;
  minTime: number;
  maxTime: number;
  keysOffset: number;
  stringsOffset: number;
  shapesOffset: number;
  recordsOffset: number;
}

/**
 * Reads and checks the header, without verifying the checksum or the sections.
 *
 * @throws {FlamTruncatedError} when fewer bytes than the block needs are present.
 * @throws {FlamCorruptError} BAD_MAGIC, UNSUPPORTED_VERSION, BAD_HEADER, BAD_LENGTH or LIMIT.
 * @example
 * readHeader(block).eventCount // 4096
 */
export function readHeader(bytes: Uint8Array): BlockHeader {
  const n = bytes.length;
  for (let i = 0; i < 4 && i < n; i++) {
    if (bytes[i] !== L.MAGIC[i])
      throw new FlamCorruptError("BAD_MAGIC", "not a FlaM block (magic is not 'FLaM')");
  }
  if (n >= 5 && bytes[4] !== L.VERSION) {
    throw new FlamCorruptError(
      "UNSUPPORTED_VERSION",
      `block version ${bytes[4]} is not supported by this reader (supports ${L.VERSION})`,
    );
  }
  if (n < 16) throw new FlamTruncatedError(`block header needs 16 bytes, got ${n}`);
  const v = new DataView(bytes.buffer, bytes.byteOffset, n);
  if (v.getUint8(5) !== 0 || v.getUint16(6, true) !== L.HEADER_SIZE) {
    throw new FlamCorruptError("BAD_HEADER", "unknown flags or header size");
  }
  const blockLength = v.getUint32(8, true);
  if (blockLength < L.HEADER_SIZE || blockLength > L.MAX_BLOCK_BYTES) {
    throw new FlamCorruptError(
      "BAD_LENGTH",
      `block length ${blockLength} is outside [${L.HEADER_SIZE}, ${L.MAX_BLOCK_BYTES}]`,
    );
  }
  if (n < blockLength)
    throw new FlamTruncatedError(`block needs ${blockLength} bytes, got ${n}`, blockLength);
  if (n > blockLength)
    throw new FlamCorruptError("BAD_LENGTH", `block is ${blockLength} bytes but ${n} were given`);
  return {
    blockLength,
    checksum: v.getUint32(12, true),
    eventCount: v.getUint32(16, true),
    keyCount: v.getUint32(20, true),
    stringCount: v.getUint32(24, true),
    shapeCount: v.getUint32(28, true),
    minTime: readI64(v, 32),
    maxTime: readI64(v, 40),
    keysOffset: v.getUint32(48, true),
    stringsOffset: v.getUint32(52, true),
    shapesOffset: v.getUint32(56, true),
    recordsOffset: v.getUint32(60, true),
  };
}

/** Checks counts, times and offsets (step 8); call after the checksum matched. */
export function checkHeader(h: BlockHeader): void {
  if (h.eventCount > L.MAX_EVENTS)
    throw new FlamCorruptError("LIMIT", `${h.eventCount} events exceed ${L.MAX_EVENTS}`);
  if (h.keyCount > L.MAX_KEYS)
    throw new FlamCorruptError("LIMIT", `${h.keyCount} keys exceed ${L.MAX_KEYS}`);
  if (h.stringCount > L.MAX_STRINGS)
    throw new FlamCorruptError("LIMIT", `${h.stringCount} strings exceed ${L.MAX_STRINGS}`);
  if (h.shapeCount > L.MAX_SHAPES)
    throw new FlamCorruptError("LIMIT", `${h.shapeCount} shapes exceed ${L.MAX_SHAPES}`);
  if (Number.isNaN(h.minTime) || Number.isNaN(h.maxTime) || h.minTime > h.maxTime) {
    throw new FlamCorruptError("BAD_HEADER", "time range is invalid");
  }
  if (
    h.eventCount === 0
      ? h.shapeCount !== 0 || h.minTime !== 0 || h.maxTime !== 0
      : h.shapeCount === 0
  ) {
    throw new FlamCorruptError("BAD_HEADER", "event and shape counts disagree");
  }
  if (
    h.keysOffset !== L.HEADER_SIZE ||
    h.stringsOffset < h.keysOffset ||
    h.shapesOffset < h.stringsOffset ||
    h.recordsOffset < h.shapesOffset ||
    h.recordsOffset > h.blockLength
  ) {
    throw new FlamCorruptError("BAD_HEADER", "section offsets are out of order or past the end");
  }
}

/** A signed 64-bit little-endian integer, or NaN when outside +-(2^53 - 1). */
export function readI64(v: DataView, at: number): number {
  const lo = v.getUint32(at, true);
  const hi = v.getInt32(at + 4, true);
  if (hi >= 0x200000 || hi < -0x200000) return NaN;
  const x = hi * 2 ** 32 + lo;
  return Number.isSafeInteger(x) ? x : NaN;
}
