/**
 * Reading an answer of `GET /v1/export` (src/edge/routes/export.ts): a 4-byte little-endian
 * length, that much JSON, then the blocks' bytes in order. Checked like any input: a length that
 * runs past the answer is an error, not a silent short read.
 */

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
  const head = JSON.parse(new TextDecoder().decode(buf.subarray(4, 4 + n))) as {
    cursor: string;
    more: boolean;
    blocks: (Omit<ExportBlock, "bytes"> & { length: number })[];
  };
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
