/**
 * Wire-format parsers: each turns one SDK's request into a {@link ParsedBatch} of incoming
 * events, before the edge normalizes them into canonical events. Pure functions of plain inputs
 * (no `Request`, no Hono), so they run and test anywhere. See docs/wire-formats.md.
 */
export { FormatError, type FailureCode } from "./format-error.ts";
export { isFailure, type IncomingEvent, type ParsedBatch, type ParseFailure } from "./incoming.ts";
export { parseNative } from "./native.ts";
export { parsePostHog } from "./posthog.ts";
export {
  parseSegment,
  segmentWriteKeyFromBasicAuth,
  type SegmentKind,
  type SegmentType,
} from "./segment.ts";
export { parseWoopra, parseWoopraPush, type WoopraEndpoint } from "./woopra.ts";
