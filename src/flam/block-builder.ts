/**
 * The open block: events are appended (validated, counted into dictionaries and shapes) and then
 * sealed into an immutable FlaM v1 block (docs/flam.md). Widths and encodings are chosen at seal
 * time, when every value of every shape is known, which is what lets each shape have one fixed
 * record size with the narrowest widths.
 *
 * Ingest encodes every event twice (tail segment, then sealed block), so append is hot: it looks
 * each key and string up once, keeps values in flat arrays with strings as temporary ids (the
 * order of first use, which is also the dictionary's tie order), and allocates nothing per value.
 */
import type { FlamEvent, PropertyValue } from "./event.ts";
import { FlamEncodeError } from "./encode-error.ts";
import { Cat, MAX_ABSENT, type OpenBlock, type OpenShape, writeBlock } from "./block-writer.ts";
import { sliceBlock } from "./block-slice.ts";
import { utf8Length } from "./utf8.ts";
import * as L from "./limits.ts";

/** Options of a builder. */
export interface BlockBuilderOptions {
  /** Refuse appends once the estimated sealed size passes this. Defaults to 16 MiB (the format limit). */
  maxBytes: number;
}

function emptyBlock(): OpenBlock {
  return {
    recCount: 0,
    recShape: [],
    recOff: [],
    recId: [],
    recVisitor: [],
    recTime: [],
    recReceived: [],
    vals: new Float64Array(1024),
    valCount: 0,
    keyNs: [],
    keyText: [],
    keyFreq: [],
    strText: [],
    strFreq: [],
    strLen: [],
    shapes: [],
  };
}

