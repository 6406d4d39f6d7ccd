// Projection of fields into typed columns (block-reader.ts `Column`) in one pass over the records.
//
// Why branch-free: consecutive records usually have different shapes, so a per-field `switch`
// on the encoding mispredicts often. Instead every (shape, field) pair gets a precomputed entry
// that turns the 8 bytes at the field's offset into (tag, number, string id) with the same few
// integer operations for every encoding (docs/flam.md §6):
//
//   raw  = load<u64>(record + offset)                    // over-reads are masked off
//   keep = 0 - (((record[bitmapByte] >> bit) & 1) | required)   // optional slots (§8)
//   v    = (((raw & mask) ^ sign) - sign + add + (time & addTime)) & keep
//   num  = isF64 ? reinterpret<f64>(raw) : f64(v & numMask) / div  // div = 10^scale for DEC
//   sid  = u32(v) & sidMask,  tag = tag & keep
//
// e.g. DEC2 at offset 9: mask 0xFFFF, sign 0x8000, div 100; STR_CONST 7: mask 0, add 7,
// sidMask ~0; TRUE: add 1; a field the shape lacks: everything 0 (tag ABSENT). An absent
// optional slot has all-zero bytes (checked at open), so its F64 reinterprets to 0 too.
// i64 arithmetic keeps times exact: time = minTime + offset, receivedAt = time + delta.

import { arenaAlloc, arenaRelease } from "./arena";
import {
  ENC_BOOL,
  ENC_F64,
  ENC_FALSE,
  ENC_NULL,
  ENC_STR_CONST,
  ENC_TRUE,
  FAMILY_DEC,
  FAMILY_INT,
  FAMILY_JSON,
  FAMILY_STR,
  FAMILY_UINT,
  POW10,
} from "./format";
import {
  D_EVENTS,
  D_KEYS,
  D_MIN_TIME,
  D_RECORDS,
  D_SHAPES,
  D_SHAPE_ID_MASK,
  D_SHAPE_ID_WIDTH,
  D_SHAPE_TABLE,
  SHAPE_SIZE,
  SLOT_SIZE,
  SL_ENC,
  SL_KEY,
  SL_OFF,
  SL_OPT,
  SL_PARAM,
  S_NAME,
  S_RECEIVED_ENC,
  S_RECEIVED_OFF,
  S_SIZE,
  S_SLOTS,
  S_SLOT_COUNT,
  S_TIME_ENC,
  S_TIME_OFF,
  S_VISITOR_ENC,
  S_VISITOR_OFF,
  S_VISITOR_PARAM,
} from "./layout";
import {
  FIELD_NAME,
  FIELD_RECEIVED_AT,
  FIELD_TIME,
  FIELD_VISITOR,
  SCAN_HEADER,
  SC_BLOCK,
  SC_FIELDS,
  SC_MASK,
  SC_NUMS,
  SC_ROWS,
  SC_SIDS,
  SC_STRIDE,
  SC_TAGS,
  TAG_ABSENT,
  TAG_ARRAY,
  TAG_BOOL,
  TAG_NULL,
  TAG_NUMBER,
  TAG_STRING,
} from "./scan-layout";

// Per shape: a 16-byte header, then one 64-byte entry per projected field.
const T_SIZE: usize = 0; // record size
const T_TIME_OFF: usize = 4;
const T_TIME_MASK: usize = 8; // u64
const T_HEADER: usize = 16;

const E_MASK: usize = 0; // u64
const E_SIGN: usize = 8; // u64
const E_ADD: usize = 16; // i64
const E_NUM_MASK: usize = 24; // i64
const E_ADD_TIME: usize = 32; // i64: all ones for receivedAt
const E_DIV: usize = 40; // f64
const E_OFF: usize = 48; // u32
const E_SID_MASK: usize = 52; // u32
const E_TAG: usize = 56; // u8
const E_F64: usize = 57; // u8 (bool)
const E_BIT: usize = 58; // u8: bit of the presence byte
const E_REQUIRED: usize = 59; // u8: 1 unless an optional slot
const E_BITMAP_OFF: usize = 60; // u32: presence byte, from the record start
const ENTRY: usize = 64;

/**
 * Projects the `n` fields (i32 field ids at `fields`) of the block `d` into a new scan with
 * every row selected. Returns the scan, or 0 when memory cannot grow.
 */
