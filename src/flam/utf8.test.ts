import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { utf8Length } from "./utf8.ts";

const encoded = (s: string) => new TextEncoder().encode(s).length;

describe("utf8Length", () => {
  it("counts what TextEncoder writes, for any string, lone surrogates included", () => {
    for (const s of [
      "",
      "a",
      "é",
      "€",
      "😀",
      "\ud800",
      "\udc00",
      "a\ud800b",
      "\ud800\ud800\udc00",
      "\udc00\ud800",
    ])
      expect([s, utf8Length(s)]).toEqual([s, encoded(s)]);
    fc.assert(
      fc.property(
        fc.string({ unit: "binary", maxLength: 64 }),
        (s) => utf8Length(s) === encoded(s),
      ),
      { numRuns: 5000 },
    );
  });
});
