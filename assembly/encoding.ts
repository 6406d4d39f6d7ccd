// Where each value encoding of docs/flam.md §6 may stand (§7) and how wide it is in a record.

import {
  ENC_BOOL,
  ENC_F64,
  ENC_FALSE,
  ENC_NULL,
  ENC_STR_CONST,
  ENC_TRUE,
  ENC_UUID,
  FAMILY_DEC,
  FAMILY_INT,
  FAMILY_JSON,
  FAMILY_STR,
  FAMILY_UINT,
} from "./format";

/** Where an encoding byte stands in a shape entry (§7). */
export const AT_ID: i32 = 0;
export const AT_VISITOR: i32 = 1;
export const AT_TIME: i32 = 2;
export const AT_RECEIVED: i32 = 3;
export const AT_SLOT: i32 = 4;

/** True when the low nibble is a width of 1, 2, 4 or 8 (8 only when `wide`). */
@inline function isWidth(w: u32, wide: bool): bool {
  return w == 1 || w == 2 || w == 4 || (wide && w == 8);
}

/** Record width in bytes of an encoding allowed at `at`, or -1 when it is not allowed there. */
export function encodingWidth(enc: u8, at: i32): i32 {
  let family = enc & 0xf0;
  let w = <u32>(enc & 0x0f);
  switch (at) {
    case AT_ID: {
      if (enc == ENC_STR_CONST) return 0;
      if (family == FAMILY_STR && isWidth(w, false)) return w;
      if (enc == ENC_UUID) return 16;
      return -1;
    }
    case AT_VISITOR: {
      if (enc == ENC_STR_CONST) return 0;
      if (family == FAMILY_STR && isWidth(w, false)) return w;
      return -1;
    }
    case AT_TIME: {
      return family == FAMILY_UINT && isWidth(w, true) ? w : -1;
    }
    case AT_RECEIVED: {
      return family == FAMILY_INT && isWidth(w, true) ? w : -1;
    }
  }
  // AT_SLOT: any encoding except UINT and UUID.
  if (enc == ENC_NULL || enc == ENC_FALSE || enc == ENC_TRUE) return 0;
  if (enc == ENC_BOOL) return 1;
  if (enc == ENC_F64) return 8;
  if (enc == ENC_STR_CONST) return 0;
  if ((family == FAMILY_INT || family == FAMILY_DEC) && isWidth(w, true)) return w;
  if ((family == FAMILY_STR || family == FAMILY_JSON) && isWidth(w, false)) return w;
  return -1;
}