export function project(d: usize, fields: usize, n: u32): usize {
  let rows = load<u32>(d, D_EVENTS);
  let stride = <usize>((rows + 15) & ~15);
  let shapes = <usize>load<u32>(d, D_SHAPES);
  let tableStride = T_HEADER + <usize>n * ENTRY;
  let columns = SCAN_HEADER + stride + <usize>n * stride * 13;
  let scan = arenaAlloc(columns + shapes * tableStride);
  if (scan == 0) return 0;
  let mask = scan + SCAN_HEADER;
  let tags = mask + stride;
  let nums = tags + <usize>n * stride; // 16-aligned: stride is a multiple of 16
  let sids = nums + ((<usize>n * stride) << 3);
  let table = scan + columns;
  store<u32>(scan, <u32>d, SC_BLOCK);
  store<u32>(scan, rows, SC_ROWS);
  store<u32>(scan, n, SC_FIELDS);
  store<u32>(scan, <u32>stride, SC_STRIDE);
  store<u32>(scan, <u32>mask, SC_MASK);
  store<u32>(scan, <u32>tags, SC_TAGS);
  store<u32>(scan, <u32>nums, SC_NUMS);
  store<u32>(scan, <u32>sids, SC_SIDS);

  buildTable(d, table, tableStride, fields, n);
  memory.fill(mask, 0xff, <usize>rows);
  memory.fill(mask + <usize>rows, 0, stride - <usize>rows);
  for (let f: usize = 0; f < <usize>n; f++) {
    memory.fill(tags + f * stride + <usize>rows, TAG_ABSENT, stride - <usize>rows);
  }
  projectRecords(d, table, tableStride, n, rows, stride, tags, nums, sids);
  // The table is scratch: give it back, the columns stay.
  arenaRelease(table);
  return scan;
}

/** The record loop: one table lookup per record, one load per field. */
function projectRecords(
  d: usize,
  table: usize,
  tableStride: usize,
  n: u32,
  rows: u32,
  stride: usize,
  tags: usize,
  nums: usize,
  sids: usize,
): void {
  let p = <usize>load<u32>(d, D_RECORDS);
  let idMask = load<u32>(d, D_SHAPE_ID_MASK);
  let nStride = stride << 3;
  let sStride = stride << 2;
  for (let r: usize = 0; r < <usize>rows; r++) {
    let t = table + <usize>(<u32>load<u16>(p) & idMask) * tableStride;
    let time = load<u64>(p + <usize>load<u32>(t, T_TIME_OFF)) & load<u64>(t, T_TIME_MASK);
    let e = t + T_HEADER;
    let tp = tags + r;
    let np = nums + (r << 3);
    let sp = sids + (r << 2);
    for (let f: u32 = 0; f < n; f++) {
      let raw = load<u64>(p + <usize>load<u32>(e, E_OFF));
      let bit = <u32>load<u8>(e, E_BIT);
      let present = ((<u32>load<u8>(p + <usize>load<u32>(e, E_BITMAP_OFF)) >> bit) & 1) | <u32>load<u8>(e, E_REQUIRED);
      let sign = load<u64>(e, E_SIGN);
      let v = ((raw & load<u64>(e, E_MASK)) ^ sign) - sign;
      v = (v + load<u64>(e, E_ADD) + (time & load<u64>(e, E_ADD_TIME))) & (<u64>0 - <u64>present);
      let num = <f64>(<i64>(v & load<u64>(e, E_NUM_MASK))) / load<f64>(e, E_DIV);
      store<u8>(tp, <u8>(<u32>load<u8>(e, E_TAG) & (0 - present)));
      store<f64>(np, select<f64>(reinterpret<f64>(raw), num, load<u8>(e, E_F64) != 0));
      store<u32>(sp, <u32>v & load<u32>(e, E_SID_MASK));
      e += ENTRY;
      tp += stride;
      np += nStride;
      sp += sStride;
    }
    p += <usize>load<u32>(t, T_SIZE);
  }
}

