/**
 * The canonical event the benchmarks generate and encode: the one `src/flam` stores
 * (docs/events.md). The generator produces scalar property values only.
 */
export type { FlamEvent, Scalar } from "../../src/flam/index.ts";
