/**
 * Sealing an open block (docs/flam.md sections 3-8): merging shapes, choosing each field's
 * encoding once every value is known, and writing the bytes. The builder (`block-builder.ts`)
 * hands over flat arrays, not objects per event or per value: strings are temporary ids into its
 * dictionary, so sealing hashes no string, and one remap table turns temporary into final ids.
 */
import { Enc, POW10, encWidth, intWidth, uintWidth } from "./encoding.ts";
import { FlamEncodeError } from "./encode-error.ts";
import { isCanonicalUuid, writeUuid } from "./uuid.ts";
import { encoder } from "./utf8.ts";
import { xxh32 } from "./xxh32.ts";
import * as L from "./limits.ts";

/** Value category: part of a shape's identity (a key holding a string and a number are two slots). */
export const Cat = { NULL: 0, BOOL: 1, NUM: 2, STR: 3, ARR: 4 } as const;
export type Cat = (typeof Cat)[keyof typeof Cat];

/** An exact shape: one event name and one set of (key, category) slots. */
export interface OpenShape {
  name: string;
  /** Temporary string id of the name. */
  nameSid: number;
  /** Temporary key ids, ascending, and each slot's category. */
  keys: number[];
  cats: Cat[];
  /** Records of this shape so far. */
  count: number;
}

/**
 * Everything the builder accumulated, as parallel arrays indexed by record, string or key.
 * A record's values are `vals[recOff[r] ..]`, one per slot of its shape in shape order: a number,
 * a boolean as 0 or 1, 0 for null, or the temporary string id of a string or array's JSON.
 */
export interface OpenBlock {
  recCount: number;
  recShape: number[];
  recOff: number[];
  recId: number[];
  recVisitor: number[];
  recTime: number[];
  recReceived: number[];
  vals: Float64Array;
  valCount: number;
  keyNs: number[];
  keyText: string[];
  keyFreq: number[];
  /** Strings by temporary id (first-use order), their use counts and UTF-8 lengths. */
  strText: string[];
  strFreq: number[];
  strLen: number[];
  shapes: OpenShape[];
}

/** An encoding chosen for one field of one shape, with its shape-table parameter. */
interface Choice {
  enc: number;
  param: number;
}

/** How a slot's value is written, decided once per shape instead of per value. */
const Put = { NONE: 0, BOOL: 1, F64: 2, STR: 3, DEC: 4, INT: 5 } as const;

function putKind(enc: number): number {
  if (encWidth(enc) === 0) return Put.NONE;
  if (enc === Enc.BOOL) return Put.BOOL;
  if (enc === Enc.F64) return Put.F64;
  const family = enc & 0xf0;
  if (family === Enc.STR || family === Enc.JSON) return Put.STR;
  return family === Enc.DEC ? Put.DEC : Put.INT;
}

/** Final encodings and byte layout of one (merged) shape. */
interface Plan {
  id: Choice;
  visitor: Choice;
  time: Choice;
  received: Choice;
  /** Offsets from the record start (which holds the shape id). */
  bitmapOff: number;
  idOff: number;
  visitorOff: number;
  timeOff: number;
  receivedOff: number;
  recordSize: number;
  table: Uint8Array;
}

/**
 * Every slot of every exact shape, flat (shape `os` owns `[base[os], base[os + 1])`, in its key
 * order): its position in the merged shape, and where and how its value is written. Flat typed
 * arrays because a block has thousands of exact shapes.
 */
interface Slots {
  base: Int32Array;
  pos: Int32Array;
  /** Offset from the record start. */
  off: Int32Array;
  kind: Int32Array;
  width: Int32Array;
  param: Int32Array;
  /** Optional-slot number for the presence bitmap, or -1 for a required slot. */
  bit: Int32Array;
}

