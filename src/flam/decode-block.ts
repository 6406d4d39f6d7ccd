/**
 * The TypeScript reference decoder of FlaM v1 (docs/flam.md). It is written for clarity and
 * to be the oracle the WebAssembly decoder is checked against; it is also the full decoder
 * that rebuilds events as objects. `openBlock` validates the whole block once (section 9), so
 * projections and `events()` on the result need no further checks.
 */
import type { FlamEvent, PropertyValue } from "./event.ts";
import { SystemField } from "./event.ts";
import type { FullBlockReader, Scan } from "./block-reader.ts";
import { FlamCorruptError, type FlamCorruptCode } from "./errors.ts";
import { Enc, POW10, encWidth } from "./encoding.ts";
import { checkHeader, readHeader, readI64, type BlockHeader } from "./header.ts";
import { readUuid } from "./uuid.ts";
import { strictDecoder } from "./utf8.ts";
import { xxh32 } from "./xxh32.ts";
import { ReferenceScan } from "./reference-scan.ts";
import * as L from "./limits.ts";

/** One field of a shape: its encoding, parameter and offset within the record payload. */
export interface FieldLayout {
  /** The encoding, without the optional flag. */
  enc: number;
  param: number;
  /** Offset within the record payload (after the shape id and the bitmap). */
  offset: number;
  /** Index among the shape's optional slots, or -1 for a slot every record has. */
  opt: number;
}

/** A parsed shape. */
/** How `events()` rebuilds one shape's records, prepared once per shape. */
interface Decoders {
  slots: { ns: number; key: string; f: FieldLayout }[];
  /**
   * Objects holding every required key (in slot order) that records clone: a clone gets its
   * final hidden class at once, instead of growing key by key (which dominated decode time).
   */
  properties: Record<string, PropertyValue>;
  visitorProperties: Record<string, PropertyValue>;
}

export interface ShapeLayout {
  nameId: number;
  id: FieldLayout;
  visitor: FieldLayout;
  time: FieldLayout;
  received: FieldLayout;
  /** Property slots by key id. */
  slots: Map<number, FieldLayout>;
  keyIds: number[];
  /** Payload size (after the shape id and the bitmap). */
  size: number;
  optionalCount: number;
  bitmapBytes: number;
  /** Fields whose stored bytes can be out of range (width > 0, not UUID): what validation reads. */
  checks: FieldLayout[];
  /** Slots with their key text and namespace, built on the first `events()` call. */
  decoders?: Decoders;
}

const ID_ENCS = [0x40, 0x41, 0x42, 0x44, 0x50];
const VISITOR_ENCS = [0x40, 0x41, 0x42, 0x44];
const TIME_ENCS = [0x71, 0x72, 0x74, 0x78];
const RECEIVED_ENCS = [0x11, 0x12, 0x14, 0x18];
const isSlotEnc = (e: number) => encWidth(e) >= 0 && (e & 0xf0) !== Enc.UINT && e !== Enc.UUID;

/**
 * Opens (and fully validates) a block.
 *
 * @throws {FlamTruncatedError} the bytes end before the block does.
 * @throws {FlamCorruptError} anything else wrong, with the code of docs/flam.md section 9.
 * @example
 * const block = openBlock(bytes);
 * block.events()[0].name // "pageview"
 */
export function openBlock(bytes: Uint8Array): FullBlockReader {
  const h = readHeader(bytes);
  if (xxh32(bytes, 16, h.blockLength) !== h.checksum)
    throw new FlamCorruptError("CHECKSUM", "checksum does not match the block's bytes");
  checkHeader(h);
  return new ReferenceBlock(bytes, h);
}

/** A cursor over one section; running past the section's end is corrupt with the section's code. */
class Cursor {
  readonly bytes: Uint8Array;
  pos: number;
  readonly end: number;
  readonly code: FlamCorruptCode;
  constructor(bytes: Uint8Array, pos: number, end: number, code: FlamCorruptCode) {
    this.bytes = bytes;
    this.pos = pos;
    this.end = end;
    this.code = code;
  }

  byte(): number {
    if (this.pos >= this.end) throw new FlamCorruptError(this.code, "entry runs past its section");
    return this.bytes[this.pos++]!;
  }

