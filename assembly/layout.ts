// Layouts of what `openBlock` builds in the arena: the block descriptor, one entry per shape, the
// per-key postings that projections read, and, only while the block is being opened, one entry
// per slot and the per-shape list of record fields whose values need a range check.
// All fields are u32 unless noted; pointers are absolute addresses in linear memory.

// Block descriptor.
export const D_BLOCK: usize = 0; // address of the block's first byte
export const D_LENGTH: usize = 4; // blockLength
export const D_EVENTS: usize = 8;
export const D_KEYS: usize = 12;
export const D_STRINGS: usize = 16;
export const D_SHAPES: usize = 20;
export const D_MIN_TIME: usize = 24; // i64
export const D_MAX_TIME: usize = 32; // i64
export const D_RECORDS: usize = 40; // address of the first record
export const D_STRING_ENTRIES: usize = 44; // text-index entries, one per string id
export const D_STRING_SLOTS: usize = 48;
export const D_STRING_MASK: usize = 52;
export const D_KEY_ENTRIES: usize = 56; // text-index entries, one per key id (length tag has ns << 16)
export const D_KEY_SLOTS: usize = 60;
export const D_KEY_MASK: usize = 64;
export const D_SHAPE_TABLE: usize = 68;
export const D_SHAPE_ID_MASK: usize = 72; // 0xFF when shape ids are u8, 0xFFFF when u16 (§8)
export const D_SHAPE_ID_WIDTH: usize = 76;
export const D_GROUP_SLOTS: usize = 80; // u32 per string id + 1 (non-strings), all 0 between aggregates
export const D_SEED: usize = 84; // hash seed of both indexes
// keyCount + 1 u32: the postings of key k are entries [starts[k], starts[k + 1]) of D_POSTINGS.
export const D_POSTING_STARTS: usize = 88;
// u32 per record: its address. Found while validating; it lets a scan read every record without
// the record-to-record dependency (shape id -> size -> next record) that would bound its speed.
export const D_RECORD_INDEX: usize = 92;
export const D_POSTINGS: usize = 96;
export const DESCRIPTOR_SIZE: usize = 112;

// Shape entry.
export const S_NAME: usize = 0; // string id of the event name
export const S_ID_ENC: usize = 4; // u8 encodings of the four system fields
export const S_VISITOR_ENC: usize = 5;
export const S_TIME_ENC: usize = 6;
export const S_RECEIVED_ENC: usize = 7;
export const S_ID_PARAM: usize = 8; // STR_CONST string id
export const S_VISITOR_PARAM: usize = 12;
export const S_ID_OFF: usize = 16; // offsets from the record start (the shape id included)
export const S_VISITOR_OFF: usize = 20;
export const S_TIME_OFF: usize = 24;
export const S_RECEIVED_OFF: usize = 28;
export const S_SLOT_COUNT: usize = 32;
export const S_SLOTS: usize = 36; // valid while opening only
export const S_SIZE: usize = 40; // record size, the shape id included
export const S_CHECKS: usize = 44; // valid while opening only
export const S_CHECK_COUNT: usize = 48;
export const S_OPT_COUNT: usize = 52; // optional slots (§7)
export const S_BITMAP_BYTES: usize = 56; // ceil(optionalCount / 8), after the shape id (§8)
export const SHAPE_SIZE: usize = 64;

// Slot entry, in key id order.
export const SL_KEY: usize = 0;
export const SL_ENC: usize = 4;
export const SL_PARAM: usize = 8; // DEC scale or STR_CONST string id
export const SL_OFF: usize = 12;
export const SL_OPT: usize = 16; // i32: index among the optional slots, -1 when required
export const SLOT_SIZE: usize = 20;

// Posting: one slot seen from its key. A key's postings are contiguous and in shape order, so a
// projection visits only the shapes that have the key, reading memory in order.
export const P_SHAPE: usize = 0; // u16
export const P_OPT: usize = 2; // u16: optional slot index, NO_OPT when required
export const P_ENC: usize = 4; // u8
export const P_PARAM: usize = 8;
export const P_OFF: usize = 12;
export const POSTING_SIZE: usize = 16;
export const NO_OPT: u16 = 0xffff;

// Check entry: a record field whose bytes can hold an out-of-range value (§6), or an optional
// slot whose bytes must be zero when it is absent (§8). Every check runs the same operations
// (records.ts), so that validating records of mixed shapes does not mispredict.
export const C_OFF: usize = 0; // value offset from the record start
export const C_PRESENCE: usize = 4; // bitmap byte offset | bit mask << 16, or C_REQUIRED
export const C_KIND: usize = 8; // CK_* bits: the value rule when present
export const C_MASK: usize = 16; // u64: the value's bytes in the record
export const CHECK_SIZE: usize = 24;
export const C_REQUIRED: u32 = 1 << 24;
export const CK_BOOL: u32 = 1; // 00 or 01
export const CK_INT53: u32 = 2; // 8-byte INT or DEC: |v| <= 2^53 - 1
export const CK_F64: u32 = 4; // finite
export const CK_ID: u32 = 8; // a string id < stringCount