/** Encodes `b` as one FlaM block. */
export function writeBlock(b: OpenBlock): Uint8Array {
  const { recCount, recShape, recId, recTime, keyNs, keyText, keyFreq, strText, strFreq } = b;
  const { groups, groupOf, slots } = mergeShapes(b.shapes);
  const groupRecs: number[][] = groups.map(() => []);
  for (let r = 0; r < recCount; r++) groupRecs[groupOf[recShape[r]!]!]!.push(r);

  // Frequent keys and strings get small ids, so their widths shrink.
  const keyOrder = keyText.map((_, i) => i).sort((x, y) => keyFreq[y]! - keyFreq[x]! || x - y);
  const keyFinal = new Int32Array(keyText.length);
  for (let id = 0; id < keyOrder.length; id++) keyFinal[keyOrder[id]!] = id;

  // UUID ids would waste dictionary space; they go into records as 16 bytes instead. A UUID id
  // stays in the dictionary if it is also used elsewhere (as a value, a name, another id), which
  // is exactly when it was used more than once.
  const uuidGroup = groupRecs.map((recs) =>
    recs.every((r) => isCanonicalUuid(strText[recId[r]!]!)),
  );
  const skip = new Uint8Array(strText.length);
  for (let g = 0; g < groups.length; g++)
    if (uuidGroup[g])
      for (const r of groupRecs[g]!) if (strFreq[recId[r]!] === 1) skip[recId[r]!] = 1;
  const { dict, strFinal } = orderStrings(strFreq, skip);

  let minTime = Infinity;
  let maxTime = -Infinity;
  for (let r = 0; r < recCount; r++) {
    const t = recTime[r]!;
    if (t < minTime) minTime = t;
    if (t > maxTime) maxTime = t;
  }
  if (recCount === 0) minTime = maxTime = 0;

  // Shapes: final slot order, encodings and record sizes.
  const shapeIdWidth = groups.length <= 256 ? 1 : 2;
  const plans = groups.map((group, g) =>
    planShape(b, group, groupRecs[g]!, uuidGroup[g]!, {
      keyFinal,
      strFinal,
      minTime,
      shapeIdWidth,
      slots,
    }),
  );

  const keyBytes = keyOrder.map((tmp) => encoder.encode(keyText[tmp]!));
  let size = L.HEADER_SIZE;
  const keysOffset = size;
  for (const k of keyBytes) size += 1 + varintSize(k.length) + k.length;
  const stringsOffset = size;
  for (const sid of dict) size += varintSize(b.strLen[sid]!) + b.strLen[sid]!;
  const shapesOffset = size;
  for (const p of plans) size += p.table.length;
  const recordsOffset = size;
  for (let g = 0; g < groups.length; g++) size += groupRecs[g]!.length * plans[g]!.recordSize;
  if (size > L.MAX_BLOCK_BYTES)
    throw new FlamEncodeError(
      "FULL",
      "block",
      `sealed block would be ${size} bytes, the limit is ${L.MAX_BLOCK_BYTES}`,
    );

  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  out.set(L.MAGIC, 0);
  view.setUint8(4, L.VERSION);
  view.setUint16(6, L.HEADER_SIZE, true);
  view.setUint32(8, size, true);
  view.setUint32(16, recCount, true);
  view.setUint32(20, keyText.length, true);
  view.setUint32(24, dict.length, true);
  view.setUint32(28, groups.length, true);
  putInt(out, 32, minTime, 8);
  putInt(out, 40, maxTime, 8);
  view.setUint32(48, keysOffset, true);
  view.setUint32(52, stringsOffset, true);
  view.setUint32(56, shapesOffset, true);
  view.setUint32(60, recordsOffset, true);

  let pos = keysOffset;
  for (let id = 0; id < keyOrder.length; id++) {
    const k = keyBytes[id]!;
    out[pos++] = keyNs[keyOrder[id]!]!;
    pos = putVarint(out, pos, k.length);
    out.set(k, pos);
    pos += k.length;
  }
  pos = writeStrings(out, pos, dict, strText, b.strLen);
  for (const p of plans) {
    out.set(p.table, pos);
    pos += p.table.length;
  }
  writeRecords(b, out, view, pos, { groupOf, plans, slots, strFinal, minTime, shapeIdWidth });
  view.setUint32(12, xxh32(out, 16, size), true);
  return out;
}

