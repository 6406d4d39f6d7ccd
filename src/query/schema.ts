/**
 * The JSON Schema (draft 2020-12) of the query language, served at `GET /v1/query/schema` for
 * editors and clients. `parseQuery` is the authority (it also checks what a schema cannot say
 * well: unique column names, `orderBy` naming a column, time zones, `from <= to`).
 */
import {
  MAX_DEPTH,
  MAX_GROUP_BY,
  MAX_IN_VALUES,
  MAX_LIMIT,
  MAX_PAGE,
  MAX_SELECT,
  MAX_STRING,
} from "./limits.ts";
import { FNS, UNITS } from "./parse.ts";
import { OPS } from "./parse-filter.ts";

const scalar = {
  anyOf: [
    { type: "string", maxLength: MAX_STRING },
    { type: "number" },
    { type: "boolean" },
    { type: "null" },
  ],
};
const instant = {
  description: "Epoch milliseconds, or ISO 8601 text with a zone (or a bare date, UTC midnight).",
  anyOf: [
    { type: "number" },
    { type: "string", format: "date-time" },
    { type: "string", format: "date" },
  ],
};
const field = {
  type: "string",
  minLength: 1,
  maxLength: 255,
  description:
    "name, visitor, time, receivedAt, a property (dotted for nested), or visitor.<profile property>",
};

export const querySchema = {
  $schema: "https://json-schema.org/draft/2020-12/schema",
  $id: "https://flamingo.dev/schemas/query.json",
  title: "Flamingo query",
  description: `See docs/query.md. Filters nest at most ${MAX_DEPTH} levels.`,
  type: "object",
  required: ["from"],
  $defs: {
    field,
    scalar,
    instant,
    filter: {
      oneOf: [
        {
          type: "object",
          required: ["field", "op", "value"],
          additionalProperties: false,
          properties: {
            field: { $ref: "#/$defs/field" },
            op: { enum: OPS },
            value: {
              anyOf: [
                { $ref: "#/$defs/scalar" },
                {
                  type: "array",
                  minItems: 1,
                  maxItems: MAX_IN_VALUES,
                  items: { $ref: "#/$defs/scalar" },
                },
              ],
            },
          },
        },
        {
          type: "object",
          required: ["all"],
          additionalProperties: false,
          properties: { all: { type: "array", minItems: 1, items: { $ref: "#/$defs/filter" } } },
        },
        {
          type: "object",
          required: ["any"],
          additionalProperties: false,
          properties: { any: { type: "array", minItems: 1, items: { $ref: "#/$defs/filter" } } },
        },
        {
          type: "object",
          required: ["not"],
          additionalProperties: false,
          properties: { not: { $ref: "#/$defs/filter" } },
        },
      ],
    },
    time: {
      type: "object",
      additionalProperties: false,
      properties: { from: { $ref: "#/$defs/instant" }, to: { $ref: "#/$defs/instant" } },
    },
  },
  oneOf: [
    {
      properties: {
        from: { const: "events" },
        select: {
          type: "array",
          minItems: 1,
          maxItems: MAX_SELECT,
          items: {
            type: "object",
            required: ["fn"],
            additionalProperties: false,
            properties: {
              fn: { enum: FNS },
              field: { $ref: "#/$defs/field" },
              p: { type: "number", minimum: 0, maximum: 1 },
              as: { type: "string", minLength: 1, maxLength: 255 },
            },
          },
        },
        where: { $ref: "#/$defs/filter" },
        groupBy: {
          type: "array",
          maxItems: MAX_GROUP_BY,
          items: {
            anyOf: [
              { $ref: "#/$defs/field" },
              {
                type: "object",
                required: ["time"],
                additionalProperties: false,
                properties: {
                  time: { enum: UNITS },
                  tz: { type: "string", description: "IANA time zone, default UTC" },
                },
              },
            ],
          },
        },
        time: { $ref: "#/$defs/time" },
        orderBy: {
          type: "array",
          items: {
            type: "object",
            required: ["column"],
            additionalProperties: false,
            properties: { column: { type: "string" }, desc: { type: "boolean" } },
          },
        },
        limit: { type: "integer", minimum: 1, maximum: MAX_LIMIT },
      },
      required: ["from", "select"],
      additionalProperties: false,
    },
    {
      properties: {
        from: { enum: ["visitors", "rawEvents"] },
        where: { $ref: "#/$defs/filter" },
        time: { $ref: "#/$defs/time" },
        limit: { type: "integer", minimum: 1, maximum: MAX_PAGE },
        cursor: { type: "string", description: "The `next` of the previous page." },
      },
      required: ["from"],
      additionalProperties: false,
    },
  ],
} as const;