/** Shapes are found by a hash of their slots and name; Smi-sized so map keys stay cheap. */
const slotHash = (h: number, code: number): number => Math.imul(h ^ code, 0x01000193);
const shapeHash = (slots: number, nameSid: number): number =>
  Math.imul(slots ^ nameSid, 0x9e3779b1) >>> 2;

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
  private b = emptyBlock();
  /** Key ids by text, one map per namespace (0 properties, 1 visitor properties). */
  private keyIds: [Map<string, number>, Map<string, number>] = [new Map(), new Map()];
  /** Temporary string ids by text, in first-use order: one lookup per string of an event. */
  private strIds = new Map<string, number>();
  /** First shape by hash, and the next shape of the same hash (-1 ends a chain). */
  private shapeByHash = new Map<number, number>();
  private shapeNext: number[] = [];
  /** Slots of all exact shapes so far (MAX_TOTAL_SLOTS bounds it). */
  private totalSlots = 0;
  private estimate = L.HEADER_SIZE;

  // The slots of the event being appended, reused from event to event: namespace, key, key id
  // (-1 when new), category, value (number, 0/1, 0 for null), string or JSON text with its
  // string id (-1 when new) and UTF-8 length, and the slots ordered by key id.
  private sNs: number[] = [];
  private sKey: string[] = [];
  private sKid: number[] = [];
  private sCat: Cat[] = [];
  private sNum: number[] = [];
  private sStr: string[] = [];
  private sSid: number[] = [];
  private sLen: number[] = [];
  private sOrder: number[] = [];

  constructor(options: Readonly<Partial<BlockBuilderOptions>> = {}) {
    this.maxBytes = Math.min(options.maxBytes ?? L.MAX_BLOCK_BYTES, L.MAX_BLOCK_BYTES);
  }

  /** Events appended since the last seal. */
  get count(): number {
    return this.b.recCount;
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
    const b = this.b;
    if (b.recCount >= L.MAX_EVENTS) {
      throw new FlamEncodeError(
        "FULL",
        "block",
        `block holds the maximum of ${L.MAX_EVENTS} events`,
      );
    }
    let n = this.collect(0, event.properties, "properties", 0);
    n = this.collect(1, event.visitorProperties, "visitorProperties", n);
    if (n > L.MAX_SLOTS) {
      throw new FlamEncodeError(
        "LIMIT",
        "properties",
        `an event carries at most ${L.MAX_SLOTS} properties, got ${n}`,
      );
    }
    // Everything was looked up by collect; bound the dictionaries before mutating anything, so a
    // refused event leaves the block unchanged.
    const { sKid, sCat, sSid, sLen, sOrder } = this;
    let newKeys = 0;
    let newStrings = 0;
    // A true upper bound of what the event adds when sealed (widest encodings, longest varints),
    // so that a block sealed under `maxBytes` never exceeds it.
    // Absent optional slots after merging: up to MAX_ABSENT of 8 bytes, plus the bitmap.
    let addBytes = 40 + MAX_ABSENT * 8 + Math.ceil((n + MAX_ABSENT) / 8);
    for (let i = 0; i < n; i++) {
      const cat = sCat[i]!;
      const str = cat === Cat.STR || cat === Cat.ARR;
      addBytes += cat === Cat.NUM ? 8 : str ? 4 : 1;
      if (sKid[i]! < 0) {
        newKeys++;
        addBytes += 3 + this.sKey[i]!.length * 3;
      }
      if (str && sSid[i]! < 0) {
        // A string new twice in one event counts twice: an upper bound, cheaper than a set.
        newStrings++;
        sLen[i] = utf8Length(this.sStr[i]!);
        addBytes += 3 + sLen[i]!;
      }
    }
    const nameSid = this.strIds.get(event.name) ?? -1;
    const visitorSid = this.strIds.get(event.visitor) ?? -1;
    const idSid = this.strIds.get(event.id) ?? -1;
    const nameLen = nameSid < 0 ? utf8Length(event.name) : 0;
    const visitorLen = visitorSid < 0 ? utf8Length(event.visitor) : 0;
    const idLen = idSid < 0 ? utf8Length(event.id) : 0;
    if (nameSid < 0) {
      newStrings++;
      addBytes += 3 + nameLen;
    }
    if (visitorSid < 0) {
      newStrings++;
      addBytes += 3 + visitorLen;
    }
    if (idSid < 0) {
      newStrings++;
      addBytes += 3 + idLen;
    }
    if (b.keyText.length + newKeys > L.MAX_KEYS)
      throw new FlamEncodeError("FULL", "block", `block holds the maximum of ${L.MAX_KEYS} keys`);
    if (b.strText.length + newStrings > L.MAX_STRINGS)
      throw new FlamEncodeError(
        "FULL",
        "block",
        `block holds the maximum of ${L.MAX_STRINGS} strings`,
      );
    if (this.estimate + addBytes > this.maxBytes)
      throw new FlamEncodeError("FULL", "block", `block would pass ${this.maxBytes} bytes`);

    // The shape: slots ordered by key id (insertion sort: events hold tens of keys, usually
    // already in order), found by a hash of (key id, category) codes and the name.
    let nextKey = b.keyText.length; // new keys are numbered in slot order (see commit)
    for (let i = 0; i < n; i++) {
      const kid = sKid[i]! >= 0 ? sKid[i]! : nextKey++;
      sKid[i] = kid;
      let j = i;
      while (j > 0 && sKid[sOrder[j - 1]!]! > kid) {
        sOrder[j] = sOrder[j - 1]!;
        j--;
      }
      sOrder[j] = i;
    }
    let slots = 0x811c9dc5;
    for (let j = 0; j < n; j++) slots = slotHash(slots, sKid[sOrder[j]!]! * 8 + sCat[sOrder[j]!]!);
    // A new name means a new shape; otherwise walk the hash chain.
    let shape = nameSid < 0 ? -1 : (this.shapeByHash.get(shapeHash(slots, nameSid)) ?? -1);
    while (shape >= 0 && !this.sameShape(b.shapes[shape]!, nameSid, n))
      shape = this.shapeNext[shape]!;
    if (shape < 0 && b.shapes.length >= L.MAX_SHAPES) {
      throw new FlamEncodeError(
        "FULL",
        "block",
        `block holds the maximum of ${L.MAX_SHAPES} shapes`,
      );
    }
    // Merged shapes never hold more slots than the exact shapes they merge, so bounding these
    // bounds the sealed shape table (docs/flam.md section 10).
    if (shape < 0 && this.totalSlots + n > L.MAX_TOTAL_SLOTS) {
      throw new FlamEncodeError(
        "FULL",
        "block",
        `block holds the maximum of ${L.MAX_TOTAL_SLOTS} shape slots`,
      );
    }

    // Commit.
    for (let i = 0; i < n; i++) {
      const kid = sKid[i]!;
      if (kid >= b.keyText.length) {
        this.keyIds[this.sNs[i]!]!.set(this.sKey[i]!, kid);
        b.keyNs.push(this.sNs[i]!);
        b.keyText.push(this.sKey[i]!);
        b.keyFreq.push(0);
      }
      b.keyFreq[kid]!++;
    }
    // Strings get their temporary ids in this order (values by key id, name, visitor, id): it
    // is the order in which the dictionary breaks ties.
    const off = b.valCount;
    if (off + n > b.vals.length) {
      // Values live in one flat typed array, grown by doubling: no boxing, no per-event arrays.
      const grown = new Float64Array(Math.max(2 * b.vals.length, off + n));
      grown.set(b.vals);
      b.vals = grown;
    }
    b.valCount = off + n;
    for (let j = 0; j < n; j++) {
      const s = sOrder[j]!;
      const cat = sCat[s]!;
      if (cat === Cat.STR || cat === Cat.ARR) {
        const sid = sSid[s]! >= 0 ? sSid[s]! : this.intern(this.sStr[s]!, sLen[s]!);
        b.strFreq[sid]!++;
        b.vals[off + j] = sid;
      } else b.vals[off + j] = this.sNum[s]!;
    }
    const name = nameSid >= 0 ? nameSid : this.intern(event.name, nameLen);
    const visitor = visitorSid >= 0 ? visitorSid : this.intern(event.visitor, visitorLen);
    const id = idSid >= 0 ? idSid : this.intern(event.id, idLen);
    b.strFreq[name]!++;
    b.strFreq[visitor]!++;
    b.strFreq[id]!++;
    if (shape < 0) {
      shape = b.shapes.length;
      // Filled by push: `new Array(n)` here cost more than the rest of append (measured).
      const keys: number[] = [];
      const cats: Cat[] = [];
      for (let j = 0; j < n; j++) {
        keys.push(sKid[sOrder[j]!]!);
        cats.push(sCat[sOrder[j]!]!);
      }
      b.shapes.push({ name: event.name, nameSid: name, keys, cats, count: 0 });
      this.totalSlots += n;
      const h = shapeHash(slots, name);
      this.shapeNext.push(this.shapeByHash.get(h) ?? -1);
      this.shapeByHash.set(h, shape);
      addBytes += 32 + n * 9;
    }
    b.shapes[shape]!.count++;
    b.recShape.push(shape);
    b.recOff.push(off);
    b.recId.push(id);
    b.recVisitor.push(visitor);
    b.recTime.push(event.time);
    b.recReceived.push(event.receivedAt);
    b.recCount++;
    this.estimate += addBytes;
  }

  /**
   * Encodes the appended events as one immutable block and empties the builder.
   *
   * @example
   * const block = builder.seal(); // Uint8Array starting with "FLaM"
   */
  seal(): Uint8Array {
    const bytes = writeBlock(this.b);
    this.b = emptyBlock();
    this.keyIds = [new Map(), new Map()];
    this.strIds = new Map();
    this.shapeByHash = new Map();
    this.shapeNext = [];
    this.totalSlots = 0;
    this.estimate = L.HEADER_SIZE;
    return bytes;
  }

  /**
   * Encodes the events appended since the first `from` as a block of their own, and keeps every
   * event in the builder: a log encodes each append's segment this way, then seals them all at
   * once without appending them again.
   *
   * @example
   * const from = builder.count;
   * for (const e of batch) builder.append(e);
   * const segment = builder.encodeSince(from); // the batch alone; builder.count still grows
   */
  encodeSince(from: number): Uint8Array {
    return writeBlock(sliceBlock(this.b, from));
  }

  /** The temporary id of `s`, added with use count 0 if new (it may repeat within one event). */
  private intern(s: string, utf8Len: number): number {
    let sid = this.strIds.get(s);
    if (sid === undefined) {
      sid = this.b.strText.length;
      this.strIds.set(s, sid);
      this.b.strText.push(s);
      this.b.strFreq.push(0);
      this.b.strLen.push(utf8Len);
    }
    return sid;
  }

  /** Whether `sh` is the shape of the collected event (slots already ordered by key id). */
  private sameShape(sh: OpenShape, nameSid: number, n: number): boolean {
    if (sh.nameSid !== nameSid || sh.keys.length !== n) return false;
    for (let j = 0; j < n; j++) {
      const s = this.sOrder[j]!;
      if (sh.keys[j] !== this.sKid[s] || sh.cats[j] !== this.sCat[s]) return false;
    }
    return true;
  }

  /**
   * Validates one map's entries into the slot scratch from position `n`; returns the new count.
   * Keys and strings already in the block were checked when they entered it, and the one lookup
   * that tells so is kept; the path is built only for an error message.
   */
  private collect(
    ns: 0 | 1,
    map: Record<string, PropertyValue> | undefined,
    field: string,
    n: number,
  ): number {
    if (map === undefined) return n;
    if (typeof map !== "object" || map === null || Array.isArray(map))
      throw new FlamEncodeError("INVALID", field, "must be an object");
    const keyIds = this.keyIds[ns];
    for (const key of Object.keys(map)) {
      const kid = keyIds.get(key);
      if (kid === undefined) checkText(key, 1, L.MAX_KEY_BYTES, field, key, " (key)");
      const v = map[key];
      let cat: Cat;
      let num = 0;
      let str: string | undefined;
      if (v === null) cat = Cat.NULL;
      else if (typeof v === "boolean") {
        cat = Cat.BOOL;
        num = v ? 1 : 0;
      } else if (typeof v === "number") {
        if (!Number.isFinite(v))
          throw new FlamEncodeError(
            "INVALID",
            `${field}.${key}`,
            `must be a finite number, got ${v}`,
          );
        cat = Cat.NUM;
        num = v;
      } else if (typeof v === "string") {
        cat = Cat.STR;
        str = v;
      } else if (Array.isArray(v)) {
        cat = Cat.ARR;
        str = arrayJson(v, `${field}.${key}`);
      } else {
        throw new FlamEncodeError(
          "INVALID",
          `${field}.${key}`,
          `must be a string, number, boolean, null or array, got ${typeOf(v)} (flatten nested objects first)`,
        );
      }
      let sid = -1;
      if (str !== undefined) {
        sid = this.strIds.get(str) ?? -1;
        if (sid < 0 && cat === Cat.STR) checkText(str, 0, L.MAX_STRING_BYTES, field, key);
        this.sStr[n] = str;
      }
      this.sNs[n] = ns;
      this.sKey[n] = key;
      this.sKid[n] = kid ?? -1;
      this.sCat[n] = cat;
      this.sNum[n] = num;
      this.sSid[n] = sid;
      this.sLen[n] = 0; // set for new strings once the event is bounded
      n++;
    }
    return n;
  }
}

