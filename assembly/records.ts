// Record validation (docs/flam.md §8): every shape id in range, every record inside the block,
// no presence bit past the shape's optional slots, absent optional slots all zero, every present
// value in range (§6), every time within [minTime, maxTime], and the last record ending exactly
// at blockLength. After this, scans read records without any check.

import { BAD_RECORD, OK, fail } from "./errors";
import {
  ENC_BOOL,
  ENC_F64,
  FAMILY_DEC,
  FAMILY_INT,
  FAMILY_JSON,
  FAMILY_STR,
  MAX_SAFE,
} from "./format";
import {
  CHECK_SIZE,
  C_ENC,
  C_OFF,
  C_OPT,
  C_WIDTH,
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
    // The fields whose bytes can be out of range.
    let checks = <usize>load<u32>(sh, S_CHECKS);
    let n = load<u32>(sh, S_CHECK_COUNT);
    for (let k: u32 = 0; k < n; k++) {
      let c = checks + <usize>k * CHECK_SIZE;
      let v = p + <usize>load<u32>(c, C_OFF);
      let enc = <u8>load<u32>(c, C_ENC);
      let opt = load<i32>(c, C_OPT);
      if (opt >= 0 && ((<u32>load<u8>(p + idWidth + (opt >> 3)) >> (opt & 7)) & 1) == 0) {
        // An absent optional slot: its bytes are all 0, its value is not checked.
        if (loadUnsigned(v, load<u32>(c, C_WIDTH)) != 0) return code(<u32>(v - base));
      } else if (!valueInRange(v, enc, stringCount)) {
        return code(<u32>(v - base));
      }
    }
    p += size;
  }
  return p == end ? OK : code(<u32>(p - base));
}

/** §6 value rules of a present field (optional slots of any encoding come here too). */
function valueInRange(v: usize, enc: u8, stringCount: u32): bool {
  if (enc == ENC_BOOL) return load<u8>(v) <= 1; // 00 false, 01 true
  if (enc == ENC_F64) {
    // NaN and infinities are corrupt: exponent bits all ones.
    return (load<u64>(v) & 0x7ff0000000000000) != 0x7ff0000000000000;
  }
  let family = enc & 0xf0;
  let w = enc & 0x0f;
  if (family == FAMILY_INT || family == FAMILY_DEC) {
    // 8-byte integers and mantissas: |v| <= 2^53 - 1; narrower ones always are
    if (w != 8) return true;
    let x = load<i64>(v);
    return x <= MAX_SAFE && x >= -MAX_SAFE;
  }
  if (family == FAMILY_STR || family == FAMILY_JSON) {
    return <u32>loadUnsigned(v, w) < stringCount;
  }
  return true;
}

@inline function code(at: u32): i32 {
  fail(BAD_RECORD, at);
  return BAD_RECORD;
}