  /** Unsigned LEB128 u32, minimal form (docs/flam.md section 3). */
  varint(): number {
    let x = 0;
    for (let i = 0; i < 5; i++) {
      if (this.pos >= this.end)
        throw new FlamCorruptError("BAD_VARINT", "varint runs past its section");
      const b = this.bytes[this.pos++]!;
      if (i === 4 && b > 0x0f) throw new FlamCorruptError("BAD_VARINT", "varint exceeds 32 bits");
      x += (b & 0x7f) * 2 ** (7 * i);
      if (b < 0x80) {
        if (b === 0 && i > 0)
          throw new FlamCorruptError("BAD_VARINT", "varint is not in its shortest form");
        return x;
      }
    }
    throw new FlamCorruptError("BAD_VARINT", "varint exceeds 32 bits");
  }

  text(max: number, min: number): string {
    const len = this.varint();
    if (len < min || len > max)
      throw new FlamCorruptError(this.code, `length ${len} is outside [${min}, ${max}]`);
    if (this.pos + len > this.end)
      throw new FlamCorruptError(this.code, "entry runs past its section");
    let s: string;
    // Short ASCII text (most keys and values) is cheaper to build than to hand to TextDecoder.
    if (len <= 32) {
      s = "";
      let i = this.pos;
      const end = this.pos + len;
      for (; i < end; i++) {
        const b = this.bytes[i]!;
        if (b >= 0x80) break;
        s += String.fromCharCode(b);
      }
      if (i === end) {
        this.pos = end;
        return s;
      }
    }
    try {
      s = strictDecoder.decode(this.bytes.subarray(this.pos, this.pos + len));
    } catch {
      throw new FlamCorruptError(this.code, "text is not valid UTF-8");
    }
    this.pos += len;
    return s;
  }
}

class ReferenceBlock implements FullBlockReader {
  readonly eventCount: number;
  readonly minTime: number;
  readonly maxTime: number;
  readonly byteLength: number;
  readonly keys: { ns: number; text: string }[] = [];
  readonly strings: string[] = [];
  readonly shapes: ShapeLayout[] = [];
  /** Shape id of each record and the offset of its payload. */
  readonly recShape: Uint16Array;
  readonly recOffset: Uint32Array;
  private readonly keyIndex = new Map<string, number>();
  private readonly stringIndex = new Map<string, number>();
  readonly view: DataView;
  readonly bytes: Uint8Array;

  constructor(bytes: Uint8Array, h: BlockHeader) {
    this.bytes = bytes;
    this.eventCount = h.eventCount;
    this.minTime = h.minTime;
    this.maxTime = h.maxTime;
    this.byteLength = h.blockLength;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.recShape = new Uint16Array(h.eventCount);
    this.recOffset = new Uint32Array(h.eventCount);
    this.parseKeys(h);
    this.parseStrings(h);
    this.parseShapes(h);
    this.parseRecords(h);
  }

  private parseKeys(h: BlockHeader): void {
    const c = new Cursor(this.bytes, h.keysOffset, h.stringsOffset, "BAD_KEY");
    for (let i = 0; i < h.keyCount; i++) {
      const ns = c.byte();
      if (ns > 1) throw new FlamCorruptError("BAD_KEY", `key ${i} has unknown namespace ${ns}`);
      const text = c.text(L.MAX_KEY_BYTES, 1);
      const k = ns + text;
      if (this.keyIndex.has(k))
        throw new FlamCorruptError("BAD_KEY", `key ${i} repeats an earlier key`);
      this.keyIndex.set(k, i);
      this.keys.push({ ns, text });
    }
    if (c.pos !== h.stringsOffset)
      throw new FlamCorruptError("BAD_KEY", "key dictionary does not end at the string dictionary");
  }

  private parseStrings(h: BlockHeader): void {
    const c = new Cursor(this.bytes, h.stringsOffset, h.shapesOffset, "BAD_STRING");
    for (let i = 0; i < h.stringCount; i++) {
      const s = c.text(L.MAX_STRING_BYTES, 0);
      if (this.stringIndex.has(s))
        throw new FlamCorruptError("BAD_STRING", `string ${i} repeats an earlier string`);
      this.stringIndex.set(s, i);
      this.strings.push(s);
    }
    if (c.pos !== h.shapesOffset)
      throw new FlamCorruptError("BAD_STRING", "string dictionary does not end at the shape table");
  }

