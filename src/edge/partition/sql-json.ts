/**
 * Bulk SQL through one JSON parameter: `json_each(?)` turns a JSON array into rows, so hundreds
 * of rows cost one statement instead of one per row (or one per 100 bound parameters, the
 * Durable Object limit). Each crossing from JavaScript into SQL costs more than the row itself.
 */

/**
 * A JSON parameter stays under this many UTF-16 units: at most 1.5 MB of UTF-8, below the
 * 2 MB a Durable Object accepts for one value.
 */
const MAX_CHARS = 512 * 1024;

/**
 * The values as JSON arrays of at most `maxChars` characters each (a single larger value gets an
 * array of its own), in order; none when `values` is empty.
 *
 * @example
 * for (const ids of jsonChunks(["a", "b"])) sql.exec("SELECT value FROM json_each(?)", ids);
 * jsonChunks(["a", "b"]) // ['["a","b"]']
 */
export function jsonChunks(values: readonly unknown[], maxChars = MAX_CHARS): string[] {
  const chunks: string[] = [];
  let parts: string[] = [];
  let size = 2;
  for (const value of values) {
    const text = JSON.stringify(value) ?? "null";
    if (parts.length > 0 && size + text.length + 1 > maxChars) {
      chunks.push(`[${parts.join(",")}]`);
      parts = [];
      size = 2;
    }
    parts.push(text);
    size += text.length + 1;
  }
  if (parts.length > 0) chunks.push(`[${parts.join(",")}]`);
  return chunks;
}
