/**
 * Event ids that are lowercase canonical UUIDs are stored as their 16 bytes (UUID encoding,
 * docs/flam.md section 6): 16 bytes instead of 37 in the string dictionary, and ids are unique,
 * so the dictionary would never share them.
 */
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** True for the exact lowercase form that the UUID encoding reproduces. */
export function isCanonicalUuid(s: string): boolean {
  return s.length === 36 && UUID_RE.test(s);
}

/** Writes the 16 bytes of a canonical UUID at `out[at]` (lowercase hex, as `isCanonicalUuid` checked). */
export function writeUuid(s: string, out: Uint8Array, at: number): void {
  for (let i = 0; i < 16; i++) {
    const p = POSITIONS[i]!;
    out[at + i] = (nibble(s.charCodeAt(p)) << 4) | nibble(s.charCodeAt(p + 1));
  }
}

/** '0'-'9' are 48-57, 'a'-'f' are 97-102. */
const nibble = (c: number): number => (c <= 57 ? c - 48 : c - 87);

const HEX_CODES = Array.from({ length: 16 }, (_, i) => "0123456789abcdef".charCodeAt(i));
const chars = new Array<number>(36).fill(45); // '-' stays at 8, 13, 18, 23
const POSITIONS = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34];

/** Reads 16 bytes as a lowercase canonical UUID, building one flat string (no concatenations). */
export function readUuid(bytes: Uint8Array, at: number): string {
  for (let i = 0; i < 16; i++) {
    const b = bytes[at + i]!;
    const p = POSITIONS[i]!;
    chars[p] = HEX_CODES[b >> 4]!;
    chars[p + 1] = HEX_CODES[b & 15]!;
  }
  return String.fromCharCode.apply(null, chars);
}
