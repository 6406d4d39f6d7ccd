/**
 * Versioned SQL schemas inside one Durable Object. Each component (the log store, the derived
 * state) owns a list of migrations; the version it has reached is a row of `schema_versions`, so
 * two components sharing one database migrate independently and a later release only appends
 * steps. (`PRAGMA user_version` would hold one number for the whole database.)
 */

/**
 * One migration: the statements that take a component from version `i` to `i + 1`, where `i`
 * is the step's index. Steps are never edited once released; a change is a new step. A function
 * statement runs inside the same transaction, for conversions SQL cannot express alone.
 */
export type Migration = readonly (string | ((sql: SqlStorage) => void))[];

/**
 * Brings `component` to the last version of `steps`, all pending steps in one transaction.
 *
 * @throws {Error} when the stored version is newer than this code knows (a rollback to an older
 *   release): running old code over a newer schema could corrupt it.
 * @example
 * migrate(ctx.storage, "log", [["CREATE TABLE log_tail (first INTEGER PRIMARY KEY, ...)"]]);
 */
export function migrate(
  storage: DurableObjectStorage,
  component: string,
  steps: readonly Migration[],
): void {
  const sql = storage.sql;
  storage.transactionSync(() => {
    sql.exec(
      "CREATE TABLE IF NOT EXISTS schema_versions (component TEXT PRIMARY KEY, version INTEGER NOT NULL)",
    );
    const row = sql
      .exec<{ version: number }>(
        "SELECT version FROM schema_versions WHERE component = ?",
        component,
      )
      .toArray()[0];
    const version = row?.version ?? 0;
    if (version > steps.length)
      throw new Error(
        `schema of ${component} is at version ${version}, newer than this code (${steps.length})`,
      );
    if (version === steps.length) return;
    for (const step of steps.slice(version))
      for (const statement of step)
        if (typeof statement === "string") sql.exec(statement);
        else statement(sql);
    sql.exec(
      "INSERT OR REPLACE INTO schema_versions (component, version) VALUES (?, ?)",
      component,
      steps.length,
    );
  });
}