/** The string section from `pos`: each string's varint length, then its UTF-8; returns the end. */
function writeStrings(
  out: Uint8Array,
  pos: number,
  dict: Int32Array,
  strText: readonly string[],
  strLen: readonly number[],
): number {
  for (const sid of dict) {
    const s = strText[sid]!;
    const len = strLen[sid]!;
    pos = putVarint(out, pos, len);
    // Short ASCII (byte length = UTF-16 length) is copied directly: cheaper than a call to the
    // encoder (and than joining strings for one call, measured).
    if (len === s.length && len <= 64) for (let i = 0; i < len; i++) out[pos + i] = s.charCodeAt(i);
    else encoder.encodeInto(s, out.subarray(pos, pos + len));
    pos += len;
  }
  return pos;
}

/** Dictionary order: most used first, ties in first-use order (a stable counting sort). */
function orderStrings(freq: readonly number[], skip: Uint8Array) {
  let maxFreq = 0;
  for (const f of freq) if (f > maxFreq) maxFreq = f;
  // start[f]: where the strings used f times begin, counting from the most used.
  const start = new Int32Array(maxFreq + 2);
  for (let s = 0; s < freq.length; s++) if (!skip[s]) start[maxFreq - freq[s]! + 1]!++;
  for (let i = 1; i < start.length; i++) start[i]! += start[i - 1]!;
  const dict = new Int32Array(start[start.length - 1]!);
  const strFinal = new Int32Array(freq.length).fill(-1);
  for (let s = 0; s < freq.length; s++) {
    if (skip[s]) continue;
    const id = start[maxFreq - freq[s]!]!++;
    dict[id] = s;
    strFinal[s] = id;
  }
  return { dict, strFinal };
}

interface PlanContext {
  keyFinal: Int32Array;
  strFinal: Int32Array;
  minTime: number;
  shapeIdWidth: number;
  /** Filled in for the exact shapes of the group: how their slots are written. */
  slots: Slots;
}

/** Scratch for the present values of one slot, in record order (it decides DEC scales). */
let scratch = new Float64Array(1024);

