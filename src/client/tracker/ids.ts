/** Event ids and the persistent visitor id. */

/**
 * A random (version 4) UUID. `crypto.randomUUID` exists only in secure contexts, so a site served
 * over plain http gets the same format from `crypto.getRandomValues`.
 *
 * @example
 * uuid(); // "3b1e8c2a-5d0f-4e6b-9a41-0c7f2e9d8b13"
 */
export function uuid(): string {
  return crypto.randomUUID
    ? crypto.randomUUID()
    : "10000000-1000-4000-8000-100000000000".replace(/[018]/g, (c) =>
        (
          Number(c) ^
          (crypto.getRandomValues(new Uint8Array(1))[0]! & (15 >> (Number(c) / 4)))
        ).toString(16),
      );
}

/**
 * The visitor id kept in localStorage under `key`: a new anonymous UUID on the first visit, the
 * identified id after `identify()`. Where localStorage is unavailable (storage disabled, some
 * sandboxed iframes) the id lasts for the page only: the tracker still works, visits just do not
 * join up.
 *
 * @example
 * loadVisitor("flamingo-visitor"); // "3b1e8c2a-..." now and on every later page load
 */
export function loadVisitor(key: string): string {
  try {
    return localStorage.getItem(key) ?? saveVisitor(key, uuid());
  } catch {
    return uuid();
  }
}

/** Stores `id` as the visitor id under `key` (for the page only if storage is unavailable). */
export function saveVisitor(key: string, id: string): string {
  try {
    localStorage.setItem(key, id);
  } catch {
    // Unavailable storage: see loadVisitor; the id still holds for this page.
  }
  return id;
}
