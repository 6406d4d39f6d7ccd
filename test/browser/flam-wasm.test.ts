import flamUrl from "../../build/flam.wasm?url";
import { describe, it } from "vitest";
import { FlamWasm } from "../../src/flam/wasm/index.ts";
import { expectWasmToMatchReference } from "../helpers/same-answers.ts";

describe("the FlaM WASM decoder in Chromium", () => {
  it("projects and aggregates a block exactly like the TypeScript reference", async () => {
    expectWasmToMatchReference(
      FlamWasm.fromModule(await WebAssembly.compileStreaming(fetch(flamUrl))),
    );
  });
});
