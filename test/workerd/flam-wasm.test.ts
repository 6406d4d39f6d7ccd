import { describe, it } from "vitest";
import { flamModule } from "../../src/edge/flam-wasm.ts";
import { FlamWasm } from "../../src/flam/wasm/index.ts";
import { expectWasmToMatchReference } from "../helpers/same-answers.ts";

describe("the FlaM WASM decoder in workerd", () => {
  it("projects and aggregates a block exactly like the TypeScript reference", () => {
    expectWasmToMatchReference(FlamWasm.fromModule(flamModule));
  });
});
