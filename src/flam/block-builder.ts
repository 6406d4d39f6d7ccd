/**
 * The open block: events are appended (validated, counted into dictionaries and shapes) and then
 * sealed into an immutable FlaM v1 block (docs/flam.md). Widths and encodings are chosen at seal
 * time, when every value of every shape is known, which is what lets each shape have one fixed
 * record size with the narrowest widths.
 */
import type { FlamEvent, PropertyValue } from "./event.ts";
import { FlamEncodeError } from "./encode-error.ts";
import { Enc, POW10, encWidth, intWidth, uintWidth } from "./encoding.ts";
import { isCanonicalUuid, writeUuid } from "./uuid.ts";
import { encoder, utf8Length } from "./utf8.ts";
import { xxh32 } from "./xxh32.ts";
import * as L from "./limits.ts";

/** Value category: part of a shape's identity (a key holding a string and a number are two slots). */
const Cat = { NULL: 0, BOOL: 1, NUM: 2, STR: 3, ARR: 4 } as const;
type Cat = (typeof Cat)[keyof typeof Cat];

interface OpenShape {
  name: string;
  /** Temporary key ids, ascending, and each slot's category. */
  keys: number[];
  cats: Cat[];
  /** Indices of the records of this shape. */
  records: number[];
}

interface OpenRecord {
  event: FlamEvent;
  shape: number;
  /** Values in the order of the shape's temporary key ids; arrays already as JSON text. */
  values: (string | number | boolean | null)[];
}

/** Options of a builder. */
export interface BlockBuilderOptions {
  /** Refuse appends once the estimated sealed size passes this. Defaults to 16 MiB (the format limit). */
  maxBytes: number;
}

/**
 * Builds one block.
 *
 * @example
 * const b = new BlockBuilder();
 * b.append(event);           // throws FlamEncodeError and leaves the block unchanged if invalid
 * const bytes = b.seal();    // an immutable FlaM block; the builder is empty again
 */
export class BlockBuilder {
  private readonly maxBytes: number;
  private records: OpenRecord[] = [];
  /** Key ids by text, one map per namespace (0 properties, 1 visitor properties). */
  private keyIds: [Map<string, number>, Map<string, number>] = [new Map(), new Map()];
  private keyNs: number[] = [];
  private keyText: string[] = [];
  private keyFreq: number[] = [];
  private strFreq = new Map<string, number>();
  private shapeIds = new Map<string, number>();
  private shapes: OpenShape[] = [];
  private estimate = L.HEADER_SIZE;

  constructor(options: Readonly<Partial<BlockBuilderOptions>> = {}) {
    this.maxBytes = Math.min(options.maxBytes ?? L.MAX_BLOCK_BYTES, L.MAX_BLOCK_BYTES);
  }

  /** Events appended since the last seal. */
  get count(): number {
    return this.records.length;
  }

  /** An upper-bound estimate of the sealed size in bytes, for seal-by-size policies. */
  get byteEstimate(): number {
    return this.estimate;
  }

