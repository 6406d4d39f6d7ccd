/**
 * Page cursors of `visitors` and `rawEvents` lists: opaque to clients (base64url of a small
 * JSON object), checked like any other input when they come back.
 */
import { invalid } from "./errors.ts";
import type { ListCursor, ListQuery } from "./query.ts";

/** The cursor of a page's last entry. */
export function encodeCursor(c: ListCursor): string {
  const json = "visitor" in c ? { v: c.visitor } : { t: c.time, i: c.id };
  const bytes = new TextEncoder().encode(JSON.stringify(json));
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/** @throws {QueryError} when the text is not a cursor of this kind of list. */
export function decodeCursor(value: unknown, from: ListQuery["from"], path: string): ListCursor {
  const bad = () => invalid(path, `is not a cursor of a ${from} list (pass the answer's "next")`);
  if (typeof value !== "string" || value.length > 100_000 || !/^[A-Za-z0-9_-]+$/.test(value))
    throw bad();
  let json: unknown;
  try {
    const bin = atob(value.replaceAll("-", "+").replaceAll("_", "/"));
    json = JSON.parse(
      new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(
        Uint8Array.from(bin, (ch) => ch.charCodeAt(0)),
      ),
    );
  } catch {
    throw bad();
  }
  const o = json as Record<string, unknown> | null;
  if (from === "visitors" && typeof o?.v === "string") return { visitor: o.v };
  if (
    from === "rawEvents" &&
    typeof o?.t === "number" &&
    Number.isFinite(o.t) &&
    typeof o.i === "string"
  )
    return { time: o.t, id: o.i };
  throw bad();
}