  private parseShapes(h: BlockHeader): void {
    const c = new Cursor(this.bytes, h.shapesOffset, h.recordsOffset, "BAD_SHAPE");
    let offset = 0;
    let optional = 0;
    const field = (allowed: (e: number) => boolean, optionalAllowed = false): FieldLayout => {
      const byte = c.byte();
      const isOptional = optionalAllowed && byte >= 0x80;
      const enc = isOptional ? byte & 0x7f : byte;
      if (!allowed(enc))
        throw new FlamCorruptError(
          "BAD_SHAPE",
          `encoding 0x${enc.toString(16)} is not allowed here`,
        );
      let param = 0;
      if ((enc & 0xf0) === Enc.DEC) {
        param = c.byte();
        if (param < 1 || param > L.MAX_SCALE)
          throw new FlamCorruptError(
            "BAD_SHAPE",
            `decimal scale ${param} is outside [1, ${L.MAX_SCALE}]`,
          );
      } else if (enc === Enc.STR_CONST) {
        param = c.varint();
        if (param >= h.stringCount)
          throw new FlamCorruptError("BAD_SHAPE", `string id ${param} is out of range`);
      }
      const f = { enc, param, offset, opt: isOptional ? optional++ : -1 };
      offset += encWidth(enc);
      return f;
    };
    let totalSlots = 0;
    for (let s = 0; s < h.shapeCount; s++) {
      offset = 0;
      optional = 0;
      const nameId = c.varint();
      if (nameId >= h.stringCount)
        throw new FlamCorruptError("BAD_SHAPE", `name id ${nameId} is out of range`);
      const id = field((e) => ID_ENCS.includes(e));
      const visitor = field((e) => VISITOR_ENCS.includes(e));
      const time = field((e) => TIME_ENCS.includes(e));
      const received = field((e) => RECEIVED_ENCS.includes(e));
      const slotCount = c.varint();
      if (slotCount > L.MAX_SLOTS)
        throw new FlamCorruptError("BAD_SHAPE", `${slotCount} slots exceed ${L.MAX_SLOTS}`);
      totalSlots += slotCount;
      if (totalSlots > L.MAX_TOTAL_SLOTS)
        throw new FlamCorruptError(
          "LIMIT",
          `shapes hold more than ${L.MAX_TOTAL_SLOTS} slots together`,
        );
      const slots = new Map<number, FieldLayout>();
      const keyIds: number[] = [];
      let last = -1;
      for (let i = 0; i < slotCount; i++) {
        const key = c.varint();
        if (key >= h.keyCount || key <= last)
          throw new FlamCorruptError("BAD_SHAPE", `slot key ${key} is out of range or order`);
        last = key;
        slots.set(key, field(isSlotEnc, true));
        keyIds.push(key);
      }
      const checks = [id, visitor, time, received, ...slots.values()].filter((f) =>
        f.opt >= 0 ? encWidth(f.enc) > 0 : canBeOutOfRange(f.enc, h.stringCount),
      );
      const bitmapBytes = Math.ceil(optional / 8);
      this.shapes.push({
        nameId,
        id,
        visitor,
        time,
        received,
        slots,
        keyIds,
        size: offset,
        optionalCount: optional,
        bitmapBytes,
        checks,
      });
    }
    if (c.pos !== h.recordsOffset)
      throw new FlamCorruptError("BAD_SHAPE", "shape table does not end at the records");
  }

  private parseRecords(h: BlockHeader): void {
    const idWidth = h.shapeCount <= 256 ? 1 : 2;
    const span = h.maxTime - h.minTime;
    let pos = h.recordsOffset;
    const bad = (why: string) => new FlamCorruptError("BAD_RECORD", why);
    for (let i = 0; i < h.eventCount; i++) {
      if (pos + idWidth > h.blockLength) throw bad(`record ${i} runs past the block`);
      const s = idWidth === 1 ? this.bytes[pos]! : this.view.getUint16(pos, true);
      if (s >= h.shapeCount) throw bad(`record ${i} has shape ${s} of ${h.shapeCount}`);
      const shape = this.shapes[s]!;
      pos += idWidth;
      if (pos + shape.bitmapBytes + shape.size > h.blockLength)
        throw bad(`record ${i} runs past the block`);
      if (
        shape.bitmapBytes > 0 &&
        this.bytes[pos + shape.bitmapBytes - 1]! >>
          (shape.optionalCount - (shape.bitmapBytes - 1) * 8) !==
          0
      ) {
        throw bad(`record ${i} sets a bitmap bit past its shape's optional slots`);
      }
      pos += shape.bitmapBytes;
      this.recShape[i] = s;
      this.recOffset[i] = pos;
      for (const f of shape.checks) {
        if (!this.present(shape, f, pos)) {
          for (let b = 0; b < encWidth(f.enc); b++)
            if (this.bytes[pos + f.offset + b] !== 0)
              throw bad(`record ${i} has bytes in an absent slot`);
        } else if (Number.isNaN(this.raw(f, pos)))
          throw bad(`record ${i} holds a value out of range`);
      }
      const t = this.raw(shape.time, pos);
      if (t > span) throw bad(`record ${i} has a time past the block's maxTime`);
      if (!Number.isSafeInteger(h.minTime + t + this.raw(shape.received, pos)))
        throw bad(`record ${i} has receivedAt out of range`);
      pos += shape.size;
    }
    if (pos !== h.blockLength) throw bad("records do not end at the block's end");
  }

