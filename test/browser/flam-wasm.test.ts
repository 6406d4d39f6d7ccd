import flamUrl from "../../build/flam.wasm?url";
import { describe, expect, it } from "vitest";
import { FlamWasm } from "../../src/flam/wasm/index.ts";
import { sampleEvents } from "../../src/flam/test-events.ts";
import { answersFromBoth } from "../helpers/same-answers.ts";

describe("the FlaM WASM decoder in Chromium", () => {
  it("projects and aggregates a block exactly like the TypeScript reference", async () => {
    const wasm = FlamWasm.fromModule(await WebAssembly.compileStreaming(fetch(flamUrl)));
    const {
      reference,
      wasm: fast,
      referenceColumns,
      wasmColumns,
    } = answersFromBoth(wasm, sampleEvents());
    expect(reference).toEqual([
      ["CA", 1, 5],
      ["US", 1, 19.99],
    ]);
    expect(fast).toEqual(reference);
    expect(wasmColumns).toEqual(referenceColumns);
  });
});
