// Grouped aggregate over a scan's selection (block-reader.ts `Scan.aggregate`): rows are grouped
// by the string id of the group column when it holds a STRING or an ARRAY (sid -1 for any other
// tag, or for every row without a group column), as the TypeScript reference does; count,
// valueCount, sum, min and max are taken over NUMBER values (min/max start at +-Infinity).
//
// Why no per-query zeroing: a block keeps one u32 slot per string id, plus one for "not a
// string" (D_GROUP_SLOTS), all 0 between calls. The first row of a group claims the next slot; at
// the end only the slots of the groups found are reset, so the cost follows the selected rows,
// not the dictionary size.
//
// Two passes, so that neither branches on data: the first gives every selected row its group
// and counts it; the second visits only the selected rows holding a NUMBER (bits of a mask) and
// adds them in row order, as the TypeScript reference does, so both give identical doubles.
// Both passes take 16 rows' selection as bits (lanes.ts: one v128 bitmask, or two u64 words in
// the scalar build), so both builds visit the same rows in the same order.

import { arenaEnsure, arenaMark } from "./arena";
import { selectedBits, selectedWithTag } from "./lanes";
import { D_GROUP_SLOTS, D_STRINGS } from "./layout";
import {
  SC_BLOCK,
  SC_MASK,
  SC_ROWS,
  SC_STRIDE,
  TAG_ARRAY,
  TAG_NUMBER,
  TAG_STRING,
  scanNums,
  scanSids,
  scanTags,
} from "./scan-layout";

// One output row per group, in order of first appearance.
export const G_SID: usize = 0; // i32
export const G_VALUE_COUNT: usize = 4; // u32
// u32: selected rows. While counting, rows 4k + b go to the count at G_COUNT + 4b, so that
// consecutive rows of one group do not wait on each other; folded into G_COUNT at the end.
export const G_COUNT: usize = 8;
export const G_SUM: usize = 24; // f64
export const G_MIN: usize = 32; // f64
export const G_MAX: usize = 40; // f64
export const GROUP_SIZE: usize = 48;

/** Where the last `aggregate` wrote its rows: scratch above the arena top, valid until the next call. */
export let aggregateOut: usize = 0;

/**
 * Aggregates the selected rows of `scan`; `group` and `value` are column indexes or -1 (none).
 * Returns the number of groups written at `aggregateOut`, or -1 when memory cannot grow.
 */
