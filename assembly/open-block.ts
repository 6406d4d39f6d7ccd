// Opening a block: the checks of docs/flam.md §9, in its order, reporting the first failure;
// on success a descriptor in the arena that scans use without further checks.

import { arenaAlloc, arenaAllocZeroed, arenaMark, arenaRelease } from "./arena";
import {
  BAD_HEADER,
  BAD_LENGTH,
  BAD_MAGIC,
  CHECKSUM,
  LIMIT,
  OK,
  OUT_OF_MEMORY,
  TRUNCATED,
  UNSUPPORTED_VERSION,
  fail,
  failTruncated,
  resetError,
} from "./errors";
import { readKeys, readStrings } from "./dictionaries";
import {
  CHECKSUM_FROM,
  HEADER_SIZE,
  H_BLOCK_LENGTH,
  H_CHECKSUM,
  H_EVENT_COUNT,
  H_FLAGS,
  H_HEADER_SIZE,
  H_KEYS_OFFSET,
  H_KEY_COUNT,
  H_MAX_TIME,
  H_MIN_TIME,
  H_RECORDS_OFFSET,
  H_SHAPES_OFFSET,
  H_SHAPE_COUNT,
  H_STRINGS_OFFSET,
  H_STRING_COUNT,
  H_VERSION,
  MAGIC,
  MAX_BLOCK_LENGTH,
  MAX_EVENTS,
  MAX_KEYS,
  MAX_SAFE,
  MAX_SHAPES,
  MAX_STRINGS,
  VERSION,
} from "./format";
import {
  DESCRIPTOR_SIZE,
  D_BLOCK,
  D_EVENTS,
  D_GROUP_SLOTS,
  D_POSTING_STARTS,
  D_RECORD_INDEX,
  D_SHAPE_TABLE,
  SHAPE_SIZE,
  D_KEYS,
  D_LENGTH,
  D_MAX_TIME,
  D_MIN_TIME,
  D_RECORDS,
  D_SEED,
  D_SHAPES,
  D_SHAPE_ID_MASK,
  D_SHAPE_ID_WIDTH,
  D_STRINGS,
} from "./layout";
import { checkRecords } from "./records";
import { buildPostings, readShapes } from "./shapes";
import { xxh32 } from "./xxh32";

/**
 * Validates the block whose first `avail` bytes are at `p` and whose input was `total` bytes
 * long, and builds its descriptor. Returns the descriptor, or 0 with `errorCode` set (and the
 * arena released back to where it was).
 *
 * The binding copies at most MAX_BLOCK_LENGTH bytes: an input longer than that can only be
 * BAD_LENGTH or a header error, both decided by its first 16 bytes and `total`.
 */
export function openBlock(p: usize, avail: u32, total: u32, seed: u32): usize {
  resetError();
  let code = checkHeader(p, avail, total);
  if (code != OK) return 0;
  let mark = arenaMark();
  let d = buildDescriptor(p, seed);
  if (d == 0) arenaRelease(mark);
  return d;
}

/** §9 steps 1 to 7: the header fields a reader may check before trusting any count or offset. */
function checkHeader(p: usize, avail: u32, total: u32): i32 {
  // Step 1: any of the (up to 4) magic bytes present differs.
  for (let i: u32 = 0; i < min<u32>(total, 4); i++) {
    if (<u32>load<u8>(p + i) != ((MAGIC >> (i << 3)) & 0xff)) return failCode(BAD_MAGIC, i);
  }
  // Step 2: the version byte is present and is not 1.
  if (total > <u32>H_VERSION && load<u8>(p, H_VERSION) != VERSION) return failCode(UNSUPPORTED_VERSION, <u32>H_VERSION);
  // Step 3: fewer than 16 bytes are truncated, whatever they hold.
  if (total < CHECKSUM_FROM) {
    failTruncated(0, total);
    return TRUNCATED;
  }
  // Step 4: flags 0, headerSize 64.
  if (load<u8>(p, H_FLAGS) != 0) return failCode(BAD_HEADER, <u32>H_FLAGS);
  if (<u32>load<u16>(p, H_HEADER_SIZE) != HEADER_SIZE) return failCode(BAD_HEADER, <u32>H_HEADER_SIZE);
  // Step 5: 64 <= blockLength <= 16 MiB.
  let length = load<u32>(p, H_BLOCK_LENGTH);
  if (length < HEADER_SIZE || length > MAX_BLOCK_LENGTH) return failCode(BAD_LENGTH, <u32>H_BLOCK_LENGTH);
  // Step 6: exactly blockLength bytes.
  if (total < length) {
    failTruncated(length, total);
    return TRUNCATED;
  }
  if (total > length) return failCode(BAD_LENGTH, length);
  if (avail != total) return failCode(BAD_LENGTH, length); // unreachable: the binding copied it all
  // Step 7: xxHash32, seed 0, over [16, blockLength).
  let sum = xxh32(p + CHECKSUM_FROM, length - CHECKSUM_FROM, 0);
  if (sum != load<u32>(p, H_CHECKSUM)) return failCode(CHECKSUM, <u32>H_CHECKSUM);
  return OK;
}

