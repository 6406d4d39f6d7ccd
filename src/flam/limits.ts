/**
 * FlaM v1 limits (docs/flam.md section 10). Decoders enforce them on hostile input; the encoder
 * refuses events that would break them, so every block it writes is readable.
 */
export const MAGIC = [0x46, 0x4c, 0x61, 0x4d] as const; // "FLaM"
export const VERSION = 1;
export const HEADER_SIZE = 64;
export const MAX_BLOCK_BYTES = 16 * 1024 * 1024;
export const MAX_EVENTS = 1 << 20;
export const MAX_KEYS = 65_536;
export const MAX_STRINGS = 1 << 24;
export const MAX_SHAPES = 65_536;
export const MAX_SLOTS = 1024;
/** Slots of all shapes of a block together: bounds what opening a block allocates for shapes. */
export const MAX_TOTAL_SLOTS = 262_144;
export const MAX_KEY_BYTES = 255;
export const MAX_STRING_BYTES = 65_535;
export const MAX_SCALE = 15;