function planShape(
  b: OpenBlock,
  group: Group,
  recs: readonly number[],
  uuid: boolean,
  cx: PlanContext,
): Plan {
  const { recShape, recOff, vals } = b;
  const n = group.keys.length;
  const finalKeys = group.keys.map((k) => cx.keyFinal[k]!);
  // Group positions by final key id: insertion sort, as shapes hold tens of keys at most and a
  // block plans up to hundreds of shapes (a comparator sort cost more per shape, measured).
  const perm: number[] = [];
  for (let i = 0; i < n; i++) {
    let j = i;
    while (j > 0 && finalKeys[perm[j - 1]!]! > finalKeys[i]!) {
      perm[j] = perm[j - 1]!;
      j--;
    }
    perm[j] = i;
  }
  const id: Choice = uuid
    ? { enc: Enc.UUID, param: 0 }
    : strChoice(gather(recs, b.recId), 0, recs.length, Enc.STR, cx.strFinal);
  const visitor = strChoice(gather(recs, b.recVisitor), 0, recs.length, Enc.STR, cx.strFinal);
  let maxOffset = 0;
  let minDelta = Infinity;
  let maxDelta = -Infinity;
  for (const r of recs) {
    maxOffset = Math.max(maxOffset, b.recTime[r]! - cx.minTime);
    const d = b.recReceived[r]! - b.recTime[r]!;
    if (d < minDelta) minDelta = d;
    if (d > maxDelta) maxDelta = d;
  }
  const time: Choice = { enc: Enc.UINT | uintWidth(maxOffset), param: 0 };
  const received: Choice = { enc: Enc.INT | intWidth(minDelta, maxDelta), param: 0 };

  // The present values of each group position, in record order (which decides DEC scales):
  // position p's go to values[p * R ..], one pass over the records.
  const { base, pos } = cx.slots;
  const R = recs.length;
  if (scratch.length < n * R) scratch = new Float64Array(n * R);
  const values = scratch;
  // Per-shape scratch comes from one buffer: a typed array allocated per shape cost more than
  // the small shapes' own work (a block of 500 events plans about a hundred shapes).
  const count = shapeScratch(4 * n).fill(0, 0, n);
  for (const r of recs) {
    const os = recShape[r]!;
    const v0 = recOff[r]! - base[os]!;
    for (let k = base[os]!; k < base[os + 1]!; k++) {
      const p = pos[k]!;
      values[p * R + count[p]!++] = vals[v0 + k]!;
    }
  }
  const slots: Choice[] = [];
  const optional: boolean[] = [];
  for (let i = 0; i < n; i++) {
    const p = perm[i]!;
    optional.push(count[p]! < R);
    slots.push(slotChoice(group.cats[p]!, values, p * R, count[p]!, cx.strFinal));
  }

  const t: number[] = [];
  pushVarint(t, cx.strFinal[group.nameSid]!);
  pushChoice(t, id);
  pushChoice(t, visitor);
  pushChoice(t, time);
  pushChoice(t, received);
  pushVarint(t, n);
  for (let i = 0; i < n; i++) {
    pushVarint(t, finalKeys[perm[i]!]!);
    pushChoice(t, slots[i]!, optional[i]);
  }

  // Record layout: shape id, bitmap, system fields, then the slots in final order.
  let optionalCount = 0;
  for (const o of optional) if (o) optionalCount++;
  const bitmapOff = cx.shapeIdWidth;
  const idOff = bitmapOff + Math.ceil(optionalCount / 8);
  const visitorOff = idOff + encWidth(id.enc);
  const timeOff = visitorOff + encWidth(visitor.enc);
  const receivedOff = timeOff + encWidth(time.enc);
  let at = receivedOff + encWidth(received.enc);
  // By group position p, in the same scratch: offset at [n + p], optional-slot number at
  // [2n + p], final slot index at [3n + p].
  const ints = count;
  let k = 0;
  for (let i = 0; i < n; i++) {
    const p = perm[i]!;
    ints[n + p] = at;
    ints[2 * n + p] = optional[i] ? k++ : -1;
    ints[3 * n + p] = i;
    at += encWidth(slots[i]!.enc);
  }
  const w = cx.slots;
  for (const os of group.members) {
    for (let k = base[os]!; k < base[os + 1]!; k++) {
      const p = pos[k]!;
      const c = slots[ints[3 * n + p]!]!;
      w.off[k] = ints[n + p]!;
      w.kind[k] = putKind(c.enc);
      w.width[k] = encWidth(c.enc);
      w.param[k] = c.param;
      w.bit[k] = ints[2 * n + p]!;
    }
  }
  return {
    id,
    visitor,
    time,
    received,
    bitmapOff,
    idOff,
    visitorOff,
    timeOff,
    receivedOff,
    recordSize: at,
    table: new Uint8Array(t),
  };
}

let shapeInts = new Int32Array(256);

/** At least `n` scratch ints for one shape's plan (contents undefined). */
function shapeScratch(n: number): Int32Array {
  if (shapeInts.length < n) shapeInts = new Int32Array(Math.max(n, 2 * shapeInts.length));
  return shapeInts;
}

/** The values of `field` for `recs`, in the scratch buffer. */
function gather(recs: readonly number[], field: readonly number[]): Float64Array {
  if (scratch.length < recs.length) scratch = new Float64Array(recs.length);
  for (let i = 0; i < recs.length; i++) scratch[i] = field[recs[i]!]!;
  return scratch;
}

