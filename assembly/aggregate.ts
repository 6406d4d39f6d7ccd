// Grouped aggregate over a scan's selection (block-reader.ts `Scan.aggregate`): rows are grouped
// by the string id of the group column when it holds a STRING or an ARRAY (sid -1 for any other
// tag, or for every row without a group column), as the TypeScript reference does; count,
// valueCount, sum, min and max are taken over NUMBER values (min/max start at +-Infinity).
//
// Why no per-query zeroing: a block keeps one u32 slot per string id (D_GROUP_SLOTS), all 0
// between calls. The first row of a group claims the next slot; at the end only the slots of the
// groups found are reset, so the cost follows the selected rows, not the dictionary size.
// Sums add in row order, as the TypeScript reference does, so both give identical doubles.

import { arenaEnsure, arenaMark } from "./arena";
import { D_GROUP_SLOTS } from "./layout";
import {
  SC_BLOCK,
  SC_MASK,
  SC_ROWS,
  SC_STRIDE,
  TAG_ABSENT,
  TAG_ARRAY,
  TAG_NUMBER,
  TAG_STRING,
  scanNums,
  scanSids,
  scanTags,
} from "./scan-layout";

// One output row per group, in order of first appearance.
export const G_SID: usize = 0; // i32
export const G_COUNT: usize = 4; // u32
export const G_VALUE_COUNT: usize = 8; // u32
export const G_SUM: usize = 16; // f64
export const G_MIN: usize = 24; // f64
export const G_MAX: usize = 32; // f64
export const GROUP_SIZE: usize = 40;

/** Where the last `aggregate` wrote its rows: scratch above the arena top, valid until the next call. */
export let aggregateOut: usize = 0;

/**
 * Aggregates the selected rows of `scan`; `group` and `value` are column indexes or -1 (none).
 * Returns the number of groups written at `aggregateOut`, or -1 when memory cannot grow.
 */
export function aggregate(scan: usize, group: i32, value: i32): i32 {
  let rows = load<u32>(scan, SC_ROWS);
  let stride = <usize>load<u32>(scan, SC_STRIDE);
  let mask = <usize>load<u32>(scan, SC_MASK);
  let slots = <usize>load<u32>(<usize>load<u32>(scan, SC_BLOCK), D_GROUP_SLOTS);
  if (!arenaEnsure((<usize>rows + 1) * GROUP_SIZE)) return -1;
  let out = arenaMark();
  aggregateOut = out;
  let hasGroup = group >= 0;
  let hasValue = value >= 0;
  let gTags = hasGroup ? scanTags(scan, <u32>group) : 0;
  let gSids = hasGroup ? scanSids(scan, <u32>group) : 0;
  let vTags = hasValue ? scanTags(scan, <u32>value) : 0;
  let vNums = hasValue ? scanNums(scan, <u32>value) : 0;
  let n: u32 = 0;
  let nullGroup: usize = 0; // address of the sid -1 group once it exists
  for (let base: usize = 0; base < stride; base += 16) {
    let bits = i8x16.bitmask(v128.load(mask + base));
    while (bits != 0) {
      let r = base + <usize>ctz<i32>(bits);
      bits &= bits - 1;
      let g: usize;
      let tag = hasGroup ? load<u8>(gTags + r) : TAG_ABSENT;
      if (tag == TAG_STRING || tag == TAG_ARRAY) {
        let sid = load<u32>(gSids + (r << 2));
        let slot = slots + (<usize>sid << 2);
        let k = load<u32>(slot);
        if (k == 0) {
          k = ++n;
          store<u32>(slot, k);
          startGroup(out + <usize>(k - 1) * GROUP_SIZE, <i32>sid);
        }
        g = out + <usize>(k - 1) * GROUP_SIZE;
      } else {
        if (nullGroup == 0) {
          nullGroup = out + <usize>n * GROUP_SIZE;
          n++;
          startGroup(nullGroup, -1);
        }
        g = nullGroup;
      }
      store<u32>(g, load<u32>(g, G_COUNT) + 1, G_COUNT);
      if (hasValue && load<u8>(vTags + r) == TAG_NUMBER) {
        let x = load<f64>(vNums + (r << 3));
        store<u32>(g, load<u32>(g, G_VALUE_COUNT) + 1, G_VALUE_COUNT);
        store<f64>(g, load<f64>(g, G_SUM) + x, G_SUM);
        if (x < load<f64>(g, G_MIN)) store<f64>(g, x, G_MIN);
        if (x > load<f64>(g, G_MAX)) store<f64>(g, x, G_MAX);
      }
    }
  }
  // Sparse reset: only the slots this call claimed.
  for (let k: u32 = 0; k < n; k++) {
    let sid = load<i32>(out + <usize>k * GROUP_SIZE, G_SID);
    if (sid >= 0) store<u32>(slots + (<usize>sid << 2), 0);
  }
  return <i32>n;
}

@inline function startGroup(g: usize, sid: i32): void {
  store<i32>(g, sid, G_SID);
  store<u32>(g, 0, G_COUNT);
  store<u32>(g, 0, G_VALUE_COUNT);
  store<f64>(g, 0, G_SUM);
  store<f64>(g, Infinity, G_MIN);
  store<f64>(g, -Infinity, G_MAX);
}
