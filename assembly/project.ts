// Projection of fields into typed columns (block-reader.ts `Column`) in one pass over the records.
//
// Why branch-free: consecutive records usually have different shapes, so a per-field `switch`
// on the encoding mispredicts often. Instead every (shape, field) pair gets a precomputed 32-byte
// entry that turns the 8 bytes at the field's offset into (tag, number, string id) with the same
// few integer operations for every encoding (docs/flam.md §6):
//
//   raw  = load<u64>(record + offset)                   // over-reads are masked off
//   keep = present ? ~0 : 0                             // required, or its bitmap bit (§8)
//   sign = signed ? top bit of mask : 0
//   v    = (((raw & mask) ^ sign) - sign + add + (receivedAt ? time offset : 0)) & keep
//   num  = F64 ? reinterpret<f64>(raw) : STRING ? 0 : f64(v), then / 10^scale for DEC
//   sid  = STRING ? u32(v) : 0,  tag = present ? tag : ABSENT
//
// e.g. DEC2 at offset 9: mask 0xFFFF, signed, scale 2; STR_CONST 7: mask 0, add 7, STRING;
// TRUE: add 1; a field the shape lacks: everything 0 (tag ABSENT). An absent optional slot has
// all-zero bytes (checked at open), so even its F64 reinterprets to 0.
// i64 arithmetic keeps times exact: time = minTime + offset, receivedAt = time + delta.
// Only DEC divides: one IEEE division by the exact double 10^scale, as §6 requires.
//
// One engine in one file: the entry layout, the table that fills it, the per-field flags and the
// record loop that reads them only make sense together.

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
  D_POSTINGS,
  D_POSTING_STARTS,
  D_MIN_TIME,
  D_RECORD_INDEX,
  D_SHAPES,
  D_SHAPE_ID_MASK,
  D_SHAPE_ID_WIDTH,
  D_SHAPE_TABLE,
  NO_OPT,
  POSTING_SIZE,
  P_ENC,
  P_OFF,
  P_OPT,
  P_PARAM,
  P_SHAPE,
  SHAPE_SIZE,
  S_NAME,
  S_RECEIVED_ENC,
  S_RECEIVED_OFF,
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
  SC_FIELD_FLAGS,
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

// Per shape: a 16-byte header (for receivedAt), then one entry per projected field.
const T_TIME_OFF: usize = 0;
const T_TIME_MASK: usize = 8; // u64
const T_HEADER: usize = 16;

const E_MASK: usize = 0; // u64: the value's bytes
const E_ADD: usize = 8; // i64: STR_CONST id, 1 for TRUE, minTime for times
const E_OFF: usize = 16; // u32: value offset from the record start
const E_PRESENCE: usize = 20; // u32: bitmap byte offset | bit mask << 16 | REQUIRED
const E_KIND: usize = 24; // u32: tag | K_* flags | scale << K_SCALE_SHIFT
const ENTRY: usize = 32;

const REQUIRED: u32 = 1 << 24;
const K_TAG: u32 = 7;
const K_SIGNED: u32 = 1 << 3;
const K_F64: u32 = 1 << 4;
const K_STRING: u32 = 1 << 5; // the value is a string id (STRING or ARRAY)
const K_DEC: u32 = 1 << 6;
const K_ADD_TIME: u32 = 1 << 7;
const K_SCALE_SHIFT: u32 = 8;

// What the shapes give a field, over all shapes (a u32 per field, kept in the scan): the record
// loop skips the steps a field never needs, with branches that go the same way for every record,
// and a column no record writes (e.g. the numbers of a string field) is filled only when shown.
const F_SIGNED: u32 = 1;
const F_F64: u32 = 2;
const F_DEC: u32 = 4;
const F_STRING: u32 = 8; // some shape gives a string id
const F_NUMBER: u32 = 16; // some shape gives a number or a boolean
const F_OPTIONAL: u32 = 32;
const F_TIME: u32 = 64; // receivedAt
const F_CONST: u32 = 128; // no shape reads record bytes for it (e.g. the event name)
const F_SAME_TAG: u32 = 256; // every record has the same tag (bits 12..14 hold it)
const F_TAG_SHIFT: u32 = 12;
const F_COMPLETE: u32 = 1 << 16; // the unwritten column was zero-filled (completeColumn)
const F_KIND: u32 = 1 << 17; // the record loop reads the entry's kind (not for e.g. the event name)
const F_SEEN: u32 = 1 << 18; // while building: the tag bits hold the first entry's tag

