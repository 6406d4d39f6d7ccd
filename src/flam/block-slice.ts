/**
 * The records `[from, recCount)` of an open block as an open block of their own: what lets the
 * commit log keep one builder for its whole tail, encode each append's segment from it, and seal
 * the tail without appending (validating, hashing, shaping) every event a second time.
 *
 * Keys, strings and shapes keep their relative order (ids are renumbered by rank among the used
 * ones), so each shape's keys stay ascending and dictionary ties still break in first-use order
 * of the whole builder; use counts are those of the slice.
 */
import { Cat, type OpenBlock, type OpenShape } from "./block-writer.ts";

/**
 * @example
 * writeBlock(sliceBlock(open, 500)) // a block of the records appended after the first 500
 */
export function sliceBlock(b: OpenBlock, from: number): OpenBlock {
  const { recShape, recOff, vals, shapes } = b;
  const to = b.recCount;
  const keyFreq = new Int32Array(b.keyText.length);
  const strFreq = new Int32Array(b.strText.length);
  const shapeCount = new Int32Array(shapes.length);
  for (let r = from; r < to; r++) {
    const sh = shapes[recShape[r]!]!;
    shapeCount[recShape[r]!]!++;
    strFreq[b.recId[r]!]!++;
    strFreq[b.recVisitor[r]!]!++;
    strFreq[sh.nameSid]!++;
    const off = recOff[r]!;
    for (let j = 0; j < sh.keys.length; j++) {
      keyFreq[sh.keys[j]!]!++;
      const cat = sh.cats[j]!;
      if (cat === Cat.STR || cat === Cat.ARR) strFreq[vals[off + j]!]!++;
    }
  }
  const keyNew = rank(keyFreq);
  const strNew = rank(strFreq);
  const shapeNew = rank(shapeCount);

  const out: OpenBlock = {
    recCount: to - from,
    recShape: [],
    recOff: [],
    recId: [],
    recVisitor: [],
    recTime: b.recTime.slice(from, to),
    recReceived: b.recReceived.slice(from, to),
    vals: vals.slice(from < to ? recOff[from]! : 0, b.valCount),
    valCount: 0,
    keyNs: [],
    keyText: [],
    keyFreq: [],
    strText: [],
    strFreq: [],
    strLen: [],
    shapes: [],
  };
  out.valCount = out.vals.length;
  for (let k = 0; k < keyFreq.length; k++)
    if (keyFreq[k]! > 0) {
      out.keyNs.push(b.keyNs[k]!);
      out.keyText.push(b.keyText[k]!);
      out.keyFreq.push(keyFreq[k]!);
    }
  for (let s = 0; s < strFreq.length; s++)
    if (strFreq[s]! > 0) {
      out.strText.push(b.strText[s]!);
      out.strFreq.push(strFreq[s]!);
      out.strLen.push(b.strLen[s]!);
    }
  for (let s = 0; s < shapes.length; s++)
    if (shapeCount[s]! > 0) {
      const sh = shapes[s]!;
      const shape: OpenShape = {
        name: sh.name,
        nameSid: strNew[sh.nameSid]!,
        keys: sh.keys.map((k) => keyNew[k]!),
        cats: sh.cats,
        count: shapeCount[s]!,
      };
      out.shapes.push(shape);
    }
  const base = from < to ? recOff[from]! : 0;
  for (let r = from; r < to; r++) {
    const sh = shapes[recShape[r]!]!;
    const off = recOff[r]! - base;
    out.recShape.push(shapeNew[recShape[r]!]!);
    out.recOff.push(off);
    out.recId.push(strNew[b.recId[r]!]!);
    out.recVisitor.push(strNew[b.recVisitor[r]!]!);
    for (let j = 0; j < sh.keys.length; j++) {
      const cat = sh.cats[j]!;
      if (cat === Cat.STR || cat === Cat.ARR) out.vals[off + j] = strNew[out.vals[off + j]!]!;
    }
  }
  return out;
}

/** New ids for the used entries (count > 0), by rank in old-id order; -1 for unused ones. */
function rank(counts: Int32Array): Int32Array {
  const ids = new Int32Array(counts.length);
  let next = 0;
  for (let i = 0; i < counts.length; i++) ids[i] = counts[i]! > 0 ? next++ : -1;
  return ids;
}