  /**
   * Validates and appends one event.
   *
   * @throws {FlamEncodeError} `INVALID` or `LIMIT` for a bad event, `FULL` when the block has no
   *   room left (seal it and append again); in every case the block is unchanged.
   */
  append(event: FlamEvent): void {
    checkEvent(event);
    if (this.records.length >= L.MAX_EVENTS) {
      throw new FlamEncodeError(
        "FULL",
        "block",
        `block holds the maximum of ${L.MAX_EVENTS} events`,
      );
    }
    // Collect slots: (namespace, key, value), sorted later by temporary key id.
    const slots: { ns: 0 | 1; key: string; value: string | number | boolean | null; cat: Cat }[] =
      [];
    collect(slots, 0, event.properties, "properties", this.keyIds[0], this.strFreq);
    collect(slots, 1, event.visitorProperties, "visitorProperties", this.keyIds[1], this.strFreq);
    if (slots.length > L.MAX_SLOTS) {
      throw new FlamEncodeError(
        "LIMIT",
        "properties",
        `an event carries at most ${L.MAX_SLOTS} properties, got ${slots.length}`,
      );
    }
    // Look everything up first and bound the dictionaries before mutating anything, so a
    // refused event leaves the block unchanged. Keys are looked up per namespace by the key
    // string itself: object keys are internalized, so these lookups hash nothing new.
    const n = slots.length;
    const kids = new Array<number>(n);
    let newKeys = 0;
    let newStrings = 0;
    // A true upper bound of what the event adds when sealed (widest encodings, longest varints),
    // so that a block sealed under `maxBytes` never exceeds it.
    // Absent optional slots after merging: up to MAX_ABSENT of 8 bytes, plus the bitmap.
    let addBytes = 40 + MAX_ABSENT * 8 + Math.ceil((n + MAX_ABSENT) / 8);
    for (let i = 0; i < n; i++) {
      const s = slots[i]!;
      addBytes += s.cat === Cat.NUM ? 8 : s.cat === Cat.STR || s.cat === Cat.ARR ? 4 : 1;
      const kid = this.keyIds[s.ns].get(s.key);
      kids[i] = kid ?? -1;
      if (kid === undefined) {
        newKeys++;
        addBytes += 3 + s.key.length * 3;
      }
      if (typeof s.value === "string" && !this.strFreq.has(s.value)) {
        newStrings++;
        addBytes += 3 + utf8Length(s.value);
      }
    }
    for (const s of [event.visitor, event.name, event.id]) {
      if (!this.strFreq.has(s)) {
        newStrings++;
        addBytes += 3 + utf8Length(s);
      }
    }
    if (this.keyText.length + newKeys > L.MAX_KEYS)
      throw new FlamEncodeError("FULL", "block", `block holds the maximum of ${L.MAX_KEYS} keys`);
    if (this.strFreq.size + newStrings > L.MAX_STRINGS)
      throw new FlamEncodeError(
        "FULL",
        "block",
        `block holds the maximum of ${L.MAX_STRINGS} strings`,
      );
    if (this.estimate + addBytes > this.maxBytes)
      throw new FlamEncodeError("FULL", "block", `block would pass ${this.maxBytes} bytes`);

    // The shape: slots ordered by temporary key id (insertion sort: events hold tens of keys,
    // usually already in order), identified by one flat string of (key id, category) codes.
    const order = new Array<number>(n);
    let nextKey = this.keyText.length; // new keys are numbered in slot order (see commit)
    for (let i = 0; i < n; i++) {
      const kid = kids[i]! >= 0 ? kids[i]! : nextKey++;
      kids[i] = kid;
      let j = i;
      while (j > 0 && kids[order[j - 1]!]! > kid) {
        order[j] = order[j - 1]!;
        j--;
      }
      order[j] = i;
    }
    const codes = new Array<number>(2 * n);
    for (let j = 0; j < n; j++) {
      const kid = kids[order[j]!]!;
      codes[2 * j] = kid & 0xffff;
      codes[2 * j + 1] = (kid >>> 16) * 8 + slots[order[j]!]!.cat;
    }
    const sig = `${event.name}\u0000${String.fromCharCode.apply(null, codes)}`;
    let shape = this.shapeIds.get(sig);
    if (shape === undefined && this.shapes.length >= L.MAX_SHAPES) {
      throw new FlamEncodeError(
        "FULL",
        "block",
        `block holds the maximum of ${L.MAX_SHAPES} shapes`,
      );
    }

    // Commit.
    for (let i = 0; i < n; i++) {
      const s = slots[i]!;
      if (kids[i]! >= this.keyText.length) {
        this.keyIds[s.ns].set(s.key, kids[i]!);
        this.keyNs.push(s.ns);
        this.keyText.push(s.key);
        this.keyFreq.push(0);
      }
      this.keyFreq[kids[i]!]!++;
    }
    if (shape === undefined) {
      shape = this.shapes.length;
      this.shapeIds.set(sig, shape);
      const keys = order.map((i) => kids[i]!);
      this.shapes.push({
        name: event.name,
        keys,
        cats: order.map((i) => slots[i]!.cat),
        records: [],
      });
      addBytes += 32 + n * 9;
    }
    const values = new Array<string | number | boolean | null>(n);
    for (let j = 0; j < n; j++) {
      const v = slots[order[j]!]!.value;
      values[j] = v;
      if (typeof v === "string") this.internString(v);
    }
    this.internString(event.name);
    this.internString(event.visitor);
    this.internString(event.id);
    this.shapes[shape]!.records.push(this.records.length);
    this.records.push({ event, shape, values });
    this.estimate += addBytes;
  }