/** The entry of a field a shape lacks: all zero but REQUIRED (so: ABSENT, 0, 0). */
const ABSENT_ENTRY: usize = memory.data<u8>(
  [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0],
  16,
);

/**
 * Projects the `n` fields (i32 field ids at `fields`) of the block `d` into a new scan with
 * every row selected. Returns the scan, or 0 when memory cannot grow.
 */
export function project(d: usize, fields: usize, n: u32): usize {
  let rows = load<u32>(d, D_EVENTS);
  let stride = <usize>((rows + 15) & ~15);
  let shapes = <usize>load<u32>(d, D_SHAPES);
  let tableStride = T_HEADER + <usize>n * ENTRY;
  let flagBytes = ((<usize>n << 2) + 15) & ~(15 as usize);
  let columns = SCAN_HEADER + flagBytes + stride + <usize>n * stride * 13;
  let scan = arenaAlloc(columns + shapes * tableStride);
  if (scan == 0) return 0;
  let flags = scan + SCAN_HEADER; // u32 per field
  let mask = flags + flagBytes;
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
  store<u32>(scan, <u32>flags, SC_FIELD_FLAGS);

  let needTime = buildTable(d, table, tableStride, fields, n, flags);
  memory.fill(mask, 0xff, <usize>rows);
  memory.fill(mask + <usize>rows, 0, stride - <usize>rows);
  for (let f: usize = 0; f < <usize>n; f++) {
    // Tags that are the same for every record are filled here at once.
    let fl = load<u32>(flags + (f << 2));
    let fieldTags = tags + f * stride;
    if (fl & F_SAME_TAG) memory.fill(fieldTags, <u8>((fl >> F_TAG_SHIFT) & K_TAG), <usize>rows);
    memory.fill(fieldTags + <usize>rows, TAG_ABSENT, stride - <usize>rows);
  }
  // Two copies of the loop: with and without the time offset (a generic marker: u64 = with).
  if (needTime) projectRecords<u64>(d, table, tableStride, flags, n, rows, stride, tags, nums, sids);
  else projectRecords<u8>(d, table, tableStride, flags, n, rows, stride, tags, nums, sids);
  // The table is scratch: give it back, the columns stay.
  arenaRelease(table);
  return scan;
}

/**
 * Makes column `f` whole before it is shown: zero-fills the string ids of a field that is never
 * a string and the numbers of one that is never a number (see scan-layout.ts). Idempotent.
 */
export function completeColumn(scan: usize, f: u32): void {
  let at = <usize>load<u32>(scan, SC_FIELD_FLAGS) + (<usize>f << 2);
  let fl = load<u32>(at);
  if (fl & F_COMPLETE) return;
  let rows = <usize>load<u32>(scan, SC_ROWS);
  let stride = <usize>load<u32>(scan, SC_STRIDE);
  if (!(fl & F_STRING)) memory.fill(<usize>load<u32>(scan, SC_SIDS) + ((<usize>f * stride) << 2), 0, rows << 2);
  if (!(fl & F_NUMBER)) memory.fill(<usize>load<u32>(scan, SC_NUMS) + ((<usize>f * stride) << 3), 0, rows << 3);
  store<u32>(at, fl | F_COMPLETE);
}

/**
 * The record loop. Records come from the block's record index, so rows do not wait on each
 * other. Up to 4 fields the loop is unrolled (the common case: a query names a few fields), with
 * each field's flags in a register; more fields take the general loop.
 */
