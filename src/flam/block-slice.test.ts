import { describe, expect, it } from "vitest";
import { generateEvents } from "../../bench/gen/events.ts";
import { BlockBuilder, encodeBlock } from "./block-builder.ts";
import { openBlock } from "./decode-block.ts";
import { sampleEvents } from "./test-events.ts";

const events = [...sampleEvents(), ...generateEvents(1500, 3)];

describe("BlockBuilder.encodeSince", () => {
  it("encodes each run of appended events as a block of its own, equal to encoding them alone", () => {
    const builder = new BlockBuilder();
    for (const [from, to] of [
      [0, 7],
      [7, 500],
      [500, 501],
      [501, events.length],
    ] as const) {
      const start = builder.count;
      for (const e of events.slice(from, to)) builder.append(e);
      const segment = builder.encodeSince(start);
      expect(openBlock(segment).events()).toEqual(
        openBlock(encodeBlock(events.slice(from, to))).events(),
      );
    }
  });

  it("leaves the builder to seal every event, byte for byte as appending them to a fresh one", () => {
    const builder = new BlockBuilder();
    for (let i = 0; i < events.length; i += 250) {
      const start = builder.count;
      for (const e of events.slice(i, i + 250)) builder.append(e);
      builder.encodeSince(start);
    }
    expect(builder.seal()).toEqual(encodeBlock(events));
  });

  it("encodes an empty run as an empty block", () => {
    const builder = new BlockBuilder();
    for (const e of events.slice(0, 10)) builder.append(e);
    expect(openBlock(builder.encodeSince(10)).events()).toEqual([]);
  });
});
