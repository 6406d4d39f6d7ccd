// Open-addressing hash index over a dictionary (docs/flam.md §4, §5). Built once when a block is
// opened, it both rejects duplicates and answers `stringId` / `keyId` in O(1).
//
// Entries live in a table of ENTRY_SIZE bytes per id: the text's address and a "length tag"
// (the byte length, plus the key namespace << 16 for keys), so one u32 compare rejects texts of
// another length or namespace before any byte compare. Slots hold id + 1 (0 is empty); linear
// probing over a power-of-two table at most half full.

export const ENTRY_SIZE: usize = 8;
const E_TEXT: usize = 0;
const E_LENTAG: usize = 4;

/** Slot count for `n` ids: a power of two >= 2n, at least 16. */
export function indexCapacity(n: u32): u32 {
  let want = max<u32>(n << 1, 16);
  return 1 << (32 - clz<u32>(want - 1));
}

@inline export function entryText(entries: usize, id: u32): usize {
  return <usize>load<u32>(entries + <usize>id * ENTRY_SIZE, E_TEXT);
}

@inline export function entryLenTag(entries: usize, id: u32): u32 {
  return load<u32>(entries + <usize>id * ENTRY_SIZE, E_LENTAG);
}

@inline export function setEntry(entries: usize, id: u32, text: usize, lenTag: u32): void {
  let e = entries + <usize>id * ENTRY_SIZE;
  store<u32>(e, <u32>text, E_TEXT);
  store<u32>(e, lenTag, E_LENTAG);
}

/**
 * Finds the id whose text is `[text, text + len)` with this length tag, or -1.
 * `slots` has `mask + 1` u32 slots.
 */
export function indexFind(
  slots: usize,
  mask: u32,
  entries: usize,
  text: usize,
  lenTag: u32,
  hash: u32,
): i32 {
  let len = <usize>(lenTag & 0xffff);
  let i = hash & mask;
  while (true) {
    let v = load<u32>(slots + (<usize>i << 2));
    if (v == 0) return -1;
    let id = v - 1;
    if (entryLenTag(entries, id) == lenTag && memory.compare(entryText(entries, id), text, len) == 0) {
      return <i32>id;
    }
    i = (i + 1) & mask;
  }
  return -1;
}

/** Inserts `id` (its entry already set); false when an equal text is already there. */
export function indexInsert(slots: usize, mask: u32, entries: usize, id: u32, hash: u32): bool {
  let lenTag = entryLenTag(entries, id);
  let text = entryText(entries, id);
  let len = <usize>(lenTag & 0xffff);
  let i = hash & mask;
  while (true) {
    let slot = slots + (<usize>i << 2);
    let v = load<u32>(slot);
    if (v == 0) {
      store<u32>(slot, id + 1);
      return true;
    }
    let other = v - 1;
    if (entryLenTag(entries, other) == lenTag && memory.compare(entryText(entries, other), text, len) == 0) {
      return false;
    }
    i = (i + 1) & mask;
  }
  return false;
}