/** Fills the per-shape entries for the requested fields. */
function buildTable(d: usize, table: usize, tableStride: usize, fields: usize, n: u32): void {
  let shapes = <usize>load<u32>(d, D_SHAPES);
  let shapeTable = <usize>load<u32>(d, D_SHAPE_TABLE);
  let keyCount = load<u32>(d, D_KEYS);
  let minTime = load<i64>(d, D_MIN_TIME);
  let idWidth = load<u32>(d, D_SHAPE_ID_WIDTH);
  for (let s: usize = 0; s < shapes; s++) {
    let sh = shapeTable + s * SHAPE_SIZE;
    let t = table + s * tableStride;
    store<u32>(t, load<u32>(sh, S_SIZE), T_SIZE);
    store<u32>(t, load<u32>(sh, S_TIME_OFF), T_TIME_OFF);
    store<u64>(t, widthMask(load<u8>(sh, S_TIME_ENC) & 0x0f), T_TIME_MASK);
    for (let f: usize = 0; f < <usize>n; f++) {
      let e = t + T_HEADER + f * ENTRY;
      let field = load<i32>(fields + (f << 2));
      setAbsent(e);
      if (field >= 0) {
        if (<u32>field >= keyCount) continue;
        let slot = findSlot(sh, <u32>field);
        if (slot == 0) continue;
        setEncoding(e, <u8>load<u32>(slot, SL_ENC), load<u32>(slot, SL_PARAM), load<u32>(slot, SL_OFF));
        let opt = load<i32>(slot, SL_OPT);
        if (opt >= 0) {
          // Present when bit (k & 7) of bitmap byte k >> 3 is set (§8).
          store<u8>(e, 0, E_REQUIRED);
          store<u8>(e, <u8>(opt & 7), E_BIT);
          store<u32>(e, idWidth + (<u32>opt >> 3), E_BITMAP_OFF);
        }
      } else if (field == FIELD_VISITOR) {
        setEncoding(e, load<u8>(sh, S_VISITOR_ENC), load<u32>(sh, S_VISITOR_PARAM), load<u32>(sh, S_VISITOR_OFF));
      } else if (field == FIELD_NAME) {
        setEncoding(e, ENC_STR_CONST, load<u32>(sh, S_NAME), 0);
      } else if (field == FIELD_TIME) {
        // time = minTime + UINT w
        setEncoding(e, load<u8>(sh, S_TIME_ENC), 0, load<u32>(sh, S_TIME_OFF));
        store<i64>(e, minTime, E_ADD);
      } else if (field == FIELD_RECEIVED_AT) {
        // receivedAt = minTime + time offset + INT w
        setEncoding(e, load<u8>(sh, S_RECEIVED_ENC), 0, load<u32>(sh, S_RECEIVED_OFF));
        store<i64>(e, minTime, E_ADD);
        store<i64>(e, -1, E_ADD_TIME);
      }
    }
  }
}

/** Binary search of a shape's slots (strictly increasing key ids, §7); 0 when absent. */
function findSlot(sh: usize, key: u32): usize {
  let slots = <usize>load<u32>(sh, S_SLOTS);
  let lo: u32 = 0;
  let hi = load<u32>(sh, S_SLOT_COUNT);
  while (lo < hi) {
    let mid = (lo + hi) >> 1;
    let slot = slots + <usize>mid * SLOT_SIZE;
    let k = load<u32>(slot, SL_KEY);
    if (k == key) return slot;
    if (k < key) lo = mid + 1;
    else hi = mid;
  }
  return 0;
}

@inline function widthMask(w: u32): u64 {
  return w >= 8 ? <u64>-1 : (<u64>1 << (<u64>w << 3)) - 1;
}

/** A field the shape lacks; also the base of every entry (required, 0 bytes). */
function setAbsent(e: usize): void {
  memory.fill(e, 0, ENTRY);
  store<f64>(e, 1.0, E_DIV);
  store<u8>(e, 1, E_REQUIRED);
}

/** The entry of one encoding of §6 at record offset `off` (param: DEC scale or STR_CONST id). */
function setEncoding(e: usize, enc: u8, param: u32, off: u32): void {
  let family = enc & 0xf0;
  let w = <u32>(enc & 0x0f);
  store<u32>(e, off, E_OFF);
  if (enc == ENC_NULL) {
    store<u8>(e, TAG_NULL, E_TAG);
  } else if (enc == ENC_FALSE || enc == ENC_TRUE || enc == ENC_BOOL) {
    store<u8>(e, TAG_BOOL, E_TAG);
    store<i64>(e, enc == ENC_TRUE ? 1 : 0, E_ADD);
    store<u64>(e, enc == ENC_BOOL ? 0xff : 0, E_MASK);
    store<i64>(e, -1, E_NUM_MASK);
  } else if (enc == ENC_F64) {
    store<u8>(e, TAG_NUMBER, E_TAG);
    store<u8>(e, 1, E_F64);
  } else if (family == FAMILY_INT || family == FAMILY_DEC || family == FAMILY_UINT) {
    store<u8>(e, TAG_NUMBER, E_TAG);
    store<u64>(e, widthMask(w), E_MASK);
    if (family != FAMILY_UINT) store<u64>(e, <u64>1 << ((<u64>w << 3) - 1), E_SIGN);
    store<i64>(e, -1, E_NUM_MASK);
    // DEC: one IEEE division by the exact double 10^scale (§6).
    if (family == FAMILY_DEC) store<f64>(e, load<f64>(POW10 + (<usize>param << 3)), E_DIV);
  } else if (family == FAMILY_STR || family == FAMILY_JSON) {
    store<u8>(e, family == FAMILY_JSON ? TAG_ARRAY : TAG_STRING, E_TAG);
    store<u32>(e, 0xffffffff, E_SID_MASK);
    if (enc == ENC_STR_CONST) store<i64>(e, param, E_ADD);
    else store<u64>(e, widthMask(w), E_MASK);
  }
}
