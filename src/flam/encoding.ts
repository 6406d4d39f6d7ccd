/**
 * Value encodings of FlaM v1 (docs/flam.md section 6). The low nibble of a sized encoding is its
 * width in bytes, which is why the codes are spaced as they are.
 */
export const Enc = {
  NULL: 0x00,
  FALSE: 0x01,
  TRUE: 0x02,
  BOOL: 0x03,
  INT: 0x10, // | width 1, 2, 4, 8
  DEC: 0x20, // | width; shape param: u8 scale
  F64: 0x30,
  STR_CONST: 0x40, // shape param: varint string id
  STR: 0x40, // | width 1, 2, 4
  UUID: 0x50,
  JSON: 0x60, // | width 1, 2, 4
  UINT: 0x70, // | width 1, 2, 4, 8
} as const;

/** Record bytes taken by an encoding, or -1 if the code is not a v1 encoding. */
export function encWidth(enc: number): number {
  switch (enc) {
    case 0x00:
    case 0x01:
    case 0x02:
    case 0x40:
      return 0;
    case 0x03:
      return 1;
    case 0x30:
      return 8;
    case 0x50:
      return 16;
  }
  const family = enc & 0xf0;
  const w = enc & 0x0f;
  const sized = w === 1 || w === 2 || w === 4 || w === 8;
  if ((family === 0x10 || family === 0x20 || family === 0x70) && sized) return w;
  if ((family === 0x40 || family === 0x60) && sized && w !== 8) return w;
  return -1;
}

/** Exact powers of ten as doubles: `m / POW10[s]` is how DEC values decode, bit for bit. */
export const POW10: readonly number[] = Array.from({ length: 16 }, (_, i) => 10 ** i);

/** Smallest signed width (1, 2, 4, 8) holding every integer in [min, max]. */
export function intWidth(min: number, max: number): 1 | 2 | 4 | 8 {
  if (min >= -0x80 && max <= 0x7f) return 1;
  if (min >= -0x8000 && max <= 0x7fff) return 2;
  if (min >= -0x80000000 && max <= 0x7fffffff) return 4;
  return 8;
}

/** Smallest unsigned width (1, 2, 4, 8) holding every integer in [0, max]. */
export function uintWidth(max: number): 1 | 2 | 4 | 8 {
  if (max <= 0xff) return 1;
  if (max <= 0xffff) return 2;
  if (max <= 0xffffffff) return 4;
  return 8;
}
