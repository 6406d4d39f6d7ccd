// Selection kernels over projected columns (block-reader.ts `Scan`): each `where*` ANDs a
// predicate into the u8 selection mask (0xFF selected). They run on 16 rows at a time with
// v128 compares; columns are padded to whole vectors (scan-layout.ts), so there is no tail.
// The scalar build (ASC_FEATURE_SIMD false, a compile-time constant) compiles only the `*Rows`
// twins instead, which go row by row (or 8 rows per u64, lanes.ts) and write the same bytes.

import { arenaAllocZeroed, arenaMark, arenaRelease } from "./arena";
import { equalBytes, selectedBits, widenBytes } from "./lanes";
import { D_STRINGS } from "./layout";
import { SC_BLOCK, SC_MASK, SC_STRIDE, TAG_ABSENT, TAG_ARRAY, TAG_NUMBER, TAG_STRING, scanNums, scanSids, scanTags } from "./scan-layout";

/** Numeric comparison operators, in the order of block-reader.ts `NumOp`. */
export const OP_EQ: i32 = 0;
export const OP_NE: i32 = 1;
export const OP_LT: i32 = 2;
export const OP_LTE: i32 = 3;
export const OP_GT: i32 = 4;
export const OP_GTE: i32 = 5;

/** Up to this many ids are compared per row (lane-wise with SIMD); more use a bitset over the string ids. */
const SIMD_SET_MAX: u32 = 8;

/**
 * Keeps rows whose field `f` is a STRING or ARRAY with one of the `n` u32 string ids at `ids`.
 * Ids at or above the block's string count cannot match and are ignored. Returns false when
 * memory for a large set cannot grow (the selection is then unchanged).
 */
export function whereStrIn(scan: usize, f: u32, ids: usize, n: u32): bool {
  let stringCount = load<u32>(<usize>load<u32>(scan, SC_BLOCK), D_STRINGS);
  if (n > SIMD_SET_MAX) return whereStrInBitset(scan, f, ids, n, stringCount);
  if (ASC_FEATURE_SIMD) whereStrInLanes(scan, f, ids, n, stringCount);
  else whereStrInRows(scan, f, ids, n, stringCount);
  return true;
}

@inline function whereStrInLanes(scan: usize, f: u32, ids: usize, n: u32, stringCount: u32): void {
  let mask = <usize>load<u32>(scan, SC_MASK);
  let tags = scanTags(scan, f);
  let sids = scanSids(scan, f);
  let stride = <usize>load<u32>(scan, SC_STRIDE);
  let tString = i8x16.splat(TAG_STRING);
  let tArray = i8x16.splat(TAG_ARRAY);
  for (let r: usize = 0; r < stride; r += 16) {
    let sel = v128.load(mask + r);
    if (!v128.any_true(sel)) continue;
    let tg = v128.load(tags + r);
    let isStr = v128.or(i8x16.eq(tg, tString), i8x16.eq(tg, tArray));
    let s = sids + (r << 2);
    let s0 = v128.load(s);
    let s1 = v128.load(s, 16);
    let s2 = v128.load(s, 32);
    let s3 = v128.load(s, 48);
    let m0 = i32x4.splat(0);
    let m1 = m0;
    let m2 = m0;
    let m3 = m0;
    for (let k: u32 = 0; k < n; k++) {
      let id = load<u32>(ids + (<usize>k << 2));
      if (id >= stringCount) continue;
      let want = i32x4.splat(id);
      m0 = v128.or(m0, i32x4.eq(s0, want));
      m1 = v128.or(m1, i32x4.eq(s1, want));
      m2 = v128.or(m2, i32x4.eq(s2, want));
      m3 = v128.or(m3, i32x4.eq(s3, want));
    }
    // 4 x (4 lanes of i32 0/-1) -> 16 lanes of i8 0/-1, in row order.
    let hit = i8x16.narrow_i16x8_s(i16x8.narrow_i32x4_s(m0, m1), i16x8.narrow_i32x4_s(m2, m3));
    v128.store(mask + r, v128.and(sel, v128.and(isStr, hit)));
  }
}

@inline function whereStrInRows(scan: usize, f: u32, ids: usize, n: u32, stringCount: u32): void {
  let mask = <usize>load<u32>(scan, SC_MASK);
  let tags = scanTags(scan, f);
  let sids = scanSids(scan, f);
  let stride = <usize>load<u32>(scan, SC_STRIDE);
  for (let r: usize = 0; r < stride; r++) {
    if (load<u8>(mask + r) == 0) continue;
    let t = load<u8>(tags + r);
    let hit = false;
    if (t == TAG_STRING || t == TAG_ARRAY) {
      let sid = load<u32>(sids + (r << 2));
      for (let k: u32 = 0; k < n && !hit; k++) {
        let id = load<u32>(ids + (<usize>k << 2));
        hit = id < stringCount && id == sid;
      }
    }
    if (!hit) store<u8>(mask + r, 0);
  }
}