/** Strings (as temporary ids) of one field: a constant, or the narrowest id width. */
function strChoice(
  sids: Float64Array,
  from: number,
  n: number,
  family: number,
  strFinal: Int32Array,
): Choice {
  const end = from + n;
  const first = sids[from]!;
  if (family === Enc.STR) {
    let same = true;
    for (let i = from + 1; i < end && same; i++) same = sids[i] === first;
    if (same) return { enc: Enc.STR_CONST, param: strFinal[first]! };
  }
  let max = 0;
  for (let i = from; i < end; i++) max = Math.max(max, strFinal[sids[i]!]!);
  return { enc: family | (max <= 0xff ? 1 : max <= 0xffff ? 2 : 4), param: 0 };
}

/** The encoding of one slot from its `n` present values at `values[from ..]`. */
function slotChoice(
  cat: Cat,
  values: Float64Array,
  from: number,
  n: number,
  strFinal: Int32Array,
): Choice {
  switch (cat) {
    case Cat.NULL:
      return { enc: Enc.NULL, param: 0 };
    case Cat.BOOL: {
      let trues = 0;
      for (let i = from; i < from + n; i++) trues += values[i]!;
      return { enc: trues === n ? Enc.TRUE : trues === 0 ? Enc.FALSE : Enc.BOOL, param: 0 };
    }
    case Cat.STR:
      return strChoice(values, from, n, Enc.STR, strFinal);
    case Cat.ARR:
      return strChoice(values, from, n, Enc.JSON, strFinal);
    case Cat.NUM:
      return numChoice(values.subarray(from, from + n));
  }
}

/** Integers: INT by range; decimals: the smallest exact scale; otherwise F64. */
function numChoice(values: Float64Array): Choice {
  const n = values.length;
  let min = Infinity;
  let max = -Infinity;
  let allInt = true;
  for (let i = 0; i < n; i++) {
    const x = values[i]!;
    if (!Number.isSafeInteger(x) || Object.is(x, -0)) {
      allInt = false;
      break;
    }
    if (x < min) min = x;
    if (x > max) max = x;
  }
  if (allInt) return { enc: Enc.INT | intWidth(min, max), param: 0 };
  // The scale only grows, value by value in record order, so the order decides it.
  let scale = 1;
  for (let i = 0; i < n; i++) {
    while (scale <= L.MAX_SCALE && !exactAt(values[i]!, scale)) scale++;
    if (scale > L.MAX_SCALE) return { enc: Enc.F64, param: 0 };
  }
  // A value exact at a smaller scale may round differently at this one: check them all.
  min = Infinity;
  max = -Infinity;
  for (let i = 0; i < n; i++) {
    const x = values[i]!;
    if (!exactAt(x, scale)) return { enc: Enc.F64, param: 0 };
    const m = Math.round(x * POW10[scale]!);
    if (m < min) min = m;
    if (m > max) max = m;
  }
  return { enc: Enc.DEC | intWidth(min, max), param: scale };
}

function exactAt(x: number, scale: number): boolean {
  if (Object.is(x, -0)) return false;
  const m = Math.round(x * POW10[scale]!);
  return Number.isSafeInteger(m) && m / POW10[scale]! === x;
}

interface RecordContext {
  groupOf: Int32Array;
  plans: Plan[];
  slots: Slots;
  strFinal: Int32Array;
  minTime: number;
  shapeIdWidth: number;
}

/**
 * Writes the records from `pos`. `out` is zeroed, so absent optional slots and clear bitmap bits
 * need no writes; a record writes only the values its event has, at offsets fixed per shape.
 */