  /**
   * Encodes the appended events as one immutable block and empties the builder.
   *
   * @example
   * const block = builder.seal(); // Uint8Array starting with "FLaM"
   */
  seal(): Uint8Array {
    const bytes = new Writer(this).write();
    this.records = [];
    this.keyIds = [new Map(), new Map()];
    this.keyNs = [];
    this.keyText = [];
    this.keyFreq = [];
    this.strFreq = new Map();
    this.shapeIds = new Map();
    this.shapes = [];
    this.estimate = L.HEADER_SIZE;
    return bytes;
  }

  private internString(s: string): void {
    this.strFreq.set(s, (this.strFreq.get(s) ?? 0) + 1);
  }

  /** @internal read by the writer */
  get state() {
    return {
      records: this.records,
      keyNs: this.keyNs,
      keyText: this.keyText,
      keyFreq: this.keyFreq,
      strFreq: this.strFreq,
      shapes: this.shapes,
    };
  }
}

/** Appends one event and seals: the one-shot form. */
export function encodeBlock(
  events: readonly FlamEvent[],
  options?: Readonly<Partial<BlockBuilderOptions>>,
): Uint8Array {
  const b = new BlockBuilder(options);
  for (const e of events) b.append(e);
  return b.seal();
}

// ---- validation -------------------------------------------------------------------------------

function checkText(v: unknown, field: string, min: number, max: number): asserts v is string {
  if (typeof v !== "string")
    throw new FlamEncodeError("INVALID", field, `must be a string, got ${typeOf(v)}`);
  if (!v.isWellFormed())
    throw new FlamEncodeError("INVALID", field, "is not well-formed Unicode (lone surrogate)");
  if (v.length < min) throw new FlamEncodeError("INVALID", field, "must not be empty");
  // UTF-8 takes at most 3 bytes per UTF-16 unit, so short strings need no exact count.
  if (v.length * 3 > max) {
    const bytes = utf8Length(v);
    if (bytes > max)
      throw new FlamEncodeError("LIMIT", field, `is ${bytes} bytes of UTF-8, the limit is ${max}`);
  }
}

function checkTime(v: unknown, field: string): void {
  // Non-negative keeps every offset and delta of a block within 2^53 (docs/flam.md section 6).
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0) {
    throw new FlamEncodeError(
      "INVALID",
      field,
      `must be an integer number of ms since the epoch, got ${typeOf(v)} ${String(v)}`,
    );
  }
}

function checkEvent(e: FlamEvent): void {
  if (typeof e !== "object" || e === null)
    throw new FlamEncodeError("INVALID", "event", "must be an object");
  checkText(e.id, "id", 1, L.MAX_STRING_BYTES);
  checkText(e.visitor, "visitor", 1, L.MAX_STRING_BYTES);
  checkText(e.name, "name", 1, L.MAX_STRING_BYTES);
  checkTime(e.time, "time");
  checkTime(e.receivedAt, "receivedAt");
}

function collect(
  out: { ns: 0 | 1; key: string; value: string | number | boolean | null; cat: Cat }[],
  ns: 0 | 1,
  map: Record<string, PropertyValue> | undefined,
  field: string,
  knownKeys: ReadonlyMap<string, number>,
  knownStrings: ReadonlyMap<string, number>,
): void {
  if (map === undefined) return;
  if (typeof map !== "object" || map === null || Array.isArray(map))
    throw new FlamEncodeError("INVALID", field, "must be an object");
  for (const key of Object.keys(map)) {
    // Keys and strings already in the block were checked when they entered it; the path is
    // built only for an error message.
    if (!knownKeys.has(key)) checkText(key, `${field}.${key} (key)`, 1, L.MAX_KEY_BYTES);
    const v = map[key];
    if (v === null) out.push({ ns, key, value: null, cat: Cat.NULL });
    else if (typeof v === "boolean") out.push({ ns, key, value: v, cat: Cat.BOOL });
    else if (typeof v === "number") {
      if (!Number.isFinite(v))
        throw new FlamEncodeError(
          "INVALID",
          `${field}.${key}`,
          `must be a finite number, got ${v}`,
        );
      out.push({ ns, key, value: v, cat: Cat.NUM });
    } else if (typeof v === "string") {
      if (!knownStrings.has(v)) checkText(v, `${field}.${key}`, 0, L.MAX_STRING_BYTES);
      out.push({ ns, key, value: v, cat: Cat.STR });
    } else if (Array.isArray(v)) {
      for (const item of v) {
        const ok =
          item === null ||
          typeof item === "boolean" ||
          typeof item === "string" ||
          (typeof item === "number" && Number.isFinite(item));
        if (!ok)
          throw new FlamEncodeError(
            "INVALID",
            `${field}.${key}`,
            "arrays may hold only strings, finite numbers, booleans and null",
          );
        if (typeof item === "string" && !item.isWellFormed())
          throw new FlamEncodeError(
            "INVALID",
            `${field}.${key}`,
            "is not well-formed Unicode (lone surrogate)",
          );
      }
      const json = JSON.stringify(v);
      checkText(json, `${field}.${key}`, 0, L.MAX_STRING_BYTES);
      out.push({ ns, key, value: json, cat: Cat.ARR });
    } else {
      throw new FlamEncodeError(
        "INVALID",
        `${field}.${key}`,
        `must be a string, number, boolean, null or array, got ${typeOf(v)} (flatten nested objects first)`,
      );
    }
  }
}

