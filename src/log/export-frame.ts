/**
 * The body of a `GET /v1/export` answer (src/edge/routes/export.ts), written by the edge and read
 * by the browser's log cache (src/client/cache): a 4-byte little-endian length, that much JSON
 * (the cursor, whether more follows, and each block's metadata with its byte `length`), then the
 * blocks' bytes in order. Read like any input: a length that runs past the answer is an error, not
 * a silent short read.
 */

/** The JSON head of an answer, as written: block metadata with each block's byte length. */
export interface ExportHead {
  cursor: string;
  more: boolean;
  blocks: (Omit<ExportBlock, "bytes"> & { length: number })[];
}

/**
 * Frames an answer: `parts` are the blocks' bytes, in the order of `head.blocks`.
 *
 * @example
 * frameExport({ cursor: "c", more: false, blocks: [{ ...meta, length: b.length }] }, [b])
 */
export function frameExport(
  head: ExportHead,
  parts: readonly Uint8Array[],
): Uint8Array<ArrayBuffer> {
  const json = new TextEncoder().encode(JSON.stringify(head));
  const out = new Uint8Array(4 + json.length + parts.reduce((s, p) => s + p.length, 0));
  new DataView(out.buffer).setUint32(0, json.length, true);
  out.set(json, 4);
  let at = 4 + json.length;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export interface ExportBlock {
  partition: string;
  sealed: boolean;
  first: number;
  count: number;
  minTime: number;
  maxTime: number;
  bytes: Uint8Array;
}

export interface ExportPage {
  cursor: string;
  more: boolean;
  blocks: ExportBlock[];
}

export function readExport(buf: Uint8Array): ExportPage {
  if (buf.length < 4) throw new Error("export answer is shorter than its header");
  const n = new DataView(buf.buffer, buf.byteOffset, buf.byteLength).getUint32(0, true);
  if (4 + n > buf.length) throw new Error("export answer's header runs past its end");
  const head = JSON.parse(new TextDecoder().decode(buf.subarray(4, 4 + n))) as ExportHead;
  let at = 4 + n;
  const blocks = head.blocks.map(({ length, ...meta }) => {
    if (at + length > buf.length) throw new Error("export answer ends inside a block");
    const bytes = buf.slice(at, at + length);
    at += length;
    return { ...meta, bytes };
  });
  if (at !== buf.length) throw new Error("export answer has bytes after its last block");
  return { cursor: head.cursor, more: head.more, blocks };
}