function writeRecords(
  b: OpenBlock,
  out: Uint8Array,
  view: DataView,
  pos: number,
  cx: RecordContext,
): void {
  const { recShape, recOff, recId, recVisitor, recTime, recReceived, vals, strText } = b;
  const { groupOf, plans, strFinal, minTime } = cx;
  const { base, off, kind, width, param, bit } = cx.slots;
  for (let r = 0; r < b.recCount; r++) {
    const os = recShape[r]!;
    const g = groupOf[os]!;
    const p = plans[g]!;
    out[pos] = g & 0xff;
    if (cx.shapeIdWidth === 2) out[pos + 1] = g >>> 8;
    if (p.id.enc === Enc.UUID) writeUuid(strText[recId[r]!]!, out, pos + p.idOff);
    else if (p.id.enc !== Enc.STR_CONST)
      putInt(out, pos + p.idOff, strFinal[recId[r]!]!, p.id.enc & 0x0f);
    if (p.visitor.enc !== Enc.STR_CONST)
      putInt(out, pos + p.visitorOff, strFinal[recVisitor[r]!]!, p.visitor.enc & 0x0f);
    const time = recTime[r]!;
    putInt(out, pos + p.timeOff, time - minTime, p.time.enc & 0x0f);
    putInt(out, pos + p.receivedOff, recReceived[r]! - time, p.received.enc & 0x0f);
    // Slots, in the exact shape's order; each lands at its offset in the merged shape.
    const v0 = recOff[r]! - base[os]!;
    for (let k = base[os]!; k < base[os + 1]!; k++) {
      // Presence bitmap of the optional slots (docs/flam.md section 8).
      const o = bit[k]!;
      if (o >= 0) out[pos + p.bitmapOff + (o >> 3)]! |= 1 << (o & 7);
      const x = vals[v0 + k]!;
      const at = pos + off[k]!;
      switch (kind[k]) {
        case Put.NONE:
          break;
        case Put.BOOL:
          out[at] = x;
          break;
        case Put.F64:
          view.setFloat64(at, x, true);
          break;
        case Put.STR:
          putInt(out, at, strFinal[x]!, width[k]!);
          break;
        case Put.DEC:
          putInt(out, at, Math.round(x * POW10[param[k]!]!), width[k]!);
          break;
        default:
          putInt(out, at, x, width[k]!);
      }
    }
    pos += p.recordSize;
  }
}

/** Little-endian two's complement of width w; for w = 8 split in halves (exact to 2^53). */
function putInt(out: Uint8Array, at: number, n: number, w: number): void {
  if (w === 8) {
    const hi = Math.floor(n / 2 ** 32);
    putInt(out, at, n - hi * 2 ** 32, 4);
    putInt(out, at + 4, hi, 4);
    return;
  }
  out[at] = n & 0xff;
  if (w === 1) return;
  out[at + 1] = (n >>> 8) & 0xff;
  if (w === 2) return;
  out[at + 2] = (n >>> 16) & 0xff;
  out[at + 3] = n >>> 24;
}

function putVarint(out: Uint8Array, pos: number, n: number): number {
  while (n >= 0x80) {
    out[pos++] = (n & 0x7f) | 0x80;
    n >>>= 7;
  }
  out[pos++] = n;
  return pos;
}