export function aggregate(scan: usize, group: i32, value: i32): i32 {
  let rows = <usize>load<u32>(scan, SC_ROWS);
  let stride = <usize>load<u32>(scan, SC_STRIDE);
  let mask = <usize>load<u32>(scan, SC_MASK);
  let d = <usize>load<u32>(scan, SC_BLOCK);
  let slots = <usize>load<u32>(d, D_GROUP_SLOTS);
  let other = load<u32>(d, D_STRINGS); // the slot index of "not a string"
  // Scratch: the groups, then each row's group number.
  let outBytes = (rows + 1) * GROUP_SIZE;
  if (!arenaEnsure(outBytes + (stride << 2))) return -1;
  let out = arenaMark();
  let rowGroup = out + outBytes;
  aggregateOut = out;
  let n: u32 = 0;

  // Pass 1: group and count every selected row.
  if (group < 0) {
    // One group: its count is the number of selected rows.
    let count: u32 = 0;
    for (let base: usize = 0; base < stride; base += 16) count += <u32>popcnt<i32>(selectedBits(mask + base));
    if (count > 0) {
      n = 1;
      startGroup(out, -1);
      store<u32>(out, count, G_COUNT);
    }
  } else {
    let gTags = scanTags(scan, <u32>group);
    let gSids = scanSids(scan, <u32>group);
    let keepRows = value >= 0;
    for (let base: usize = 0; base < stride; base += 16) {
      let bits = selectedBits(mask + base);
      if (bits == 0xffff) {
        // A whole chunk selected (no filter, or a common value): no bit scanning.
        for (let r = base; r < base + 16; r++) n = groupRow(r, n, gTags, gSids, slots, other, out, rowGroup, keepRows);
        continue;
      }
      while (bits != 0) {
        let r = base + <usize>ctz<i32>(bits);
        bits &= bits - 1;
        n = groupRow(r, n, gTags, gSids, slots, other, out, rowGroup, keepRows);
      }
    }
  }

  // Pass 2: the NUMBER values of the selected rows, in row order.
  if (value >= 0) {
    let vTags = scanTags(scan, <u32>value);
    let vNums = scanNums(scan, <u32>value);
    for (let base: usize = 0; base < stride; base += 16) {
      let bits = selectedWithTag(mask + base, vTags + base, TAG_NUMBER);
      while (bits != 0) {
        let r = base + <usize>ctz<i32>(bits);
        bits &= bits - 1;
        let g = group < 0 ? out : out + <usize>(load<u32>(rowGroup + (r << 2)) - 1) * GROUP_SIZE;
        let x = load<f64>(vNums + (r << 3));
        let lo = load<f64>(g, G_MIN);
        let hi = load<f64>(g, G_MAX);
        store<u32>(g, load<u32>(g, G_VALUE_COUNT) + 1, G_VALUE_COUNT);
        store<f64>(g, load<f64>(g, G_SUM) + x, G_SUM);
        store<f64>(g, select<f64>(x, lo, x < lo), G_MIN);
        store<f64>(g, select<f64>(x, hi, x > hi), G_MAX);
      }
    }
  }

  // Sparse reset of the slots this call claimed; fold the counts of rows 4k + 1..3 in.
  if (group >= 0) {
    for (let k: u32 = 0; k < n; k++) {
      let g = out + <usize>k * GROUP_SIZE;
      let sid = load<i32>(g, G_SID);
      store<u32>(slots + (<usize>(sid < 0 ? other : <u32>sid) << 2), 0);
      let count = load<u32>(g, G_COUNT) + load<u32>(g, G_COUNT + 4) + load<u32>(g, G_COUNT + 8) + load<u32>(g, G_COUNT + 12);
      store<u32>(g, count, G_COUNT);
    }
  }
  return <i32>n;
}

/** Pass 1 for row `r`: its group (claimed on first sight), counted; returns the group count. */
@inline function groupRow(
  r: usize,
  n: u32,
  gTags: usize,
  gSids: usize,
  slots: usize,
  other: u32,
  out: usize,
  rowGroup: usize,
  keepRows: bool,
): u32 {
  let tag = load<u8>(gTags + r);
  let sid = select<u32>(load<u32>(gSids + (r << 2)), other, tag == TAG_STRING || tag == TAG_ARRAY);
  let slot = slots + (<usize>sid << 2);
  let k = load<u32>(slot);
  if (k == 0) {
    k = ++n;
    store<u32>(slot, k);
    startGroup(out + <usize>(k - 1) * GROUP_SIZE, sid == other ? -1 : <i32>sid);
  }
  if (keepRows) store<u32>(rowGroup + (r << 2), k);
  let g = out + <usize>(k - 1) * GROUP_SIZE + G_COUNT + ((r & 3) << 2);
  store<u32>(g, load<u32>(g) + 1);
  return n;
}

@inline function startGroup(g: usize, sid: i32): void {
  store<i32>(g, sid, G_SID);
  store<u32>(g, 0, G_VALUE_COUNT);
  // The four row banks.
  if (ASC_FEATURE_SIMD) {
    v128.store(g, i32x4.splat(0), G_COUNT);
  } else {
    store<u64>(g, 0, G_COUNT);
    store<u64>(g, 0, G_COUNT + 8);
  }
  store<f64>(g, 0, G_SUM);
  store<f64>(g, Infinity, G_MIN);
  store<f64>(g, -Infinity, G_MAX);
}
