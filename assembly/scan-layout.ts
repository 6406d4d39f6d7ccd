// Layout of a scan in the arena: a header, then the selection mask and the projected columns
// (block-reader.ts `Column`), each padded to a multiple of 16 rows so that SIMD kernels run on
// whole vectors; padding rows are ABSENT and unselected.
//
// Column f of a scan with stride S (rows rounded up to 16):
//   tags  u8  at SC_TAGS + f * S
//   nums  f64 at SC_NUMS + f * S * 8
//   sids  u32 at SC_SIDS + f * S * 4
//
// A column the kernels never read is left unwritten until the column is asked for: the string
// ids of a field that is never a string, the numbers of a field that is never a number
// (kernels read a row's number only under tag NUMBER, its string id only under STRING/ARRAY).
// `completeColumn` zero-fills them; SC_FIELD_FLAGS records what each field has and needs.

export const SC_BLOCK: usize = 0; // block descriptor
export const SC_ROWS: usize = 4;
export const SC_FIELDS: usize = 8;
export const SC_STRIDE: usize = 12;
export const SC_MASK: usize = 16; // u8 per row: 0xFF selected, 0 not
export const SC_TAGS: usize = 20;
export const SC_NUMS: usize = 24;
export const SC_SIDS: usize = 28;
export const SC_FIELD_FLAGS: usize = 32; // u32 per field (project.ts F_* bits)
export const SCAN_HEADER: usize = 48;

/** Value tags (block-reader.ts `Tag`). */
export const TAG_ABSENT: u8 = 0;
export const TAG_NULL: u8 = 1;
export const TAG_BOOL: u8 = 2;
export const TAG_NUMBER: u8 = 3;
export const TAG_STRING: u8 = 4;
export const TAG_ARRAY: u8 = 5;

/** System fields addressed by negative field ids (event.ts `SystemField`). */
export const FIELD_VISITOR: i32 = -2;
export const FIELD_NAME: i32 = -3;
export const FIELD_TIME: i32 = -4;
export const FIELD_RECEIVED_AT: i32 = -5;

@inline export function scanTags(scan: usize, f: u32): usize {
  return <usize>load<u32>(scan, SC_TAGS) + <usize>f * <usize>load<u32>(scan, SC_STRIDE);
}

@inline export function scanNums(scan: usize, f: u32): usize {
  return <usize>load<u32>(scan, SC_NUMS) + ((<usize>f * <usize>load<u32>(scan, SC_STRIDE)) << 3);
}

@inline export function scanSids(scan: usize, f: u32): usize {
  return <usize>load<u32>(scan, SC_SIDS) + ((<usize>f * <usize>load<u32>(scan, SC_STRIDE)) << 2);
}
