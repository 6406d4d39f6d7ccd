/** Limits of the definition language (docs/triggers.md, "Limits"). */

/** Characters of a trigger's or segment's name. */
export const MAX_NAME = 128;
/** Characters of an event name in `when.event` or `did`, and of a property name. */
export const MAX_FIELD = 255;
/** Levels of `all` / `any` / `not` / segment references in one definition (the root is level 1). */
export const MAX_DEPTH = 8;
/** Constraints (every node, referenced segments included) in one definition. */
export const MAX_CONSTRAINTS = 64;
/** Largest `atLeast` / `atMost` / `exactly` / `inARow`. */
export const MAX_COUNT = 1000;
/** Shortest and longest duration (`within`, `gap`, `atMostEvery`), in ms. */
export const MIN_DURATION_MS = 1000;
export const MAX_DURATION_MS = 400 * 86_400_000;
/** Actions of one trigger. */
export const MAX_ACTIONS = 10;
/** Bytes of an in-page payload as JSON text (UTF-8). */
export const MAX_PAYLOAD_BYTES = 4096;
/** Characters of a webhook URL and of its secret. */
export const MAX_URL = 2048;
export const MAX_SECRET = 256;
/** Properties one tag action sets, and characters of a string value. */
export const MAX_TAGS = 64;
export const MAX_TAG_STRING = 1024;
/** The visit gap of `oncePer: "visit"` when none is given. */
export const DEFAULT_VISIT_GAP_MS = 30 * 60_000;
