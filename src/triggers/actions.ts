/**
 * Reading a trigger's `actions`: in-page payloads, webhooks and tags (docs/triggers.md,
 * "Actions"), each bounded so a definition cannot make an ingest answer, an outbox row or a
 * profile grow without limit.
 */
import { scalar } from "../query/parse-filter.ts";
import { invalid } from "./errors.ts";
import { array, fromQuery, got, object, only, text, utf8Length } from "./json.ts";
import {
  MAX_ACTIONS,
  MAX_FIELD,
  MAX_PAYLOAD_BYTES,
  MAX_SECRET,
  MAX_TAG_STRING,
  MAX_TAGS,
  MAX_URL,
} from "./limits.ts";
import type { Action } from "./spec.ts";
import type { Scalar } from "../query/index.ts";

const TYPES = ["inPage", "webhook", "tag"] as const;
/** Plain http only to this machine, for local receivers in tests and development. */
const LOCAL_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]"]);

/**
 * Validates 1..10 actions at `path`.
 *
 * @throws {DefinitionError} at the offending action's path.
 * @example
 * parseActions([{ type: "tag", set: { promo_sent: true } }], "/actions")
 */
export function parseActions(value: unknown, path: string): Action[] {
  const items = array(value, path);
  if (items.length === 0 || items.length > MAX_ACTIONS)
    throw invalid(path, `must hold 1 to ${MAX_ACTIONS} actions, got ${items.length}`);
  return items.map((item, i) => parseAction(item, `${path}/${i}`));
}

function parseAction(value: unknown, path: string): Action {
  const a = object(value, path);
  switch (a.type) {
    case "inPage":
      only(a, path, ["type", "payload"]);
      return { type: "inPage", payload: payload(a.payload, `${path}/payload`) };
    case "webhook":
      only(a, path, ["type", "url", "secret"]);
      return {
        type: "webhook",
        url: webhookUrl(a.url, `${path}/url`),
        secret: text(a.secret, `${path}/secret`, "a secret", MAX_SECRET),
      };
    case "tag":
      only(a, path, ["type", "set"]);
      return { type: "tag", set: tags(a.set, `${path}/set`) };
    default:
      throw invalid(`${path}/type`, `must be one of ${TYPES.join(", ")}${got(a.type)}`);
  }
}

function payload(value: unknown, path: string): Record<string, unknown> {
  const p = object(value, path);
  let json: string;
  try {
    json = JSON.stringify(p);
  } catch {
    throw invalid(path, "must be JSON");
  }
  const bytes = utf8Length(json);
  if (bytes > MAX_PAYLOAD_BYTES)
    throw invalid(path, `must be at most ${MAX_PAYLOAD_BYTES} bytes as JSON, got ${bytes}`);
  // A copy through JSON: the definition never shares objects with its input.
  return JSON.parse(json) as Record<string, unknown>;
}

function webhookUrl(value: unknown, path: string): string {
  const raw = text(value, path, "a URL", MAX_URL);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalid(path, `must be an absolute URL${got(raw)}`);
  }
  if (url.username !== "" || url.password !== "")
    throw invalid(path, "must not carry credentials: sign with the secret instead");
  if (url.protocol === "https:") return url.href;
  if (url.protocol === "http:" && LOCAL_HOSTS.has(url.hostname)) return url.href;
  throw invalid(path, `must be https:// (http:// only for localhost or 127.0.0.1)${got(raw)}`);
}

function tags(value: unknown, path: string): Record<string, Scalar> {
  const set = object(value, path);
  const keys = Object.keys(set);
  if (keys.length === 0 || keys.length > MAX_TAGS)
    throw invalid(path, `must set 1 to ${MAX_TAGS} properties, got ${keys.length}`);
  const out: [string, Scalar][] = [];
  for (const key of keys) {
    const kpath = `${path}/${key.replaceAll("~", "~0").replaceAll("/", "~1")}`;
    if (utf8Length(key) > MAX_FIELD)
      throw invalid(kpath, `property names are at most ${MAX_FIELD} bytes of UTF-8`);
    const v = fromQuery(() => scalar(set[key], kpath));
    if (typeof v === "string" && v.length > MAX_TAG_STRING)
      throw invalid(kpath, `strings are at most ${MAX_TAG_STRING} characters`);
    out.push([key, v]);
  }
  // fromEntries defines own properties, so a key named __proto__ stays a key.
  return Object.fromEntries(out);
}