  /** Whether a slot of `shape` is present in the record whose payload starts at `recordOffset`. */
  present(shape: ShapeLayout, f: FieldLayout, recordOffset: number): boolean {
    return (
      f.opt < 0 ||
      (this.bytes[recordOffset - shape.bitmapBytes + (f.opt >> 3)]! & (1 << (f.opt & 7))) !== 0
    );
  }

  /**
   * The stored number of a field (string id, integer, unscaled decimal, 0/1, double), or NaN when
   * the stored bytes are out of range for the encoding. Fields of width 0 give their constant.
   */
  raw(f: FieldLayout, recordOffset: number): number {
    const at = recordOffset + f.offset;
    const v = this.view;
    const e = f.enc;
    switch (e) {
      case Enc.NULL:
      case Enc.FALSE:
        return 0;
      case Enc.TRUE:
        return 1;
      case Enc.STR_CONST:
        return f.param;
      case Enc.BOOL: {
        const b = v.getUint8(at);
        return b <= 1 ? b : NaN;
      }
      case Enc.F64: {
        const x = v.getFloat64(at, true);
        return Number.isFinite(x) ? x : NaN;
      }
      case Enc.UUID:
        return 0;
    }
    const w = e & 0x0f;
    const family = e & 0xf0;
    let x: number;
    if (family === Enc.INT || family === Enc.DEC) {
      x =
        w === 1
          ? v.getInt8(at)
          : w === 2
            ? v.getInt16(at, true)
            : w === 4
              ? v.getInt32(at, true)
              : readI64(v, at);
    } else {
      x =
        w === 1
          ? v.getUint8(at)
          : w === 2
            ? v.getUint16(at, true)
            : w === 4
              ? v.getUint32(at, true)
              : readU64(v, at);
      if ((family === Enc.STR || family === Enc.JSON) && x >= this.strings.length) return NaN;
    }
    return x;
  }

  /** The decoded value of a property field. */
  value(f: FieldLayout, recordOffset: number): PropertyValue {
    const e = f.enc;
    const at = recordOffset + f.offset;
    const v = this.view;
    // The common encodings, read directly (this is the full decoder's inner loop).
    switch (e) {
      case Enc.NULL:
        return null;
      case Enc.FALSE:
        return false;
      case Enc.TRUE:
        return true;
      case Enc.BOOL:
        return this.bytes[at] === 1;
      case Enc.F64:
        return v.getFloat64(at, true);
      case Enc.STR_CONST:
        return this.strings[f.param]!;
      case 0x41:
        return this.strings[this.bytes[at]!]!;
      case 0x42:
        return this.strings[v.getUint16(at, true)]!;
      case 0x11:
        return v.getInt8(at);
      case 0x12:
        return v.getInt16(at, true);
      case 0x14:
        return v.getInt32(at, true);
      case 0x21:
        return v.getInt8(at) / POW10[f.param]!;
      case 0x22:
        return v.getInt16(at, true) / POW10[f.param]!;
      case 0x24:
        return v.getInt32(at, true) / POW10[f.param]!;
    }
    const family = e & 0xf0;
    const x = this.raw(f, recordOffset);
    if (family === Enc.DEC) return x / POW10[f.param]!;
    if (family === Enc.STR) return this.strings[x]!;
    if (family === Enc.JSON) {
      try {
        const arr: unknown = JSON.parse(this.strings[x]!);
        if (Array.isArray(arr)) return arr as PropertyValue;
      } catch {
        // reported below: the dictionary text is not an array of JSON
      }
      throw new FlamCorruptError("BAD_RECORD", `array value (string ${x}) is not JSON array text`);
    }
    return x;
  }