function typeOf(v: unknown): string {
  return v === null ? "null" : Array.isArray(v) ? "array" : typeof v;
}

// ---- sealing ----------------------------------------------------------------------------------

/** An encoding chosen for one field of one shape, with its shape-table parameter. */
interface Choice {
  enc: number;
  param: number;
}

class Writer {
  private readonly s: BlockBuilder["state"];
  private out!: Uint8Array;
  private view!: DataView;
  private pos = 0;
  private minTime = 0;
  private strId = new Map<string, number>();

  constructor(b: BlockBuilder) {
    this.s = b.state;
  }

  write(): Uint8Array {
    const { records, keyNs, keyText, keyFreq, strFreq } = this.s;
    const { shapes, recShape, recValues } = mergeShapes(this.s.shapes, records);
    // Frequent keys and strings get small ids, so their widths shrink.
    const keyOrder = keyText.map((_, i) => i).sort((a, b) => keyFreq[b]! - keyFreq[a]! || a - b);
    const keyFinal = new Array<number>(keyText.length);
    keyOrder.forEach((tmp, id) => (keyFinal[tmp] = id));
    const strings = [...strFreq.entries()].sort((a, b) => b[1] - a[1]).map(([s]) => s);
    // UUID ids would waste dictionary space; they go into records as 16 bytes instead.
    const uuidShapes = shapes.map((sh) =>
      sh.records.every((r) => isCanonicalUuid(records[r]!.event.id)),
    );
    const dict: string[] = [];
    const uuidOnly = new Set<string>();
    for (const sh of shapes.keys())
      if (uuidShapes[sh]) for (const r of shapes[sh]!.records) uuidOnly.add(records[r]!.event.id);
    records.forEach((r, i) => {
      if (!uuidShapes[recShape[i]!]) uuidOnly.delete(r.event.id);
    });
    for (const s of strings) {
      // A UUID id is kept in the dictionary if it is also used as a value or a name elsewhere.
      if (uuidOnly.has(s) && strFreq.get(s) === 1) continue;
      this.strId.set(s, dict.length);
      dict.push(s);
    }

    let minTime = Infinity;
    let maxTime = -Infinity;
    for (const r of records) {
      if (r.event.time < minTime) minTime = r.event.time;
      if (r.event.time > maxTime) maxTime = r.event.time;
    }
    if (records.length === 0) minTime = maxTime = 0;
    this.minTime = minTime;

    // Shapes: final slot order, encodings and record sizes.
    const plans = shapes.map((sh, i) => this.planShape(sh, keyFinal, uuidShapes[i]!, recValues));
    const shapeIdWidth = shapes.length <= 256 ? 1 : 2;

    const keyBytes = keyOrder.map((tmp) => encoder.encode(keyText[tmp]!));
    const strBytes = dict.map((s) => encoder.encode(s));
    let size = L.HEADER_SIZE;
    const keysOffset = size;
    for (const k of keyBytes) size += 1 + varintSize(k.length) + k.length;
    const stringsOffset = size;
    for (const s of strBytes) size += varintSize(s.length) + s.length;
    const shapesOffset = size;
    const shapeTable = plans.map((p) => p.table);
    for (const t of shapeTable) size += t.length;
    const recordsOffset = size;
    for (const p of plans) size += p.records.length * (shapeIdWidth + p.recordSize);
    if (size > L.MAX_BLOCK_BYTES)
      throw new FlamEncodeError(
        "FULL",
        "block",
        `sealed block would be ${size} bytes, the limit is ${L.MAX_BLOCK_BYTES}`,
      );

    this.out = new Uint8Array(size);
    this.view = new DataView(this.out.buffer);
    const v = this.view;
    this.out.set(L.MAGIC, 0);
    v.setUint8(4, L.VERSION);
    v.setUint16(6, L.HEADER_SIZE, true);
    v.setUint32(8, size, true);
    v.setUint32(16, records.length, true);
    v.setUint32(20, keyText.length, true);
    v.setUint32(24, dict.length, true);
    v.setUint32(28, shapes.length, true);
    this.i64(32, minTime);
    this.i64(40, maxTime);
    v.setUint32(48, keysOffset, true);
    v.setUint32(52, stringsOffset, true);
    v.setUint32(56, shapesOffset, true);
    v.setUint32(60, recordsOffset, true);

    this.pos = keysOffset;
    keyOrder.forEach((tmp, id) => {
      const k = keyBytes[id]!;
      this.out[this.pos++] = keyNs[tmp]!;
      this.varint(k.length);
      this.out.set(k, this.pos);
      this.pos += k.length;
    });
    for (const s of strBytes) {
      this.varint(s.length);
      this.out.set(s, this.pos);
      this.pos += s.length;
    }
    for (const t of shapeTable) {
      this.out.set(t, this.pos);
      this.pos += t.length;
    }
    records.forEach((r, ri) => {
      const shape = recShape[ri]!;
      const values = recValues[ri]!;
      const p = plans[shape]!;
      if (shapeIdWidth === 1) this.out[this.pos++] = shape;
      else {
        v.setUint16(this.pos, shape, true);
        this.pos += 2;
      }
      // Presence bitmap of the optional slots (docs/flam.md section 8).
      const bitmap = this.pos;
      this.pos += p.bitmapBytes;
      const e = r.event;
      this.value(p.id, e.id);
      this.value(p.visitor, e.visitor);
      this.value(p.time, e.time - minTime);
      this.value(p.received, e.receivedAt - e.time);
      let k = 0;
      for (let i = 0; i < p.slots.length; i++) {
        const x = values[p.perm[i]!];
        const c = p.slots[i]!;
        if (p.optional[i]) {
          if (x !== undefined) this.out[bitmap + (k >> 3)]! |= 1 << (k & 7);
          k++;
        }
        if (x === undefined)
          this.pos += encWidth(c.enc); // absent: zero bytes, already zero
        else this.value(c, x);
      }
    });
    v.setUint32(12, xxh32(this.out, 16, size), true);
    return this.out;
  }

