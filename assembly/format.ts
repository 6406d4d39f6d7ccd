// The FlaM v1 byte layout: header offsets (docs/flam.md §2), value encodings (§6) and limits (§10).

// §2 header
export const HEADER_SIZE: u32 = 64;
export const MAGIC: u32 = 0x4d614c46; // bytes 46 4C 61 4D ("FLaM") read as a little-endian u32
export const VERSION: u8 = 1;
export const H_VERSION: usize = 4;
export const H_FLAGS: usize = 5;
export const H_HEADER_SIZE: usize = 6;
export const H_BLOCK_LENGTH: usize = 8;
export const H_CHECKSUM: usize = 12;
export const H_EVENT_COUNT: usize = 16;
export const H_KEY_COUNT: usize = 20;
export const H_STRING_COUNT: usize = 24;
export const H_SHAPE_COUNT: usize = 28;
export const H_MIN_TIME: usize = 32;
export const H_MAX_TIME: usize = 40;
export const H_KEYS_OFFSET: usize = 48;
export const H_STRINGS_OFFSET: usize = 52;
export const H_SHAPES_OFFSET: usize = 56;
export const H_RECORDS_OFFSET: usize = 60;
/** The checksum covers `[CHECKSUM_FROM, blockLength)`. */
export const CHECKSUM_FROM: u32 = 16;

// §10 limits
export const MAX_BLOCK_LENGTH: u32 = 16 << 20;
export const MAX_EVENTS: u32 = 1 << 20;
export const MAX_KEYS: u32 = 65536;
export const MAX_STRINGS: u32 = 1 << 24;
export const MAX_SHAPES: u32 = 65536;
export const MAX_SLOTS: u32 = 1024;
/** Slots of all shapes together: bounds what opening a block allocates for shapes. */
export const MAX_TOTAL_SLOTS: u32 = 262144;
export const MAX_KEY_LENGTH: u32 = 255;
export const MAX_STRING_LENGTH: u32 = 65535;
export const MAX_SCALE: u32 = 15;
/** Largest magnitude of integers, times and decimal mantissas: 2^53 - 1. */
export const MAX_SAFE: i64 = 9007199254740991;

// §6 encodings: the high nibble is the family, the low nibble the width in bytes.
export const ENC_NULL: u8 = 0x00;
export const ENC_FALSE: u8 = 0x01;
export const ENC_TRUE: u8 = 0x02;
export const ENC_BOOL: u8 = 0x03;
export const FAMILY_INT: u8 = 0x10;
export const FAMILY_DEC: u8 = 0x20;
export const ENC_F64: u8 = 0x30;
export const ENC_STR_CONST: u8 = 0x40;
export const FAMILY_STR: u8 = 0x40;
export const ENC_UUID: u8 = 0x50;
export const FAMILY_JSON: u8 = 0x60;
export const FAMILY_UINT: u8 = 0x70;
/** Bit of a slot's encoding byte marking an OPTIONAL slot (§7); the rest is the encoding. */
export const OPTIONAL: u8 = 0x80;

/** Key namespaces (§4). */
export const NS_EVENT: u8 = 0;
export const NS_VISITOR: u8 = 1;

/** Exactly representable powers of ten 10^0..10^15 for DEC decoding: `m / POW10[scale]`. */
export const POW10: usize = memory.data<f64>([
  1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
]);