/** §9 steps 8 and 9: counts, offsets, then every section in order. Returns 0 on failure. */
function buildDescriptor(p: usize, seed: u32): usize {
  let length = load<u32>(p, H_BLOCK_LENGTH);
  let events = load<u32>(p, H_EVENT_COUNT);
  let keys = load<u32>(p, H_KEY_COUNT);
  let strings = load<u32>(p, H_STRING_COUNT);
  let shapes = load<u32>(p, H_SHAPE_COUNT);
  let minTime = load<i64>(p, H_MIN_TIME);
  let maxTime = load<i64>(p, H_MAX_TIME);
  let keysOffset = load<u32>(p, H_KEYS_OFFSET);
  let stringsOffset = load<u32>(p, H_STRINGS_OFFSET);
  let shapesOffset = load<u32>(p, H_SHAPES_OFFSET);
  let recordsOffset = load<u32>(p, H_RECORDS_OFFSET);
  // Step 8, in this order: counts above the limits (LIMIT), times, empty-block rules, offsets.
  if (events > MAX_EVENTS) return fail(LIMIT, <u32>H_EVENT_COUNT);
  if (keys > MAX_KEYS) return fail(LIMIT, <u32>H_KEY_COUNT);
  if (strings > MAX_STRINGS) return fail(LIMIT, <u32>H_STRING_COUNT);
  if (shapes > MAX_SHAPES) return fail(LIMIT, <u32>H_SHAPE_COUNT);
  // Times are integers with |t| <= 2^53 - 1 and minTime <= maxTime (§2).
  if (minTime < -MAX_SAFE || minTime > MAX_SAFE) return fail(BAD_HEADER, <u32>H_MIN_TIME);
  if (maxTime < -MAX_SAFE || maxTime > MAX_SAFE) return fail(BAD_HEADER, <u32>H_MAX_TIME);
  if (minTime > maxTime) return fail(BAD_HEADER, <u32>H_MAX_TIME);
  // An empty block has no shapes and minTime = maxTime = 0; shapeCount is 0 only when empty.
  if (events == 0 && (shapes != 0 || minTime != 0 || maxTime != 0)) return fail(BAD_HEADER, <u32>H_EVENT_COUNT);
  if (events != 0 && shapes == 0) return fail(BAD_HEADER, <u32>H_SHAPE_COUNT);
  if (keysOffset != HEADER_SIZE) return fail(BAD_HEADER, <u32>H_KEYS_OFFSET);
  if (stringsOffset < keysOffset) return fail(BAD_HEADER, <u32>H_STRINGS_OFFSET);
  if (shapesOffset < stringsOffset) return fail(BAD_HEADER, <u32>H_SHAPES_OFFSET);
  if (recordsOffset < shapesOffset) return fail(BAD_HEADER, <u32>H_RECORDS_OFFSET);
  if (recordsOffset > length) return fail(BAD_HEADER, <u32>H_RECORDS_OFFSET);

  let d = arenaAlloc(DESCRIPTOR_SIZE);
  if (d == 0) return fail(OUT_OF_MEMORY, 0);
  let idWidth: u32 = shapes <= 256 ? 1 : 2;
  store<u32>(d, <u32>p, D_BLOCK);
  store<u32>(d, length, D_LENGTH);
  store<u32>(d, events, D_EVENTS);
  store<u32>(d, keys, D_KEYS);
  store<u32>(d, strings, D_STRINGS);
  store<u32>(d, shapes, D_SHAPES);
  store<i64>(d, minTime, D_MIN_TIME);
  store<i64>(d, maxTime, D_MAX_TIME);
  store<u32>(d, <u32>(p + recordsOffset), D_RECORDS);
  store<u32>(d, idWidth == 1 ? 0xff : 0xffff, D_SHAPE_ID_MASK);
  store<u32>(d, idWidth, D_SHAPE_ID_WIDTH);
  store<u32>(d, seed, D_SEED);

  // Step 9: each section parses to exactly the next section's offset.
  if (readKeys(d, p, p + keysOffset, p + stringsOffset, keys) != OK) return 0;
  if (readStrings(d, p, p + stringsOffset, p + shapesOffset, strings) != OK) return 0;
  // What stays with the block, sized before the shapes and records are read. Counts the header
  // claims but the bytes cannot hold fail while parsing, so tables are sized by the bytes: a
  // shape takes at least 6 bytes, a record at least 3 (shape id, time, receivedAt).
  let shapeRoom = min<u32>(shapes, (recordsOffset - shapesOffset) / 6 + 1);
  let recordRoom = min<u32>(events, (length - recordsOffset) / 3 + 1);
  let shapeTable = arenaAlloc(<usize>shapeRoom * SHAPE_SIZE);
  let starts = arenaAllocZeroed((<usize>keys + 1) << 2);
  let index = arenaAlloc(<usize>recordRoom << 2);
  // Group slots for `aggregate`, zero between aggregates: one per string id, and one more for
  // rows whose group field is not a string.
  let groups = arenaAllocZeroed((<usize>strings + 1) << 2);
  if (shapeTable == 0 || starts == 0 || index == 0 || groups == 0) return fail(OUT_OF_MEMORY, 0);
  store<u32>(d, <u32>shapeTable, D_SHAPE_TABLE);
  store<u32>(d, <u32>starts, D_POSTING_STARTS);
  store<u32>(d, <u32>index, D_RECORD_INDEX);
  store<u32>(d, <u32>groups, D_GROUP_SLOTS);
  // Slots and checks are only needed until the postings are built: they go above, then away.
  let temp = arenaMark();
  if (readShapes(d, p, p + shapesOffset, p + recordsOffset, shapes, keys, strings, idWidth) != OK) return 0;
  if (checkRecords(d, p, p + recordsOffset, p + length, events) != OK) return 0;
  if (!buildPostings(d, temp)) return fail(OUT_OF_MEMORY, 0);
  return d;
}

@inline function failCode(code: i32, at: u32): i32 {
  fail(code, at);
  return code;
}