  private planShape(sh: OpenShape, keyFinal: number[], uuid: boolean, recValues: Values[]) {
    const { records } = this.s;
    const recs = sh.records.map((i) => records[i]!);
    const vals = sh.records.map((i) => recValues[i]!);
    const finalKeys = sh.keys.map((k) => keyFinal[k]!);
    const perm = finalKeys.map((_, i) => i).sort((a, b) => finalKeys[a]! - finalKeys[b]!);
    const id: Choice = uuid
      ? { enc: Enc.UUID, param: 0 }
      : this.strChoice(
          recs.map((r) => r.event.id),
          Enc.STR,
        );
    const visitor = this.strChoice(
      recs.map((r) => r.event.visitor),
      Enc.STR,
    );
    let maxOffset = 0;
    let minDelta = Infinity;
    let maxDelta = -Infinity;
    for (const r of recs) {
      maxOffset = Math.max(maxOffset, r.event.time - this.minTime);
      const d = r.event.receivedAt - r.event.time;
      if (d < minDelta) minDelta = d;
      if (d > maxDelta) maxDelta = d;
    }
    const time: Choice = { enc: Enc.UINT | uintWidth(maxOffset), param: 0 };
    const received: Choice = { enc: Enc.INT | intWidth(minDelta, maxDelta), param: 0 };
    const present = perm.map((i) => vals.map((v) => v[i]).filter((x) => x !== undefined));
    const optional = present.map((p) => p.length < recs.length);
    const slots = perm.map((i, j) => this.slotChoice(sh.cats[i]!, present[j]!));
    const t: number[] = [];
    pushVarint(t, this.strId.get(sh.name)!);
    pushChoice(t, id);
    pushChoice(t, visitor);
    pushChoice(t, time);
    pushChoice(t, received);
    pushVarint(t, slots.length);
    perm.forEach((i, j) => {
      pushVarint(t, finalKeys[i]!);
      pushChoice(t, slots[j]!, optional[j]);
    });
    const bitmapBytes = Math.ceil(optional.filter(Boolean).length / 8);
    let recordSize = bitmapBytes;
    for (const c of [id, visitor, time, received, ...slots]) recordSize += encWidth(c.enc);
    return {
      id,
      visitor,
      time,
      received,
      slots,
      perm,
      optional,
      bitmapBytes,
      recordSize,
      records: recs,
      table: Uint8Array.from(t),
    };
  }