function pushVarint(t: number[], n: number): void {
  while (n >= 0x80) {
    t.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  t.push(n);
}

function pushChoice(t: number[], c: Choice, optional = false): void {
  t.push(optional ? c.enc | 0x80 : c.enc);
  if ((c.enc & 0xf0) === Enc.DEC) t.push(c.param);
  else if (c.enc === Enc.STR_CONST) pushVarint(t, c.param);
}

function varintSize(n: number): number {
  let s = 1;
  while (n >= 0x80) {
    n >>>= 7;
    s++;
  }
  return s;
}

/**
 * At most this many absent optional slots per record: what merging may cost an event, and what
 * the size estimate of `append` reserves for it.
 */
export const MAX_ABSENT = 4;

interface Group {
  name: string;
  /** The exact shapes merged into this one. */
  members: number[];
  nameSid: number;
  /** Temporary key ids, ascending, and their categories. */
  keys: number[];
  cats: Cat[];
  minKeys: number;
}

/**
 * Whether `sh` may join `group`: no key in another category, and few enough absent slots. Both
 * key lists ascend, so one merge-like walk compares them.
 */
function fits(group: Group, sh: OpenShape): boolean {
  const { keys: gk, cats: gc } = group;
  const { keys, cats } = sh;
  let union = gk.length;
  let i = 0;
  for (let j = 0; j < keys.length; j++) {
    while (i < gk.length && gk[i]! < keys[j]!) i++;
    if (i < gk.length && gk[i] === keys[j]) {
      if (gc[i] !== cats[j]) return false;
    } else union++;
  }
  return union <= Math.min(group.minKeys, keys.length) + MAX_ABSENT;
}

/** Adds the slots of `sh` to `group`, keeping its keys ascending. */
function join(group: Group, sh: OpenShape): void {
  const { keys: gk, cats: gc } = group;
  const { keys, cats } = sh;
  const outKeys: number[] = [];
  const outCats: Cat[] = [];
  let i = 0;
  let j = 0;
  while (i < gk.length || j < keys.length) {
    if (j >= keys.length || (i < gk.length && gk[i]! <= keys[j]!)) {
      if (j < keys.length && gk[i] === keys[j]) j++;
      outKeys.push(gk[i]!);
      outCats.push(gc[i]!);
      i++;
    } else {
      outKeys.push(keys[j]!);
      outCats.push(cats[j]!);
      j++;
    }
  }
  group.keys = outKeys;
  group.cats = outCats;
}

/**
 * Merges the exact shapes of one event name whose keys never disagree on a value category into
 * one shape with optional slots (docs/flam.md section 7), so a block has about one shape per
 * name instead of one per combination of present keys. Largest shapes go first so they set the
 * groups the others join. Returns each exact shape's group and, per slot, its group position.
 */
function mergeShapes(open: readonly OpenShape[]) {
  const groups: Group[] = [];
  const byName = new Map<string, number[]>();
  const groupOf = new Int32Array(open.length);
  const order = open.map((_, i) => i).sort((a, b) => open[b]!.count - open[a]!.count || a - b);
  for (const i of order) {
    const sh = open[i]!;
    const candidates = byName.get(sh.name) ?? [];
    let g = -1;
    for (const c of candidates) {
      if (fits(groups[c]!, sh)) {
        g = c;
        break;
      }
    }
    if (g < 0) {
      g = groups.length;
      groups.push({
        name: sh.name,
        members: [],
        nameSid: sh.nameSid,
        keys: [],
        cats: [],
        minKeys: sh.keys.length,
      });
      byName.set(sh.name, [...candidates, g]);
    }
    const group = groups[g]!;
    group.minKeys = Math.min(group.minKeys, sh.keys.length);
    join(group, sh);
    group.members.push(i);
    groupOf[i] = g;
  }
  const base = new Int32Array(open.length + 1);
  for (let i = 0; i < open.length; i++) base[i + 1] = base[i]! + open[i]!.keys.length;
  const total = base[open.length]!;
  const slots: Slots = {
    base,
    pos: new Int32Array(total),
    off: new Int32Array(total),
    kind: new Int32Array(total),
    width: new Int32Array(total),
    param: new Int32Array(total),
    bit: new Int32Array(total),
  };
  for (let i = 0; i < open.length; i++) {
    const keys = open[i]!.keys;
    const groupKeys = groups[groupOf[i]!]!.keys;
    // Both key lists ascend: one merge-like walk finds every position.
    let p = 0;
    for (let j = 0; j < keys.length; j++) {
      while (groupKeys[p] !== keys[j]) p++;
      slots.pos[base[i]! + j] = p;
    }
  }
  return { groups, groupOf, slots };
}
