// One bump arena over linear memory, shared by opened blocks, their descriptors and scans.
//
// Why a bump arena: a scan allocates columns, uses them, and releases them in LIFO order, so
// `mark`/`release` reuse the same (already touched) pages for every block of a query; first
// touch of freshly grown memory is the slow part. `memory.grow` detaches every JS view of the
// buffer: the binding re-creates its views after any call that may allocate.

/** Bytes past every allocation that loads may over-read (8-byte field loads at a record's end). */
export const SLACK: usize = 16;

const PAGE_BITS: usize = 16;
const BASE: usize = (__heap_base + 15) & ~(15 as usize);

let top: usize = BASE;

/** Current top, to `release` back to later. */
@inline export function arenaMark(): usize {
  return top;
}

/** Frees everything allocated since `mark`. */
@inline export function arenaRelease(mark: usize): void {
  top = mark;
}

/** Frees everything: every block, descriptor and scan. */
export function arenaReset(): void {
  top = BASE;
}

/** Makes `[top, top + size + SLACK)` addressable, growing memory if needed; false when it cannot. */
export function arenaEnsure(size: usize): bool {
  let end = top + size + SLACK;
  if (end < top) return false; // wrapped around: more than 4 GiB
  let have = (<usize>memory.size()) << PAGE_BITS;
  if (end <= have) return true;
  let pages = ((end - have + 0xffff) >> PAGE_BITS) as i32;
  // Grow at least by a quarter of the current size so that a growing arena grows rarely.
  let quarter = (memory.size() >> 2) as i32;
  if (memory.grow(max(pages, quarter)) >= 0) return true;
  return memory.grow(pages) >= 0;
}

/** Allocates `size` bytes aligned to 16, or returns 0 when memory cannot grow. Not zeroed. */
export function arenaAlloc(size: usize): usize {
  if (!arenaEnsure(size)) return 0;
  let ptr = top;
  top = (top + size + 15) & ~(15 as usize);
  return ptr;
}

/** Like `arenaAlloc`, zero-filled. */
export function arenaAllocZeroed(size: usize): usize {
  let ptr = arenaAlloc(size);
  if (ptr != 0) memory.fill(ptr, 0, size);
  return ptr;
}
