/**
 * The dashboard's calls to the edge, with the keys from the login form. Every failure becomes an
 * `ApiError` carrying the edge's error code and message, for the page to show.
 */
export interface Keys {
  read: string;
  admin: string;
}

const STORAGE = "flamingo-dashboard-keys";
const LOCAL = ["127.0.0.1", "localhost", "[::1]"].includes(location.hostname);

/** The demo project's keys, offered when the dashboard is served locally (`npm start`). */
export const DEMO_KEYS: Keys = { read: "demo-read-key", admin: "demo-admin-key" };

/** The keys saved by the login form, or the demo keys locally, or blanks. */
export function loadKeys(): Keys {
  try {
    const saved = JSON.parse(localStorage.getItem(STORAGE) ?? "null") as Keys | null;
    if (saved && typeof saved.read === "string") return saved;
  } catch {
    // a corrupt entry is as good as none
  }
  return LOCAL ? { ...DEMO_KEYS } : { read: "", admin: "" };
}

export function saveKeys(keys: Keys): void {
  localStorage.setItem(STORAGE, JSON.stringify(keys));
}

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/**
 * Calls the edge at `path` with `key`; a body makes it a POST of JSON.
 *
 * @example
 * const { rows } = await api("/v1/query", keys.read, { from: "events", select: [{ fn: "count" }] });
 */
export async function api<T>(
  path: string,
  key: string,
  body?: unknown,
  method?: string,
): Promise<T> {
  const res = await fetch(path, {
    method: method ?? (body === undefined ? "GET" : "POST"),
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status === 204) return undefined as T;
  const json = (await res.json().catch(() => null)) as
    (T & { error?: { code: string; message: string } }) | null;
  if (!res.ok || json === null) {
    const e = json?.error;
    throw new ApiError(res.status, e?.code ?? "http_error", e?.message ?? `HTTP ${res.status}`);
  }
  return json;
}
