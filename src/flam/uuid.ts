/**
 * Event ids that are lowercase canonical UUIDs are stored as their 16 bytes (UUID encoding,
 * docs/flam.md section 6): 16 bytes instead of 37 in the string dictionary, and ids are unique,
 * so the dictionary would never share them.
 */
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

/** True for the exact lowercase form that the UUID encoding reproduces. */
export function isCanonicalUuid(s: string): boolean {
  return s.length === 36 && UUID_RE.test(s);
}

/** Writes the 16 bytes of a canonical UUID at `out[at]`. */
export function writeUuid(s: string, out: Uint8Array, at: number): void {
  let j = 0;
  for (let i = 0; i < 16; i++) {
    if (s.charCodeAt(j) === 45) j++; // '-'
    out[at + i] = parseInt(s.slice(j, j + 2), 16);
    j += 2;
  }
}

/** Reads 16 bytes as a lowercase canonical UUID. */
export function readUuid(bytes: Uint8Array, at: number): string {
  let s = "";
  for (let i = 0; i < 16; i++) {
    if (i === 4 || i === 6 || i === 8 || i === 10) s += "-";
    s += HEX[bytes[at + i]!];
  }
  return s;
}
