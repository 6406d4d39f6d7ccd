/** Runs a wire-format parser, turning its FormatError (a wholly unusable body) into a 400. */
import { FormatError } from "../formats/format-error.ts";
import type { ParsedBatch } from "../formats/incoming.ts";
import { HttpError } from "../http-error.ts";

export function parsed(parse: () => ParsedBatch): ParsedBatch {
  try {
    return parse();
  } catch (e) {
    if (e instanceof FormatError) throw new HttpError(400, e.code, e.message);
    throw e;
  }
}
