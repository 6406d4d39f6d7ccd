/** FlaM: the Flat Map block format (docs/flam.md). The public surface of `src/flam`. */
export type { FlamEvent, PropertyValue, Scalar, SystemFieldId } from "./event.ts";
export { SystemField } from "./event.ts";
export { BlockBuilder, encodeBlock, type BlockBuilderOptions } from "./block-builder.ts";
export { FlamEncodeError } from "./encode-error.ts";
export { flattenProperties, MAX_DEPTH } from "./flatten.ts";
export { openBlock } from "./decode-block.ts";
export { readHeader, type BlockHeader } from "./header.ts";
export {
  FlamCorruptError,
  FlamTruncatedError,
  FlamErrorCode,
  flamError,
  type FlamDecodeError,
  type FlamCorruptCode,
} from "./errors.ts";
export {
  Tag,
  type BlockReader,
  type FullBlockReader,
  type Column,
  type FieldRef,
  type GroupRow,
  type NumOp,
  type Scan,
} from "./block-reader.ts";
export { xxh32 } from "./xxh32.ts";
export { utf8Length } from "./utf8.ts";
export * as limits from "./limits.ts";
