// Fixed-width little-endian integers of docs/flam.md §6: UINT/STR/JSON are unsigned, INT/DEC
// are two's complement. Widths are 1, 2, 4 or 8 bytes.

/** Unsigned integer of `width` bytes at `p`. */
@inline export function loadUnsigned(p: usize, width: u32): u64 {
  if (width == 1) return <u64>load<u8>(p);
  if (width == 2) return <u64>load<u16>(p);
  if (width == 4) return <u64>load<u32>(p);
  return load<u64>(p);
}

/** Two's complement integer of `width` bytes at `p`. */
@inline export function loadSigned(p: usize, width: u32): i64 {
  if (width == 1) return <i64>load<i8>(p);
  if (width == 2) return <i64>load<i16>(p);
  if (width == 4) return <i64>load<i32>(p);
  return load<i64>(p);
}