function whereStrInBitset(scan: usize, f: u32, ids: usize, n: u32, stringCount: u32): bool {
  let mark = arenaMark();
  let bits = arenaAllocZeroed(<usize>((stringCount + 7) >> 3));
  if (bits == 0) return false;
  for (let k: u32 = 0; k < n; k++) {
    let id = load<u32>(ids + (<usize>k << 2));
    if (id >= stringCount) continue;
    let byte = bits + <usize>(id >> 3);
    store<u8>(byte, <u32>load<u8>(byte) | (<u32>1 << (id & 7)));
  }
  let mask = <usize>load<u32>(scan, SC_MASK);
  let tags = scanTags(scan, f);
  let sids = scanSids(scan, f);
  let stride = <usize>load<u32>(scan, SC_STRIDE);
  for (let r: usize = 0; r < stride; r++) {
    let t = load<u8>(tags + r);
    let keep: u32 = 0;
    if (t == TAG_STRING || t == TAG_ARRAY) {
      let id = load<u32>(sids + (r << 2));
      keep = (<u32>load<u8>(bits + (id >> 3)) >> (id & 7)) & 1;
    }
    store<u8>(mask + r, load<u8>(mask + r) & <u8>(0 - keep));
  }
  arenaRelease(mark);
  return true;
}

/** Keeps rows whose field `f` is a NUMBER with `value op v` (JavaScript comparison semantics). */
export function whereNum(scan: usize, f: u32, op: i32, v: f64): void {
  if (ASC_FEATURE_SIMD) whereNumLanes(scan, f, op, v);
  else whereNumRows(scan, f, op, v);
}

@inline function whereNumLanes(scan: usize, f: u32, op: i32, v: f64): void {
  let mask = <usize>load<u32>(scan, SC_MASK);
  let tags = scanTags(scan, f);
  let nums = scanNums(scan, f);
  let stride = <usize>load<u32>(scan, SC_STRIDE);
  let tNumber = i8x16.splat(TAG_NUMBER);
  let want = f64x2.splat(v);
  for (let r: usize = 0; r < stride; r += 16) {
    let sel = v128.load(mask + r);
    if (!v128.any_true(sel)) continue;
    let isNum = i8x16.eq(v128.load(tags + r), tNumber);
    let x = nums + (r << 3);
    // 8 x (2 lanes of i64 0/-1) -> 16 lanes of i8 0/-1: narrowing twice keeps each row's mask
    // in a pair of bytes, then a shuffle keeps one byte per row.
    let a = i8x16.narrow_i16x8_s(
      i16x8.narrow_i32x4_s(compare(v128.load(x), want, op), compare(v128.load(x, 16), want, op)),
      i16x8.narrow_i32x4_s(compare(v128.load(x, 32), want, op), compare(v128.load(x, 48), want, op)),
    );
    let b = i8x16.narrow_i16x8_s(
      i16x8.narrow_i32x4_s(compare(v128.load(x, 64), want, op), compare(v128.load(x, 80), want, op)),
      i16x8.narrow_i32x4_s(compare(v128.load(x, 96), want, op), compare(v128.load(x, 112), want, op)),
    );
    let hit = i8x16.shuffle(a, b, 0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    v128.store(mask + r, v128.and(sel, v128.and(isNum, hit)));
  }
}

@inline function whereNumRows(scan: usize, f: u32, op: i32, v: f64): void {
  let mask = <usize>load<u32>(scan, SC_MASK);
  let tags = scanTags(scan, f);
  let nums = scanNums(scan, f);
  let stride = <usize>load<u32>(scan, SC_STRIDE);
  for (let r: usize = 0; r < stride; r++) {
    if (load<u8>(mask + r) == 0) continue;
    if (load<u8>(tags + r) != TAG_NUMBER || !compareRow(load<f64>(nums + (r << 3)), v, op)) store<u8>(mask + r, 0);
  }
}

@inline function compare(x: v128, v: v128, op: i32): v128 {
  switch (op) {
    case OP_EQ:
      return f64x2.eq(x, v);
    case OP_NE:
      return f64x2.ne(x, v);
    case OP_LT:
      return f64x2.lt(x, v);
    case OP_LTE:
      return f64x2.le(x, v);
    case OP_GT:
      return f64x2.gt(x, v);
    default:
      return f64x2.ge(x, v);
  }
}

/** `compare` on one row: the same IEEE predicates (every one but NE is false on NaN). */
@inline function compareRow(x: f64, v: f64, op: i32): bool {
  switch (op) {
    case OP_EQ:
      return x == v;
    case OP_NE:
      return x != v;
    case OP_LT:
      return x < v;
    case OP_LTE:
      return x <= v;
    case OP_GT:
      return x > v;
    default:
      return x >= v;
  }
}

/** Keeps rows where field `f` is present (tag not ABSENT), or absent when `present` is false. */
export function wherePresent(scan: usize, f: u32, present: bool): void {
  let mask = <usize>load<u32>(scan, SC_MASK);
  let tags = scanTags(scan, f);
  let stride = <usize>load<u32>(scan, SC_STRIDE);
  if (ASC_FEATURE_SIMD) {
    let zero = i8x16.splat(TAG_ABSENT);
    for (let r: usize = 0; r < stride; r += 16) {
      let absent = i8x16.eq(v128.load(tags + r), zero);
      let keep = present ? v128.not(absent) : absent;
      v128.store(mask + r, v128.and(v128.load(mask + r), keep));
    }
  } else {
    for (let r: usize = 0; r < stride; r += 8) {
      let absent = widenBytes(equalBytes(load<u64>(tags + r), TAG_ABSENT));
      store<u64>(mask + r, load<u64>(mask + r) & (present ? ~absent : absent));
    }
  }
}

/** Number of selected rows. */
export function selected(scan: usize): u32 {
  let mask = <usize>load<u32>(scan, SC_MASK);
  let stride = <usize>load<u32>(scan, SC_STRIDE);
  let count: u32 = 0;
  for (let r: usize = 0; r < stride; r += 16) count += <u32>popcnt<i32>(selectedBits(mask + r));
  return count;
}