  private strChoice(values: string[], family: number): Choice {
    const first = values[0]!;
    if (family === Enc.STR && values.every((s) => s === first))
      return { enc: Enc.STR_CONST, param: this.strId.get(first)! };
    let max = 0;
    for (const s of values) max = Math.max(max, this.strId.get(s)!);
    return { enc: family | (max <= 0xff ? 1 : max <= 0xffff ? 2 : 4), param: 0 };
  }

  private slotChoice(cat: Cat, values: (string | number | boolean | null)[]): Choice {
    switch (cat) {
      case Cat.NULL:
        return { enc: Enc.NULL, param: 0 };
      case Cat.BOOL:
        return values.every((x) => x === true)
          ? { enc: Enc.TRUE, param: 0 }
          : values.every((x) => x === false)
            ? { enc: Enc.FALSE, param: 0 }
            : { enc: Enc.BOOL, param: 0 };
      case Cat.STR:
        return this.strChoice(values as string[], Enc.STR);
      case Cat.ARR:
        return this.strChoice(values as string[], Enc.JSON);
      case Cat.NUM:
        return numChoice(values as number[]);
    }
  }

  private value(c: Choice, x: string | number | boolean | null): void {
    const e = c.enc;
    if (e === Enc.UUID) {
      writeUuid(x as string, this.out, this.pos);
      this.pos += 16;
      return;
    }
    const w = encWidth(e);
    if (w === 0) return;
    if (e === Enc.BOOL) {
      this.out[this.pos++] = x ? 1 : 0;
      return;
    }
    if (e === Enc.F64) {
      this.view.setFloat64(this.pos, x as number, true);
      this.pos += 8;
      return;
    }
    let n: number;
    const family = e & 0xf0;
    if (family === Enc.STR || family === Enc.JSON) n = this.strId.get(x as string)!;
    else if (family === Enc.DEC) n = Math.round((x as number) * POW10[c.param]!);
    else n = x as number;
    this.int(n, w);
  }

  /** Little-endian two's complement of width w; for w = 8 split in halves (exact to 2^53). */
  private int(n: number, w: number): void {
    const v = this.view;
    if (w === 1) v.setUint8(this.pos, n & 0xff);
    else if (w === 2) v.setUint16(this.pos, n & 0xffff, true);
    else if (w === 4) v.setUint32(this.pos, n >>> 0, true);
    else this.i64(this.pos, n);
    this.pos += w;
  }

  private i64(at: number, n: number): void {
    const hi = Math.floor(n / 2 ** 32);
    this.view.setUint32(at, n - hi * 2 ** 32, true);
    this.view.setInt32(at + 4, hi, true);
  }

  private varint(n: number): void {
    while (n >= 0x80) {
      this.out[this.pos++] = (n & 0x7f) | 0x80;
      n >>>= 7;
    }
    this.out[this.pos++] = n;
  }
}