@inline function projectRecords<TIME>(
  d: usize,
  table: usize,
  tableStride: usize,
  flags: usize,
  n: u32,
  rows: u32,
  stride: usize,
  tags: usize,
  nums: usize,
  sids: usize,
): void {
  let index = <usize>load<u32>(d, D_RECORD_INDEX);
  let idMask = load<u32>(d, D_SHAPE_ID_MASK);
  let nStride = stride << 3;
  let sStride = stride << 2;
  let f0 = load<u32>(flags);
  let f1 = n > 1 ? load<u32>(flags, 4) : 0;
  let f2 = n > 2 ? load<u32>(flags, 8) : 0;
  let f3 = n > 3 ? load<u32>(flags, 12) : 0;
  if (n > 4) {
    for (let r: usize = 0; r < <usize>rows; r++) {
      let p = <usize>load<u32>(index + (r << 2));
      let t = table + <usize>(<u32>load<u16>(p) & idMask) * tableStride;
      let time = recordTime<TIME>(p, t);
      for (let f: usize = 0; f < <usize>n; f++) {
        let fl = load<u32>(flags + (f << 2));
        projectField<TIME>(p, t + T_HEADER + f * ENTRY, fl, time, tags + f * stride + r, nums + f * nStride + (r << 3), sids + f * sStride + (r << 2));
      }
    }
    return;
  }
  let e1 = T_HEADER + ENTRY;
  let e2 = T_HEADER + 2 * ENTRY;
  let e3 = T_HEADER + 3 * ENTRY;
  for (let r: usize = 0; r < <usize>rows; r++) {
    let p = <usize>load<u32>(index + (r << 2));
    let t = table + <usize>(<u32>load<u16>(p) & idMask) * tableStride;
    let time = recordTime<TIME>(p, t);
    let tp = tags + r;
    let np = nums + (r << 3);
    let sp = sids + (r << 2);
    if (n == 0) continue;
    projectField<TIME>(p, t + T_HEADER, f0, time, tp, np, sp);
    if (n == 1) continue;
    projectField<TIME>(p, t + e1, f1, time, tp + stride, np + nStride, sp + sStride);
    if (n == 2) continue;
    projectField<TIME>(p, t + e2, f2, time, tp + 2 * stride, np + 2 * nStride, sp + 2 * sStride);
    if (n == 3) continue;
    projectField<TIME>(p, t + e3, f3, time, tp + 3 * stride, np + 3 * nStride, sp + 3 * sStride);
  }
}

/** The record's time offset, for receivedAt (the generic marker TIME is u64 when needed). */
@inline function recordTime<TIME>(p: usize, t: usize): u64 {
  if (sizeof<TIME>() != 8) return 0;
  return load<u64>(p + <usize>load<u32>(t, T_TIME_OFF)) & load<u64>(t, T_TIME_MASK);
}

/** One field of one record: the formula at the top of this file, minus what `fl` rules out. */
@inline function projectField<TIME>(p: usize, e: usize, fl: u32, time: u64, tp: usize, np: usize, sp: usize): void {
  let kind: u32 = 0;
  if (fl & F_KIND) kind = load<u32>(e, E_KIND);
  let raw: u64 = 0;
  let v = load<u64>(e, E_ADD);
  if (!(fl & F_CONST)) {
    raw = load<u64>(p + <usize>load<u32>(e, E_OFF));
    let valueMask = load<u64>(e, E_MASK);
    let x = raw & valueMask;
    if (fl & F_SIGNED) {
      let sign = (valueMask ^ (valueMask >> 1)) & (<u64>0 - <u64>((kind >> 3) & 1));
      x = (x ^ sign) - sign;
    }
    v += x;
  }
  if (sizeof<TIME>() == 8) v += time & (<u64>0 - <u64>((kind >> 7) & 1));
  let tag = kind & K_TAG;
  if (fl & F_OPTIONAL) {
    let presence = load<u32>(e, E_PRESENCE);
    let present = <u32>(((<u32>load<u8>(p + <usize>(presence & 0xffff)) & (presence >> 16)) | (presence >> 24)) != 0);
    v &= <u64>0 - <u64>present;
    tag &= 0 - present;
  }
  if (!(fl & F_SAME_TAG)) store<u8>(tp, <u8>tag);
  // A field whose shapes give only strings (or only numbers) needs no masking, a shape without
  // the field gives v = 0 anyway, and its other column was zero-filled before the loop.
  if ((fl & (F_STRING | F_NUMBER)) == (F_STRING | F_NUMBER)) {
    let isString = (kind >> 5) & 1;
    let num = <f64>(<i64>(v & (<u64>isString - 1)));
    if (fl & F_DEC) num /= load<f64>(POW10 + (<usize>((kind >> K_SCALE_SHIFT) & 15) << 3));
    if (fl & F_F64) num = select<f64>(reinterpret<f64>(raw), num, (kind & K_F64) != 0);
    store<f64>(np, num);
    store<u32>(sp, <u32>v & (0 - isString));
  } else if (fl & F_STRING) {
    store<u32>(sp, <u32>v);
  } else if (fl & F_NUMBER) {
    let num = <f64>(<i64>v);
    if (fl & F_DEC) num /= load<f64>(POW10 + (<usize>((kind >> K_SCALE_SHIFT) & 15) << 3));
    if (fl & F_F64) num = select<f64>(reinterpret<f64>(raw), num, (kind & K_F64) != 0);
    store<f64>(np, num);
  }
}

