// The shape table (docs/flam.md §7): per shape, the encodings of the four system fields and of
// each slot, their offsets from the record start, the record size, and the list of record fields
// that record validation must look at: values that can be out of range (§6) and optional slots,
// whose bytes must be zero when absent (§8).

import { arenaAlloc, arenaRelease } from "./arena";
import { BAD_SHAPE, BAD_VARINT, LIMIT, OK, OUT_OF_MEMORY, failWith, failOutOfMemory } from "./errors";
import { AT_ID, AT_RECEIVED, AT_SLOT, AT_TIME, AT_VISITOR, encodingWidth } from "./encoding";
import {
  ENC_BOOL,
  ENC_F64,
  ENC_STR_CONST,
  FAMILY_DEC,
  FAMILY_INT,
  FAMILY_JSON,
  FAMILY_STR,
  MAX_SCALE,
  MAX_SLOTS,
  MAX_TOTAL_SLOTS,
  OPTIONAL,
} from "./format";
import {
  CHECK_SIZE,
  CK_BOOL,
  CK_F64,
  CK_ID,
  CK_INT53,
  C_KIND,
  C_MASK,
  C_OFF,
  C_PRESENCE,
  C_REQUIRED,
  D_KEYS,
  D_POSTINGS,
  D_POSTING_STARTS,
  D_SHAPES,
  D_SHAPE_TABLE,
  NO_OPT,
  POSTING_SIZE,
  P_ENC,
  P_OFF,
  P_OPT,
  P_PARAM,
  P_SHAPE,
  SHAPE_SIZE,
  SLOT_SIZE,
  SL_ENC,
  SL_KEY,
  SL_OFF,
  SL_OPT,
  SL_PARAM,
  S_BITMAP_BYTES,
  S_CHECKS,
  S_CHECK_COUNT,
  S_ID_ENC,
  S_ID_OFF,
  S_ID_PARAM,
  S_NAME,
  S_OPT_COUNT,
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
import { VARINT_CUT, readVarint, varintValue } from "./varint";

// Parse state, in globals to avoid tuples: the cursor, and the last encoding read.
let cur: usize = 0;
let end: usize = 0;
let encByte: u8 = 0;
let encParam: u32 = 0;
let encWidth: u32 = 0;

/** Slots of the shapes read so far in the current `readShapes`. */
let totalSlots: u32 = 0;

/**
 * Reads `count` shapes from `[p, sectionEnd)` into the shape table of the descriptor `d`; returns
 * an error code or OK. Slots and checks go above the arena top, for `buildPostings` and record
 * validation, and are released by `buildPostings`; per key, the slot count is added to
 * D_POSTING_STARTS[key + 1]. `idWidth` is the width of a record's shape id (1 or 2).
 */
export function readShapes(
  d: usize,
  base: usize,
  p: usize,
  sectionEnd: usize,
  count: u32,
  keyCount: u32,
  stringCount: u32,
  idWidth: u32,
): i32 {
  let table = <usize>load<u32>(d, D_SHAPE_TABLE);
  let counts = <usize>load<u32>(d, D_POSTING_STARTS) + 4;
  cur = p;
  end = sectionEnd;
  totalSlots = 0;
  for (let s: u32 = 0; s < count; s++) {
    let at = <u32>(cur - base);
    let c = readShape(table + <usize>s * SHAPE_SIZE, counts, keyCount, stringCount, idWidth);
    if (c != OK) return failWith(c, at);
  }
  return cur == end ? OK : failWith(BAD_SHAPE, <u32>(cur - base));
}

/**
 * One shape entry. Offsets are first taken within the payload, then moved past the shape id and
 * the presence bitmap, whose size is known only after the last slot.
 */
function readShape(sh: usize, counts: usize, keyCount: u32, stringCount: u32, idWidth: u32): i32 {
  // varint nameId
  let c = readId(stringCount);
  if (c != OK) return c;
  store<u32>(sh, varintValue, S_NAME);
  let off: u32 = 0;
  // u8 idEnc [params]: STR_CONST, STR w or UUID
  if ((c = readEncoding(AT_ID, stringCount)) != OK) return c;
  store<u8>(sh, encByte, S_ID_ENC);
  store<u32>(sh, encParam, S_ID_PARAM);
  store<u32>(sh, off, S_ID_OFF);
  off += encWidth;
  // u8 visitorEnc [params]: STR_CONST or STR w
  if ((c = readEncoding(AT_VISITOR, stringCount)) != OK) return c;
  store<u8>(sh, encByte, S_VISITOR_ENC);
  store<u32>(sh, encParam, S_VISITOR_PARAM);
  store<u32>(sh, off, S_VISITOR_OFF);
  off += encWidth;
  // u8 timeEnc: UINT w
  if ((c = readEncoding(AT_TIME, stringCount)) != OK) return c;
  store<u8>(sh, encByte, S_TIME_ENC);
  store<u32>(sh, off, S_TIME_OFF);
  off += encWidth;
  // u8 receivedEnc: INT w
  if ((c = readEncoding(AT_RECEIVED, stringCount)) != OK) return c;
  store<u8>(sh, encByte, S_RECEIVED_ENC);
  store<u32>(sh, off, S_RECEIVED_OFF);
  off += encWidth;
  // varint slotCount 0..1024
  let q = readVarint(cur, end);
  if (q <= VARINT_CUT) return BAD_VARINT;
  cur = q;
  let slotCount = varintValue;
  if (slotCount > MAX_SLOTS) return BAD_SHAPE;
  // §10: all shapes together, checked before anything is allocated for this one.
  totalSlots += slotCount;
  if (totalSlots > MAX_TOTAL_SLOTS) return LIMIT;
  // Slots, then at most slotCount + 2 checks (the id and the visitor may be STR w).
  let slots = arenaAlloc(<usize>slotCount * SLOT_SIZE + <usize>(slotCount + 2) * CHECK_SIZE);
  if (slots == 0) return OUT_OF_MEMORY;
  let checks = slots + <usize>slotCount * SLOT_SIZE;
  let checkCount: u32 = 0;
  let idEnc = load<u8>(sh, S_ID_ENC);
  let visitorEnc = load<u8>(sh, S_VISITOR_ENC);
  // STR w: width w
  if (needsCheck(idEnc)) checkCount = addCheck(checks, checkCount, load<u32>(sh, S_ID_OFF), idEnc, C_REQUIRED, idEnc & 0x0f);
  if (needsCheck(visitorEnc)) {
    checkCount = addCheck(checks, checkCount, load<u32>(sh, S_VISITOR_OFF), visitorEnc, C_REQUIRED, visitorEnc & 0x0f);
  }
  let optional: i32 = 0;
  let prevKey: i64 = -1;
  for (let i: u32 = 0; i < slotCount; i++) {
    // varint keyId, < keyCount, strictly increasing
    q = readVarint(cur, end);
    if (q <= VARINT_CUT) return BAD_VARINT;
    cur = q;
    let keyId = varintValue;
    if (keyId >= keyCount || <i64>keyId <= prevKey) return BAD_SHAPE;
    prevKey = keyId;
    // u8 enc [params]: any encoding but UINT and UUID, bit 0x80 when OPTIONAL
    if ((c = readEncoding(AT_SLOT, stringCount)) != OK) return c;
    let opt: i32 = -1;
    if (encByte & OPTIONAL) {
      encByte &= ~OPTIONAL;
      opt = optional++;
    }
    let sl = slots + <usize>i * SLOT_SIZE;
    store<u32>(sl, keyId, SL_KEY);
    store<u32>(sl, encByte, SL_ENC);
    store<u32>(sl, encParam, SL_PARAM);
    store<u32>(sl, off, SL_OFF);
    store<i32>(sl, opt, SL_OPT);
    let counter = counts + (<usize>keyId << 2);
    store<u32>(counter, load<u32>(counter) + 1);
    if (needsCheck(encByte) || (opt >= 0 && encWidth > 0)) {
      // Present when bit (k & 7) of bitmap byte k >> 3 (right after the shape id) is set.
      let presence = opt < 0 ? C_REQUIRED : (idWidth + (<u32>opt >> 3)) | (<u32>1 << (16 + (<u32>opt & 7)));
      checkCount = addCheck(checks, checkCount, off, encByte, presence, encWidth);
    }
    off += encWidth;
  }
  // Record: shape id, bitmap of ceil(optionalCount / 8) bytes, then the payload (§8).
  let bitmapBytes = (<u32>optional + 7) >> 3;
  let head = idWidth + bitmapBytes;
  store<u32>(sh, load<u32>(sh, S_ID_OFF) + head, S_ID_OFF);
  store<u32>(sh, load<u32>(sh, S_VISITOR_OFF) + head, S_VISITOR_OFF);
  store<u32>(sh, load<u32>(sh, S_TIME_OFF) + head, S_TIME_OFF);
  store<u32>(sh, load<u32>(sh, S_RECEIVED_OFF) + head, S_RECEIVED_OFF);
  for (let i: u32 = 0; i < slotCount; i++) {
    let sl = slots + <usize>i * SLOT_SIZE;
    store<u32>(sl, load<u32>(sl, SL_OFF) + head, SL_OFF);
  }
  for (let k: u32 = 0; k < checkCount; k++) {
    let ck = checks + <usize>k * CHECK_SIZE;
    store<u32>(ck, load<u32>(ck, C_OFF) + head, C_OFF);
  }
  store<u32>(sh, slotCount, S_SLOT_COUNT);
  store<u32>(sh, <u32>slots, S_SLOTS);
  store<u32>(sh, off + head, S_SIZE);
  store<u32>(sh, <u32>checks, S_CHECKS);
  store<u32>(sh, checkCount, S_CHECK_COUNT);
  store<u32>(sh, <u32>optional, S_OPT_COUNT);
  store<u32>(sh, bitmapBytes, S_BITMAP_BYTES);
  return OK;
}

/**
 * After the records were validated: the per-key postings, written in order (a counting sort of
 * all slots by key), then moved down to `temp`, where the slots and checks started, so that
 * they take their place and the arena top ends right after them.
 */
export function buildPostings(d: usize, temp: usize): bool {
  let keyCount = load<u32>(d, D_KEYS);
  let shapeCount = load<u32>(d, D_SHAPES);
  let table = <usize>load<u32>(d, D_SHAPE_TABLE);
  let starts = <usize>load<u32>(d, D_POSTING_STARTS);
  // Prefix sums of the per-key counts (starts[0] = 0, starts[k + 1] = count of key k).
  let total: u32 = 0;
  for (let k: usize = 0; k <= <usize>keyCount; k++) {
    total += load<u32>(starts + (k << 2));
    store<u32>(starts + (k << 2), total);
  }
  // Now starts[k + 1] is the end of key k; fill backwards from the ends, shapes last to first,
  // so that each key's postings come out in shape order and starts[k] ends as the start.
  let size = <usize>total * POSTING_SIZE;
  let postings = arenaAlloc(size);
  if (postings == 0) return false;
  for (let s = <i32>shapeCount - 1; s >= 0; s--) {
    let sh = table + <usize>s * SHAPE_SIZE;
    let slots = <usize>load<u32>(sh, S_SLOTS);
    for (let i = <i32>load<u32>(sh, S_SLOT_COUNT) - 1; i >= 0; i--) {
      let sl = slots + <usize>i * SLOT_SIZE;
      let end = starts + ((<usize>load<u32>(sl, SL_KEY) + 1) << 2);
      let at = load<u32>(end) - 1;
      store<u32>(end, at);
      let post = postings + <usize>at * POSTING_SIZE;
      let opt = load<i32>(sl, SL_OPT);
      store<u16>(post, <u16>s, P_SHAPE);
      store<u16>(post, opt < 0 ? NO_OPT : <u16>opt, P_OPT);
      store<u8>(post, <u8>load<u32>(sl, SL_ENC), P_ENC);
      store<u32>(post, load<u32>(sl, SL_PARAM), P_PARAM);
      store<u32>(post, load<u32>(sl, SL_OFF), P_OFF);
    }
  }
  // Each end moved down to its start; shift so that starts[k] is key k's start.
  for (let k: usize = 0; k < <usize>keyCount; k++) store<u32>(starts + (k << 2), load<u32>(starts + ((k + 1) << 2)));
  store<u32>(starts + (<usize>keyCount << 2), total);
  memory.copy(temp, postings, size);
  arenaRelease(temp);
  arenaAlloc(size);
  store<u32>(d, <u32>temp, D_POSTINGS);
  return true;
}

/** Reads a varint string id below `stringCount` at the cursor. */
function readId(stringCount: u32): i32 {
  let q = readVarint(cur, end);
  if (q <= VARINT_CUT) return BAD_VARINT;
  cur = q;
  return varintValue < stringCount ? OK : BAD_SHAPE;
}

/**
 * Reads an encoding byte allowed `at` and its parameters into encByte/encParam/encWidth; a slot's
 * OPTIONAL bit is kept in encByte and ignored for the checks.
 */
function readEncoding(at: i32, stringCount: u32): i32 {
  if (cur >= end) return BAD_SHAPE;
  let byte = load<u8>(cur);
  cur++;
  let enc = at == AT_SLOT ? byte & ~OPTIONAL : byte;
  let w = encodingWidth(enc, at);
  if (w < 0) return BAD_SHAPE;
  encByte = byte;
  encWidth = <u32>w;
  encParam = 0;
  if (enc == ENC_STR_CONST) {
    // varint string id, the same in every record of the shape
    let c = readId(stringCount);
    if (c != OK) return c;
    encParam = varintValue;
  } else if ((enc & 0xf0) == FAMILY_DEC) {
    // u8 scale, 1..15
    if (cur >= end) return BAD_SHAPE;
    let scale = <u32>load<u8>(cur);
    cur++;
    if (scale < 1 || scale > MAX_SCALE) return BAD_SHAPE;
    encParam = scale;
  }
  return OK;
}

/** Encodings whose record bytes can be out of range (§6); INT/DEC below 8 bytes cannot. */
@inline function needsCheck(enc: u8): bool {
  let family = enc & 0xf0;
  let w = enc & 0x0f;
  if (enc == ENC_BOOL || enc == ENC_F64) return true;
  if ((family == FAMILY_INT || family == FAMILY_DEC) && w == 8) return true;
  return (family == FAMILY_STR || family == FAMILY_JSON) && w != 0;
}

@inline function addCheck(list: usize, n: u32, off: u32, enc: u8, presence: u32, width: u32): u32 {
  let c = list + <usize>n * CHECK_SIZE;
  let family = enc & 0xf0;
  let kind: u32 = 0;
  if (enc == ENC_BOOL) kind = CK_BOOL;
  else if (enc == ENC_F64) kind = CK_F64;
  else if ((family == FAMILY_INT || family == FAMILY_DEC) && width == 8) kind = CK_INT53;
  else if ((family == FAMILY_STR || family == FAMILY_JSON) && width != 0) kind = CK_ID;
  store<u32>(c, off, C_OFF);
  store<u32>(c, presence, C_PRESENCE);
  store<u32>(c, kind, C_KIND);
  store<u64>(c, width >= 8 ? <u64>-1 : (<u64>1 << (<u64>width << 3)) - 1, C_MASK);
  return n + 1;
}