/** Integers: INT by range; decimals: the smallest exact scale; otherwise F64. */
function numChoice(values: number[]): Choice {
  let min = Infinity;
  let max = -Infinity;
  let allInt = true;
  for (const x of values) {
    if (!Number.isSafeInteger(x) || Object.is(x, -0)) {
      allInt = false;
      break;
    }
    if (x < min) min = x;
    if (x > max) max = x;
  }
  if (allInt) return { enc: Enc.INT | intWidth(min, max), param: 0 };
  let scale = 1;
  for (const x of values) {
    while (scale <= L.MAX_SCALE && !exactAt(x, scale)) scale++;
    if (scale > L.MAX_SCALE) return { enc: Enc.F64, param: 0 };
  }
  // A value exact at a smaller scale may round differently at this one: check them all.
  min = Infinity;
  max = -Infinity;
  for (const x of values) {
    if (!exactAt(x, scale)) return { enc: Enc.F64, param: 0 };
    const m = Math.round(x * POW10[scale]!);
    if (m < min) min = m;
    if (m > max) max = m;
  }
  return { enc: Enc.DEC | intWidth(min, max), param: scale };
}

function exactAt(x: number, scale: number): boolean {
  if (Object.is(x, -0)) return false;
  const m = Math.round(x * POW10[scale]!);
  return Number.isSafeInteger(m) && m / POW10[scale]! === x;
}

function pushVarint(t: number[], n: number): void {
  while (n >= 0x80) {
    t.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  t.push(n);
}

function pushChoice(t: number[], c: Choice, optional = false): void {
  t.push(optional ? c.enc | 0x80 : c.enc);
  if ((c.enc & 0xf0) === Enc.DEC) t.push(c.param);
  else if (c.enc === Enc.STR_CONST) pushVarint(t, c.param);
}

type Values = (string | number | boolean | null | undefined)[];

/**
 * At most this many absent optional slots per record: what merging may cost an event, and what
 * the size estimate of `append` reserves for it.
 */
const MAX_ABSENT = 4;

/**
 * Merges the exact shapes of one event name whose keys never disagree on a value category into
 * one shape with optional slots (docs/flam.md section 7), so a block has about one shape per
 * name instead of one per combination of present keys. Largest shapes go first so they set the
 * groups the others join.
 */
function mergeShapes(open: readonly OpenShape[], records: readonly OpenRecord[]) {
  const shapes: (OpenShape & { cat: Map<number, Cat>; minKeys: number })[] = [];
  const byName = new Map<string, number[]>();
  const groupOf = new Array<number>(open.length);
  const order = open
    .map((_, i) => i)
    .sort((a, b) => open[b]!.records.length - open[a]!.records.length || a - b);
  for (const i of order) {
    const sh = open[i]!;
    const candidates = byName.get(sh.name) ?? [];
    let g = candidates.find((c) => {
      const group = shapes[c]!;
      let union = group.cat.size;
      for (let j = 0; j < sh.keys.length; j++) {
        const cat = group.cat.get(sh.keys[j]!);
        if (cat === undefined) union++;
        else if (cat !== sh.cats[j]) return false;
      }
      return union <= Math.min(group.minKeys, sh.keys.length) + MAX_ABSENT;
    });
    if (g === undefined) {
      g = shapes.length;
      shapes.push({
        name: sh.name,
        keys: [],
        cats: [],
        records: [],
        cat: new Map(),
        minKeys: sh.keys.length,
      });
      byName.set(sh.name, [...candidates, g]);
    }
    const group = shapes[g]!;
    group.minKeys = Math.min(group.minKeys, sh.keys.length);
    sh.keys.forEach((k, j) => group.cat.set(k, sh.cats[j]!));
    groupOf[i] = g;
  }
  for (const group of shapes) {
    group.keys = [...group.cat.keys()].sort((a, b) => a - b);
    group.cats = group.keys.map((k) => group.cat.get(k)!);
  }
  const position = shapes.map((g) => new Map(g.keys.map((k, j) => [k, j])));
  const recShape = new Array<number>(records.length);
  const recValues = new Array<Values>(records.length);
  records.forEach((r, ri) => {
    const sh = open[r.shape]!;
    const g = groupOf[r.shape]!;
    const values: Values = new Array(shapes[g]!.keys.length).fill(undefined);
    sh.keys.forEach((k, j) => (values[position[g]!.get(k)!] = r.values[j]));
    shapes[g]!.records.push(ri);
    recShape[ri] = g;
    recValues[ri] = values;
  });
  return { shapes, recShape, recValues };
}

function varintSize(n: number): number {
  let s = 1;
  while (n >= 0x80) {
    n >>>= 7;
    s++;
  }
  return s;
}