/** Appends events and seals: the one-shot form. */
export function encodeBlock(
  events: readonly FlamEvent[],
  options?: Readonly<Partial<BlockBuilderOptions>>,
): Uint8Array {
  const b = new BlockBuilder(options);
  for (const e of events) b.append(e);
  return b.seal();
}

// ---- validation -------------------------------------------------------------------------------

/**
 * Checks one text field. The field's path is `field`, or `field.key` plus `suffix` for a map
 * entry: built only for an error, as most calls pass.
 */
function checkText(
  v: unknown,
  min: number,
  max: number,
  field: string,
  key?: string,
  suffix = "",
): asserts v is string {
  const path = () => (key === undefined ? field : `${field}.${key}${suffix}`);
  if (typeof v !== "string")
    throw new FlamEncodeError("INVALID", path(), `must be a string, got ${typeOf(v)}`);
  if (!v.isWellFormed())
    throw new FlamEncodeError("INVALID", path(), "is not well-formed Unicode (lone surrogate)");
  if (v.length < min) throw new FlamEncodeError("INVALID", path(), "must not be empty");
  // UTF-8 takes at most 3 bytes per UTF-16 unit, so short strings need no exact count.
  if (v.length * 3 > max) {
    const bytes = utf8Length(v);
    if (bytes > max)
      throw new FlamEncodeError("LIMIT", path(), `is ${bytes} bytes of UTF-8, the limit is ${max}`);
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
  checkText(e.id, 1, L.MAX_STRING_BYTES, "id");
  checkText(e.visitor, 1, L.MAX_STRING_BYTES, "visitor");
  checkText(e.name, 1, L.MAX_STRING_BYTES, "name");
  checkTime(e.time, "time");
  checkTime(e.receivedAt, "receivedAt");
}

/** The JSON text of an array property, which is how it is stored. */
function arrayJson(v: readonly unknown[], field: string): string {
  for (const item of v) {
    const ok =
      item === null ||
      typeof item === "boolean" ||
      typeof item === "string" ||
      (typeof item === "number" && Number.isFinite(item));
    if (!ok)
      throw new FlamEncodeError(
        "INVALID",
        field,
        "arrays may hold only strings, finite numbers, booleans and null",
      );
    if (typeof item === "string" && !item.isWellFormed())
      throw new FlamEncodeError("INVALID", field, "is not well-formed Unicode (lone surrogate)");
  }
  const json = JSON.stringify(v);
  checkText(json, 0, L.MAX_STRING_BYTES, field);
  return json;
}

function typeOf(v: unknown): string {
  return v === null ? "null" : Array.isArray(v) ? "array" : typeof v;
}