/**
 * Fills the per-shape entries for the requested fields: every entry starts as "absent", system
 * fields are set in every shape, and a key field only in the shapes that have a slot for it
 * (walking the key's slot list, not searching every shape). Returns whether receivedAt is
 * among the fields (the only one that needs the record's time offset).
 */
function buildTable(d: usize, table: usize, tableStride: usize, fields: usize, n: u32, flags: usize): bool {
  let shapes = <usize>load<u32>(d, D_SHAPES);
  let shapeTable = <usize>load<u32>(d, D_SHAPE_TABLE);
  let keyCount = load<u32>(d, D_KEYS);
  let minTime = load<i64>(d, D_MIN_TIME);
  let idWidth = load<u32>(d, D_SHAPE_ID_WIDTH);
  let starts = <usize>load<u32>(d, D_POSTING_STARTS);
  let postings = <usize>load<u32>(d, D_POSTINGS);
  let needTime = false;
  let system = false;
  for (let f: usize = 0; f < <usize>n; f++) {
    let field = load<i32>(fields + (f << 2));
    if (field == FIELD_RECEIVED_AT) needTime = true;
    if (field < 0) system = true;
    store<u32>(flags + (f << 2), F_CONST | F_SAME_TAG);
  }
  // Every entry starts absent; system fields are set in every shape.
  for (let s: usize = 0; s < shapes; s++) {
    let sh = shapeTable + s * SHAPE_SIZE;
    let t = table + s * tableStride;
    if (needTime) {
      store<u64>(t, load<u32>(sh, S_TIME_OFF), T_TIME_OFF);
      store<u64>(t, widthMask(load<u8>(sh, S_TIME_ENC) & 0x0f), T_TIME_MASK);
    }
    for (let f: usize = 0; f < <usize>n; f++) {
      let e = t + T_HEADER + f * ENTRY;
      copyEntry(e, ABSENT_ENTRY);
      if (!system) continue;
      let field = load<i32>(fields + (f << 2));
      if (field >= 0) continue;
      if (field == FIELD_VISITOR) {
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
        store<u32>(e, load<u32>(e, E_KIND) | K_ADD_TIME, E_KIND);
      }
      noteEntry(flags + (f << 2), e);
    }
  }
  // Key fields: only the shapes that have a slot for the key.
  for (let f: usize = 0; f < <usize>n; f++) {
    let field = load<i32>(fields + (f << 2));
    if (field < 0) continue;
    let post: usize = 0;
    let last: usize = 0;
    if (<u32>field < keyCount) {
      post = postings + <usize>load<u32>(starts + (<usize>field << 2)) * POSTING_SIZE;
      last = postings + <usize>load<u32>(starts + ((<usize>field + 1) << 2)) * POSTING_SIZE;
    }
    // Some shape lacks the key: its absent entry counts too.
    if ((last - post) / POSTING_SIZE < shapes) noteEntry(flags + (f << 2), ABSENT_ENTRY);
    for (; post < last; post += POSTING_SIZE) {
      let e = table + <usize>load<u16>(post, P_SHAPE) * tableStride + T_HEADER + f * ENTRY;
      setEncoding(e, load<u8>(post, P_ENC), load<u32>(post, P_PARAM), load<u32>(post, P_OFF));
      let opt = <u32>load<u16>(post, P_OPT);
      if (opt != NO_OPT) {
        // Present when bit (k & 7) of bitmap byte k >> 3 is set (§8).
        store<u32>(e, (idWidth + (opt >> 3)) | (<u32>1 << (16 + (opt & 7))), E_PRESENCE);
      }
      noteEntry(flags + (f << 2), e);
    }
  }
  for (let f: usize = 0; f < <usize>n; f++) {
    let at = flags + (f << 2);
    let fl = load<u32>(at);
    let both = F_STRING | F_NUMBER;
    if ((fl & (F_SIGNED | F_TIME | F_DEC | F_F64)) != 0 || !(fl & F_SAME_TAG) || (fl & both) == both) fl |= F_KIND;
    store<u32>(at, fl);
  }
  return needTime;
}

