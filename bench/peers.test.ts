import { existsSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { generateEvents } from "./gen/events.ts";
import { PEERS } from "./peers/index.ts";
import { diffAnswers, referenceQ1, referenceQ2 } from "./reference.ts";
import type { Subject } from "./subject.ts";

const events = generateEvents(2_000, 3);
const subjects: Subject[] = PEERS.map((make) => make());
// FlaM joins once bench/flam-subject.ts exists; from then on a failing import fails this suite.
const flamSubject = new URL("./flam-subject.ts", import.meta.url);
if (existsSync(flamSubject)) {
  // Its default export is a Subject or a function returning one (see subject.ts).
  const { default: flam } = (await import(flamSubject.href)) as {
    default: Subject | (() => Subject | Promise<Subject>);
  };
  subjects.push(typeof flam === "function" ? await flam() : flam);
}

// One conformance suite for every Subject the bench times: each peer, and FlaM.
describe.each(subjects)(
  "subject $name",
  (subject) => {
    const encoded = Promise.resolve(subject.encode(events));
    afterAll(() => subject.close?.());

    it("reports a plausible byte size, or null when a size has no meaning", async () => {
      const { bytes } = await encoded;
      if (bytes !== null) expect(bytes).toBeGreaterThan(events.length * 50);
    });

    it("decodes every event", async () => {
      expect(await subject.decodeAll((await encoded).data)).toBe(events.length);
    });

    it("answers Q1 as the reference does", async () => {
      expect(diffAnswers(await subject.q1((await encoded).data), referenceQ1(events))).toBeNull();
    });

    it("answers Q2 as the reference does", async () => {
      expect(diffAnswers(await subject.q2((await encoded).data), referenceQ2(events))).toBeNull();
    });
  },
  20_000,
);
