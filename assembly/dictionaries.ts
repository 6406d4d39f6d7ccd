// The key dictionary (docs/flam.md §4) and the string dictionary (§5): parsed, validated and
// indexed in one pass each. Both must end exactly where the next section starts (§1).

import { arenaAlloc, arenaAllocZeroed } from "./arena";
import { BAD_KEY, BAD_STRING, BAD_VARINT, OK, failWith, failOutOfMemory } from "./errors";
import { MAX_KEY_LENGTH, MAX_STRING_LENGTH } from "./format";
import { hashBytes } from "./hash";
import {
  D_KEY_ENTRIES,
  D_KEY_MASK,
  D_KEY_SLOTS,
  D_SEED,
  D_STRING_ENTRIES,
  D_STRING_MASK,
  D_STRING_SLOTS,
} from "./layout";
import { ENTRY_SIZE, indexCapacity, indexInsert, setEntry } from "./text-index";
import { validUtf8 } from "./utf8";
import { VARINT_CUT, readVarint, varintValue } from "./varint";

/**
 * Reads `count` keys from `[p, end)` into the descriptor `d`; returns an error code or OK.
 * `base` is the block start, for error offsets.
 */
export function readKeys(d: usize, base: usize, p: usize, end: usize, count: u32): i32 {
  // Every key takes at least 3 bytes, so a count the section cannot hold fails while parsing:
  // size the tables by what can be parsed, not by what the header claims.
  let room = min<u32>(count, <u32>(end - p) / 3 + 1);
  let cap = indexCapacity(room);
  let entries = arenaAlloc(<usize>room * ENTRY_SIZE);
  let slots = arenaAllocZeroed(<usize>cap << 2);
  if (entries == 0 || slots == 0) return failOutOfMemory();
  store<u32>(d, <u32>entries, D_KEY_ENTRIES);
  store<u32>(d, <u32>slots, D_KEY_SLOTS);
  store<u32>(d, cap - 1, D_KEY_MASK);
  let seed = load<u32>(d, D_SEED);
  for (let id: u32 = 0; id < count; id++) {
    let at = <u32>(p - base);
    // u8 namespace: 0 event property, 1 visitor property.
    if (p >= end) return failWith(BAD_KEY, at);
    let ns = <u32>load<u8>(p);
    if (ns > 1) return failWith(BAD_KEY, at);
    // varint byteLength 1..255, then the UTF-8 text.
    let q = readVarint(p + 1, end);
    if (q <= VARINT_CUT) return failWith(BAD_VARINT, at);
    let len = varintValue;
    if (len < 1 || len > MAX_KEY_LENGTH) return failWith(BAD_KEY, at);
    if (<usize>len > end - q) return failWith(BAD_KEY, at);
    if (!validUtf8(q, len)) return failWith(BAD_KEY, at);
    let lenTag = len | (ns << 16);
    setEntry(entries, id, q, lenTag);
    if (!indexInsert(slots, cap - 1, entries, id, hashBytes(q, len, ns, seed))) {
      return failWith(BAD_KEY, at); // a (namespace, text) pair appears at most once
    }
    p = q + len;
  }
  return p == end ? OK : failWith(BAD_KEY, <u32>(p - base));
}

/**
 * Reads `count` strings from `[p, end)` into the descriptor `d`; returns an error code or OK.
 *
 * Two passes, so that memory follows the strings the bytes really hold, not the header's count
 * (up to 2^24, which a hostile block could claim to make the reader allocate hundreds of MB):
 * the first checks every entry's form up to the first bad one; the second indexes the good ones,
 * which finds a repeated string before that bad entry, in order, as one pass would.
 */
export function readStrings(d: usize, base: usize, p: usize, end: usize, count: u32): i32 {
  // Pass 1: varint byteLength 0..65,535, then the UTF-8 text.
  let q = p;
  let good: u32 = 0;
  let failure = OK;
  let failureAt: u32 = 0;
  for (; good < count; good++) {
    let at = <u32>(q - base);
    let text = readVarint(q, end);
    if (text <= VARINT_CUT) {
      failure = BAD_VARINT;
      failureAt = at;
      break;
    }
    let len = varintValue;
    if (len > MAX_STRING_LENGTH || <usize>len > end - text || !validUtf8(text, len)) {
      failure = BAD_STRING;
      failureAt = at;
      break;
    }
    q = text + len;
  }
  // Pass 2: entries and the hash index of the well-formed strings; no text twice.
  let cap = indexCapacity(good);
  let entries = arenaAlloc(<usize>good * ENTRY_SIZE);
  let slots = arenaAllocZeroed(<usize>cap << 2);
  if (entries == 0 || slots == 0) return failOutOfMemory();
  store<u32>(d, <u32>entries, D_STRING_ENTRIES);
  store<u32>(d, <u32>slots, D_STRING_SLOTS);
  store<u32>(d, cap - 1, D_STRING_MASK);
  let seed = load<u32>(d, D_SEED);
  for (let id: u32 = 0; id < good; id++) {
    let at = <u32>(p - base);
    let text = readVarint(p, end);
    let len = varintValue;
    setEntry(entries, id, text, len);
    if (!indexInsert(slots, cap - 1, entries, id, hashBytes(text, len, 0, seed))) {
      return failWith(BAD_STRING, at); // every string value lives here exactly once
    }
    p = text + len;
  }
  if (failure != OK) return failWith(failure, failureAt);
  return p == end ? OK : failWith(BAD_STRING, <u32>(p - base));
}