  timeOf(i: number): number {
    return this.minTime + this.raw(this.shapes[this.recShape[i]!]!.time, this.recOffset[i]!);
  }

  keyId(text: string, namespace: 0 | 1 = 0): number {
    return this.keyIndex.get(namespace + text) ?? -1;
  }

  stringId(text: string): number {
    return this.stringIndex.get(text) ?? -1;
  }

  string(sid: number): string {
    const s = this.strings[sid];
    if (s === undefined) throw new RangeError(`string id ${sid} is out of range`);
    return s;
  }

  private decoders(shape: ShapeLayout): Decoders {
    const slots = shape.keyIds.map((k) => ({
      ns: this.keys[k]!.ns,
      key: this.keys[k]!.text,
      f: shape.slots.get(k)!,
    }));
    const properties: Record<string, PropertyValue> = {};
    const visitorProperties: Record<string, PropertyValue> = {};
    for (const d of slots) {
      if (d.f.opt < 0) define(d.ns === 0 ? properties : visitorProperties, d.key, null);
    }
    return { slots, properties, visitorProperties };
  }

  events(): FlamEvent[] {
    const out: FlamEvent[] = new Array(this.eventCount);
    for (let i = 0; i < this.eventCount; i++) out[i] = this.event(i);
    return out;
  }

  event(i: number): FlamEvent {
    if (!(Number.isInteger(i) && i >= 0 && i < this.eventCount))
      throw new RangeError(`record ${i} is out of range`);
    const shape = this.shapes[this.recShape[i]!]!;
    const at = this.recOffset[i]!;
    const time = this.minTime + this.raw(shape.time, at);
    const decoders = (shape.decoders ??= this.decoders(shape));
    const properties = { ...decoders.properties };
    const visitorProperties = { ...decoders.visitorProperties };
    for (const d of decoders.slots) {
      if (d.f.opt >= 0 && !this.present(shape, d.f, at)) continue;
      const target = d.ns === 0 ? properties : visitorProperties;
      if (d.key === "__proto__") define(target, d.key, this.value(d.f, at));
      else target[d.key] = this.value(d.f, at);
    }
    return {
      id:
        shape.id.enc === Enc.UUID
          ? readUuid(this.bytes, at + shape.id.offset)
          : this.strings[this.raw(shape.id, at)]!,
      visitor: this.strings[this.raw(shape.visitor, at)]!,
      name: this.strings[shape.nameId]!,
      time,
      receivedAt: time + this.raw(shape.received, at),
      properties,
      visitorProperties,
    };
  }

  scan(fields: readonly number[]): Scan {
    for (const f of fields) {
      const ok =
        f === SystemField.visitor ||
        f === SystemField.name ||
        f === SystemField.time ||
        f === SystemField.receivedAt ||
        (Number.isInteger(f) && f >= 0 && f < this.keys.length);
      if (!ok)
        throw new RangeError(
          `field ${f} is not a key id of this block or a projectable system field`,
        );
    }
    return new ReferenceScan(this, fields);
  }
}

/** Sets a property as data, so that a key named `__proto__` is stored rather than taken as the prototype. */
function define(target: Record<string, PropertyValue>, key: string, value: PropertyValue): void {
  Object.defineProperty(target, key, {
    value,
    writable: true,
    enumerable: true,
    configurable: true,
  });
}

/**
 * Whether some stored bytes of this encoding are invalid: a BOOL byte above 1, a non-finite F64,
 * an 8-byte integer beyond 2^53, or a string id past the dictionary. Narrower integers are
 * always valid, so validation skips them.
 */
function canBeOutOfRange(enc: number, stringCount: number): boolean {
  if (enc === Enc.BOOL || enc === Enc.F64) return true;
  const w = enc & 0x0f;
  const family = enc & 0xf0;
  if (family === Enc.STR || family === Enc.JSON) return w !== 0 && stringCount < 2 ** (8 * w);
  return (family === Enc.INT || family === Enc.DEC || family === Enc.UINT) && w === 8;
}

function readU64(v: DataView, at: number): number {
  const lo = v.getUint32(at, true);
  const hi = v.getUint32(at + 4, true);
  return hi >= 0x200000 ? NaN : hi * 2 ** 32 + lo;
}

export type { ReferenceBlock };
