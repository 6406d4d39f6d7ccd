/**
 * An opened block in the WASM arena: its header numbers, dictionary lookups and `scan`.
 * Lookups encode the text into arena scratch and probe the block's hash index (O(1)).
 */
import type { BlockReader, FieldRef, Scan } from "../block-reader.ts";
import { SystemField } from "../event.ts";
import type { Hold } from "./arena-stack.ts";
import { outOfMemory, type FlamContext } from "./context.ts";
import { WasmScan } from "./wasm-scan.ts";

const MAX_KEY_BYTES = 255;
const MAX_STRING_BYTES = 65_535;

/** Short ASCII (most dictionary texts) is cheaper to build than to hand to TextDecoder. */
function decodeText(flam: FlamContext, u8: Uint8Array, p: number, n: number): string {
  if (n <= 32) {
    let s = "";
    let i = p;
    for (; i < p + n; i++) {
      const b = u8[i]!;
      if (b >= 0x80) break;
      s += String.fromCharCode(b);
    }
    if (i === p + n) return s;
  }
  return flam.decoder.decode(u8.subarray(p, p + n));
}

/** @internal Built by `FlamWasm.open`. */
export class WasmBlock implements BlockReader {
  readonly eventCount: number;
  readonly minTime: number;
  readonly maxTime: number;
  readonly byteLength: number;
  private readonly keyCount: number;
  private readonly stringCount: number;
  private readonly flam: FlamContext;
  private readonly d: number;
  private readonly epoch: number;
  private readonly hold: Hold;
  /** Where `encode` put the last lookup text. */
  private scratch = 0;
  /** Texts decoded so far: a query resolves the same few group ids in every call. */
  private readonly texts = new Map<number, string>();

  constructor(flam: FlamContext, descriptor: number, hold: Hold) {
    const ex = flam.exports;
    this.flam = flam;
    this.d = descriptor;
    this.epoch = flam.epoch;
    this.hold = hold;
    this.eventCount = ex.eventCount(descriptor);
    this.minTime = ex.minTime(descriptor);
    this.maxTime = ex.maxTime(descriptor);
    this.byteLength = ex.blockLength(descriptor);
    this.keyCount = ex.keyCount(descriptor);
    this.stringCount = ex.stringCount(descriptor);
  }

  keyId(text: string, namespace: 0 | 1 = 0): number {
    this.check();
    if ((namespace !== 0 && namespace !== 1) || text.length > MAX_KEY_BYTES) return -1;
    const n = this.encode(text);
    return n < 0 ? -1 : this.flam.exports.keyId(this.d, this.scratch, n, namespace);
  }

  stringId(text: string): number {
    this.check();
    if (text.length > MAX_STRING_BYTES) return -1;
    const n = this.encode(text);
    return n < 0 ? -1 : this.flam.exports.stringId(this.d, this.scratch, n);
  }

  string(sid: number): string {
    this.check();
    if (!(Number.isInteger(sid) && sid >= 0 && sid < this.stringCount)) {
      throw new RangeError(`string id ${sid} is out of range`);
    }
    let text = this.texts.get(sid);
    if (text === undefined) {
      const ex = this.flam.exports;
      const p = ex.stringText(this.d, sid);
      text = decodeText(this.flam, this.flam.views.u8, p, ex.stringLength(this.d, sid));
      this.texts.set(sid, text);
    }
    return text;
  }

  scan(fields: readonly FieldRef[]): Scan {
    this.check();
    for (const f of fields) {
      const system =
        f === SystemField.visitor ||
        f === SystemField.name ||
        f === SystemField.time ||
        f === SystemField.receivedAt;
      if (!system && !(Number.isInteger(f) && f >= 0 && f < this.keyCount)) {
        throw new RangeError(
          `field ${f} is not a key id of this block or a projectable system field`,
        );
      }
    }
    const ex = this.flam.exports;
    const mark = ex.mark();
    // The field list is allocated (not scratch): projection allocates the scan above it.
    const list = ex.alloc(fields.length * 4);
    if (list === 0) throw outOfMemory();
    this.flam.views.i32.set(fields, list >>> 2);
    const scan = ex.scan(this.d, list, fields.length);
    if (scan === 0) {
      ex.release(mark);
      throw outOfMemory();
    }
    return new WasmScan(this.flam, scan, fields.length, this.flam.arena.push(mark));
  }

  /** UTF-8 of `text` at `this.scratch`; its byte length, or -1 when `text` cannot be in a block. */
  private encode(text: string): number {
    // A lone surrogate has no UTF-8 form: no block text can equal it (TextEncoder would
    // substitute U+FFFD and could match a different string).
    if (!text.isWellFormed()) return -1;
    const cap = text.length * 3;
    const p = this.flam.exports.scratch(cap);
    if (p === 0) throw outOfMemory();
    this.scratch = p;
    return this.flam.encoder.encodeInto(text, this.flam.views.u8.subarray(p, p + cap)).written;
  }

  private check(): void {
    if (this.epoch !== this.flam.epoch || !this.hold.live) {
      throw new Error("FlamWasm: this block was freed by clear()");
    }
  }
}