/** Adds what entry `e` needs to its field's flags at `at` (the union over the field's entries). */
function noteEntry(at: usize, e: usize): void {
  let fl = load<u32>(at);
  let kind = load<u32>(e, E_KIND);
  let tag = kind & K_TAG;
  let optional = load<u32>(e, E_PRESENCE) != REQUIRED;
  if (kind & K_SIGNED) fl |= F_SIGNED;
  if (kind & K_F64) fl |= F_F64;
  if (kind & K_DEC) fl |= F_DEC;
  if (kind & K_ADD_TIME) fl |= F_TIME;
  if (kind & K_STRING) fl |= F_STRING;
  else if (tag == TAG_NUMBER || tag == TAG_BOOL) fl |= F_NUMBER;
  if (optional) fl |= F_OPTIONAL;
  if (load<u64>(e, E_MASK) != 0 || (kind & (K_F64 | K_ADD_TIME)) != 0) fl &= ~F_CONST;
  // The first entry noted sets the tag; any other tag, or an optional slot, makes tags vary.
  if (!(fl & F_SEEN)) fl |= F_SEEN | (tag << F_TAG_SHIFT);
  else if (tag != ((fl >> F_TAG_SHIFT) & K_TAG)) fl &= ~F_SAME_TAG;
  if (optional) fl &= ~F_SAME_TAG;
  store<u32>(at, fl);
}

/** Copies the 32-byte entry at `from` to `e`: two v128 moves, or four u64 ones without SIMD. */
@inline function copyEntry(e: usize, from: usize): void {
  if (ASC_FEATURE_SIMD) {
    v128.store(e, v128.load(from));
    v128.store(e, v128.load(from, 16), 16);
  } else {
    store<u64>(e, load<u64>(from));
    store<u64>(e, load<u64>(from, 8), 8);
    store<u64>(e, load<u64>(from, 16), 16);
    store<u64>(e, load<u64>(from, 24), 24);
  }
}

@inline function widthMask(w: u32): u64 {
  return w >= 8 ? <u64>-1 : (<u64>1 << (<u64>w << 3)) - 1;
}

/** The entry of one encoding of §6 at record offset `off` (param: DEC scale or STR_CONST id). */
function setEncoding(e: usize, enc: u8, param: u32, off: u32): void {
  let family = enc & 0xf0;
  let w = <u32>(enc & 0x0f);
  let kind: u32 = TAG_ABSENT;
  let add: i64 = 0;
  let valueMask: u64 = 0;
  if (enc == ENC_NULL) {
    kind = TAG_NULL;
  } else if (enc == ENC_FALSE || enc == ENC_TRUE || enc == ENC_BOOL) {
    kind = TAG_BOOL;
    if (enc == ENC_TRUE) add = 1;
    if (enc == ENC_BOOL) valueMask = 0xff;
  } else if (enc == ENC_F64) {
    kind = TAG_NUMBER | K_F64;
  } else if (family == FAMILY_INT || family == FAMILY_DEC || family == FAMILY_UINT) {
    kind = TAG_NUMBER;
    valueMask = widthMask(w);
    if (family != FAMILY_UINT) kind |= K_SIGNED;
    if (family == FAMILY_DEC) kind |= K_DEC | (param << K_SCALE_SHIFT);
  } else if (family == FAMILY_STR || family == FAMILY_JSON) {
    kind = (family == FAMILY_JSON ? TAG_ARRAY : TAG_STRING) | K_STRING;
    if (enc == ENC_STR_CONST) add = param;
    else valueMask = widthMask(w);
  }
  store<u64>(e, valueMask, E_MASK);
  store<i64>(e, add, E_ADD);
  store<u32>(e, off, E_OFF);
  store<u32>(e, kind, E_KIND);
}
