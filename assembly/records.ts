// Record validation (docs/flam.md §8): every shape id in range, every record inside the block,
// no presence bit past the shape's optional slots, absent optional slots all zero, every present
// value in range (§6), every time within [minTime, maxTime], and the last record ending exactly
// at blockLength. After this, scans read records without any check.

import { BAD_RECORD, OK, fail } from "./errors";
import { MAX_SAFE } from "./format";
import {
  CHECK_SIZE,
  C_KIND,
  C_MASK,
  C_OFF,
  C_PRESENCE,
  D_MAX_TIME,
  D_MIN_TIME,
  D_RECORD_INDEX,
  D_SHAPE_ID_MASK,
  D_SHAPE_ID_WIDTH,
  D_SHAPE_TABLE,
  D_SHAPES,
  D_STRINGS,
  SHAPE_SIZE,
  S_BITMAP_BYTES,
  S_CHECKS,
  S_CHECK_COUNT,
  S_OPT_COUNT,
  S_RECEIVED_ENC,
  S_RECEIVED_OFF,
  S_SIZE,
  S_TIME_ENC,
  S_TIME_OFF,
} from "./layout";
import { loadSigned, loadUnsigned } from "./values";

/** Validates `count` records in `[p, end)`; returns an error code or OK. */
export function checkRecords(d: usize, base: usize, p: usize, end: usize, count: u32): i32 {
  let shapes = <usize>load<u32>(d, D_SHAPE_TABLE);
  let shapeCount = load<u32>(d, D_SHAPES);
  let stringCount = load<u32>(d, D_STRINGS);
  let idWidth = <usize>load<u32>(d, D_SHAPE_ID_WIDTH);
  let idMask = load<u32>(d, D_SHAPE_ID_MASK);
  let minTime = load<i64>(d, D_MIN_TIME);
  let maxTime = load<i64>(d, D_MAX_TIME);
  let index = <usize>load<u32>(d, D_RECORD_INDEX);
  for (let i: u32 = 0; i < count; i++) {
    let at = <u32>(p - base);
    // shapeId: u8 when shapeCount <= 256, else u16
    if (idWidth > end - p) return code(at);
    let s = <u32>load<u16>(p) & idMask;
    if (s >= shapeCount) return code(at);
    let sh = shapes + <usize>s * SHAPE_SIZE;
    let size = <usize>load<u32>(sh, S_SIZE);
    if (size > end - p) return code(at);
    store<u32>(index + (<usize>i << 2), <u32>p);
    // bitmap: bits past optionalCount are 0
    let bitmapBytes = load<u32>(sh, S_BITMAP_BYTES);
    if (bitmapBytes != 0) {
      let last = <u32>load<u8>(p + idWidth + bitmapBytes - 1);
      if (last >> (load<u32>(sh, S_OPT_COUNT) - ((bitmapBytes - 1) << 3)) != 0) return code(at + 1);
    }
    // time = minTime + UINT w, <= maxTime; receivedAt = time + INT w
    let t = loadUnsigned(p + <usize>load<u32>(sh, S_TIME_OFF), load<u8>(sh, S_TIME_ENC) & 0x0f);
    if (t > <u64>MAX_SAFE) return code(at + 2);
    let time = minTime + <i64>t;
    if (time > maxTime) return code(at + 3);
    let delta = loadSigned(p + <usize>load<u32>(sh, S_RECEIVED_OFF), load<u8>(sh, S_RECEIVED_ENC) & 0x0f);
    if (delta > MAX_SAFE || delta < -MAX_SAFE) return code(at + 4);
    let received = time + delta;
    if (received > MAX_SAFE || received < -MAX_SAFE) return code(at + 5);
    // The fields whose bytes can be out of range, or must be zero: all checked, then one branch.
    let checks = <usize>load<u32>(sh, S_CHECKS);
    let n = load<u32>(sh, S_CHECK_COUNT);
    let bad: u32 = 0;
    for (let k: u32 = 0; k < n; k++) {
      bad |= checkField(p, checks + <usize>k * CHECK_SIZE, stringCount);
    }
    if (bad != 0) {
      // Which field, for the error message.
      for (let k: u32 = 0; k < n; k++) {
        let c = checks + <usize>k * CHECK_SIZE;
        if (checkField(p, c, stringCount) != 0) return code(<u32>(p - base) + load<u32>(c, C_OFF));
      }
    }
    p += size;
  }
  return p == end ? OK : code(<u32>(p - base));
}

/**
 * 1 when the field is absent with non-zero bytes (§8) or present with a value out of range (§6).
 * The same operations for every kind of check, selected by masks.
 */
@inline function checkField(p: usize, c: usize, stringCount: u32): u32 {
  let raw = load<u64>(p + <usize>load<u32>(c, C_OFF)) & load<u64>(c, C_MASK);
  let presence = load<u32>(c, C_PRESENCE);
  let bit = <u32>load<u8>(p + <usize>(presence & 0xffff)) & (presence >> 16);
  let present = (bit | (presence >> 24)) != 0;
  let kind = load<u32>(c, C_KIND);
  let badValue =
    (<u32>(raw > 1) & kind) | // CK_BOOL
    (<u32>(raw + <u64>MAX_SAFE > <u64>(2 * MAX_SAFE)) & (kind >> 1)) | // CK_INT53
    (<u32>((raw & F64_EXPONENT) == F64_EXPONENT) & (kind >> 2)) | // CK_F64: NaN, infinities
    (<u32>(raw >= <u64>stringCount) & (kind >> 3)); // CK_ID
  return select<u32>(badValue & 1, <u32>(raw != 0), present);
}

const F64_EXPONENT: u64 = 0x7ff0000000000000;

@inline function code(at: u32): i32 {
  fail(BAD_RECORD, at);
  return BAD_RECORD;
}
