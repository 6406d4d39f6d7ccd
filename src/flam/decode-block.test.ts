import { describe, expect, it } from "vitest";
import { encodeBlock } from "./block-builder.ts";
import { openBlock } from "./decode-block.ts";
import { FlamCorruptError, FlamTruncatedError, type FlamCorruptCode } from "./errors.ts";
import { SystemField } from "./event.ts";
import { Tag } from "./block-reader.ts";
import { xxh32 } from "./xxh32.ts";
import { sampleEvents } from "./test-events.ts";

const block = () => encodeBlock(sampleEvents());

/** Applies `edit` to a copy of a valid block and recomputes the checksum, so structure is tested. */
function edited(edit: (b: Uint8Array, v: DataView) => void, bytes = block()): Uint8Array {
  const b = bytes.slice();
  const v = new DataView(b.buffer);
  edit(b, v);
  v.setUint32(12, xxh32(b, 16, b.length), true);
  return b;
}

function codeOf(bytes: Uint8Array): string {
  try {
    openBlock(bytes);
    return "ok";
  } catch (e) {
    if (e instanceof FlamTruncatedError) return "TRUNCATED";
    if (e instanceof FlamCorruptError) return e.code;
    throw e;
  }
}

describe("openBlock", () => {
  it("reports every proper prefix of a valid block as truncated, never as corrupt", () => {
    const b = block();
    for (let n = 0; n < b.length; n++)
      expect(codeOf(b.subarray(0, n)), `prefix of ${n} bytes`).toBe("TRUNCATED");
    expect(codeOf(b)).toBe("ok");
  });

  it("tells how many bytes a truncated block needs once the header says", () => {
    const b = block();
    const error = (() => {
      try {
        openBlock(b.subarray(0, 40));
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(RangeError);
    expect((error as FlamTruncatedError).needed).toBe(b.length);
  });

  it("catches any single flipped bit with the checksum", () => {
    const b = block();
    for (let i = 16; i < b.length; i += 7) {
      const c = b.slice();
      c[i]! ^= 1 << (i % 8);
      expect(codeOf(c)).toBe("CHECKSUM");
    }
  });

  const cases: [string, FlamCorruptCode, (b: Uint8Array, v: DataView) => void][] = [
    [
      "a wrong magic",
      "BAD_MAGIC",
      (b) => {
        b[0] = 0x47;
      },
    ],
    [
      "a newer version",
      "UNSUPPORTED_VERSION",
      (b) => {
        b[4] = 2;
      },
    ],
    [
      "unknown flags",
      "BAD_HEADER",
      (b) => {
        b[5] = 1;
      },
    ],
    ["a block length below the header size", "BAD_LENGTH", (_, v) => v.setUint32(8, 63, true)],
    ["too many events", "LIMIT", (_, v) => v.setUint32(16, 2 ** 21, true)],
    [
      "minTime after maxTime",
      "BAD_HEADER",
      (_, v) => v.setBigInt64(32, v.getBigInt64(40, true) + 1n, true),
    ],
    ["a time beyond 2^53", "BAD_HEADER", (_, v) => v.setBigInt64(40, 2n ** 53n, true)],
    ["offsets out of order", "BAD_HEADER", (_, v) => v.setUint32(52, 10, true)],
    [
      "a key with an unknown namespace",
      "BAD_KEY",
      (b) => {
        b[64] = 7;
      },
    ],
    [
      "a key dictionary that ends early",
      "BAD_KEY",
      (_, v) => v.setUint32(20, v.getUint32(20, true) - 1, true),
    ],
    [
      "a string dictionary that ends early",
      "BAD_STRING",
      (_, v) => v.setUint32(24, v.getUint32(24, true) - 1, true),
    ],
    [
      "a string of invalid UTF-8",
      "BAD_STRING",
      (b, v) => {
        b[v.getUint32(52, true) + 1] = 0xff;
      },
    ],
    [
      "a string count that overruns into a varint past the section",
      "BAD_VARINT",
      (_, v) => v.setUint32(24, v.getUint32(24, true) + 1, true),
    ],
    [
      "an unknown encoding in a shape",
      "BAD_SHAPE",
      (b, v) => {
        b[v.getUint32(56, true) + 1] = 0x99;
      },
    ],
    [
      "a record with a shape id out of range",
      "BAD_RECORD",
      (b, v) => {
        b[v.getUint32(60, true)] = 200;
      },
    ],
    [
      "records that stop before the block ends",
      "BAD_RECORD",
      (_, v) => v.setUint32(16, v.getUint32(16, true) - 1, true),
    ],
  ];
  for (const [what, code, edit] of cases) {
    it(`reports ${what} as ${code}`, () => expect(codeOf(edited(edit))).toBe(code));
  }

  describe("optional slots", () => {
    // Two events of one shape; "coupon" is an optional slot (bitmap of one byte, bit 0), absent
    // from the second record. Records: [shape id][bitmap][payload...].
    const base = () =>
      encodeBlock([
        { ...sampleEvents()[0]!, id: "a", properties: { coupon: 7 }, visitorProperties: {} },
        { ...sampleEvents()[0]!, id: "b", properties: {}, visitorProperties: {} },
      ]);
    const record = (b: Uint8Array, i: number) => {
      const v = new DataView(b.buffer);
      const size = (v.getUint32(8, true) - v.getUint32(60, true)) / 2;
      return v.getUint32(60, true) + i * size;
    };

    it("projects an absent optional slot as ABSENT", () => {
      const r = openBlock(base());
      expect([...r.scan([r.keyId("coupon")]).column(0).tags]).toEqual([Tag.NUMBER, Tag.ABSENT]);
      expect(r.events()[1]!.properties).toEqual({});
    });

    it("reports a bitmap bit past the optional slots as BAD_RECORD", () => {
      expect(
        codeOf(
          edited((b) => {
            b[record(b, 0) + 1]! |= 2;
          }, base()),
        ),
      ).toBe("BAD_RECORD");
    });

    it("reports bytes in an absent slot as BAD_RECORD", () => {
      const b = base();
      expect(
        codeOf(
          edited((x) => {
            x[x.length - 1] = 1;
          }, b),
        ),
      ).toBe("BAD_RECORD");
    });
  });

  it("reports an overlong varint as BAD_VARINT", () => {
    // A one-event block whose first string length (a varint) is rewritten as 0x80 0x00 is no
    // longer well formed; the dictionary shifts, but the varint is the first thing that fails.
    const b = encodeBlock([sampleEvents()[0]!]);
    const v = new DataView(b.buffer);
    const at = v.getUint32(52, true);
    const out = new Uint8Array(b.length + 1);
    out.set(b.subarray(0, at));
    out[at] = b[at]! | 0x80;
    out[at + 1] = 0;
    out.set(b.subarray(at + 1), at + 2);
    const ov = new DataView(out.buffer);
    ov.setUint32(8, out.length, true);
    for (const off of [56, 60]) ov.setUint32(off, v.getUint32(off, true) + 1, true);
    ov.setUint32(12, xxh32(out, 16, out.length), true);
    expect(codeOf(out)).toBe("BAD_VARINT");
  });

  it("reports trailing bytes after a block as BAD_LENGTH", () => {
    const b = block();
    const longer = new Uint8Array(b.length + 1);
    longer.set(b);
    expect(codeOf(longer)).toBe("BAD_LENGTH");
  });

  it("resolves keys and values to ids once, and -1 for what the block lacks", () => {
    const r = openBlock(block());
    expect(r.string(r.stringId("purchase"))).toBe("purchase");
    expect(r.stringId("refund")).toBe(-1);
    expect(r.keyId("plan", 1)).toBeGreaterThanOrEqual(0);
    expect(r.keyId("plan", 0)).toBe(-1);
  });

  it("projects fields into typed columns with tags for absent, null, bool, number and string", () => {
    const r = openBlock(block());
    const s = r.scan([
      SystemField.name,
      r.keyId("price"),
      r.keyId("none"),
      r.keyId("ok"),
      r.keyId("tags"),
      SystemField.time,
    ]);
    expect([...s.column(0).sids].map((id) => r.string(id))).toEqual([
      "purchase",
      "purchase",
      "pageview",
      "search",
    ]);
    expect([...s.column(1).tags]).toEqual([Tag.NUMBER, Tag.NUMBER, Tag.ABSENT, Tag.NUMBER]);
    expect([...s.column(1).nums]).toEqual([19.99, 5, 0, 123456.789]);
    expect([...s.column(2).tags]).toEqual([Tag.NULL, Tag.NULL, Tag.ABSENT, Tag.ABSENT]);
    expect([...s.column(3).nums.subarray(0, 2)]).toEqual([1, 0]);
    expect(s.column(4).tags[0]).toBe(Tag.ARRAY);
    expect(s.column(5).nums[3]).toBe(Date.UTC(2026, 0, 1) + 86_400_000 * 40);
  });

  it("filters, groups and aggregates the selection", () => {
    const r = openBlock(block());
    const s = r.scan([SystemField.name, r.keyId("country"), r.keyId("price")]);
    s.whereStrIn(0, [r.stringId("purchase")]);
    expect(s.selected()).toBe(2);
    const rows = s
      .aggregate(1, 2)
      .map((g) => ({ country: r.string(g.sid), sum: g.sum, n: g.count }));
    expect(rows.sort((a, b) => a.country.localeCompare(b.country))).toEqual([
      { country: "CA", sum: 5, n: 1 },
      { country: "US", sum: 19.99, n: 1 },
    ]);
    s.whereNum(2, "gt", 10);
    expect(s.aggregate(null, 2)).toEqual([
      { sid: -1, count: 1, valueCount: 1, sum: 19.99, min: 19.99, max: 19.99 },
    ]);
  });

  it("refuses to project a field the block does not have", () => {
    expect(() => openBlock(block()).scan([9999])).toThrow(RangeError);
  });
});
