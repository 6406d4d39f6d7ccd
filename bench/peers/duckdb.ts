/**
 * DuckDB (through @duckdb/node-api), pinned to one thread so it uses one core like the others.
 *
 * - `duckdb-table`: the events loaded into a native table, one typed column per property key
 *   (the union over all events, types inferred from the values), persisted to a database file
 *   whose size after CHECKPOINT is reported as its bytes.
 * - `duckdb-ndjson`: the NDJSON file queried in place with `read_ndjson`, naming only the
 *   columns a query needs, which is the fastest way DuckDB offers to query raw JSON.
 */
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import type { FlamEvent } from "../gen/types.ts";
import { countryKey } from "../query.ts";
import type { PriceByCountry, Subject } from "../subject.ts";
import { toNdjson } from "./ndjson.ts";

/** DuckDB's thread count for every subject here; reported by the bench. */
export const DUCKDB_THREADS = 1;

interface Db {
  instance: DuckDBInstance;
  connection: DuckDBConnection;
  dir: string;
  /** Where `duckdb-ndjson` reads from. */
  ndjsonPath: string;
  /** The property key of each `events` column after the first five, in column order. */
  propertyKeys: string[];
}

const sqlString = (s: string): string => `'${s.replaceAll("'", "''")}'`;
const ident = (s: string): string => `"${s.replaceAll('"', '""')}"`;

async function openDb(dir: string, file: string): Promise<Db> {
  const instance = await DuckDBInstance.create(file, { threads: String(DUCKDB_THREADS) });
  const connection = await instance.connect();
  return { instance, connection, dir, ndjsonPath: join(dir, "events.ndjson"), propertyKeys: [] };
}

function closeDb(db: Db): void {
  db.connection.closeSync();
  db.instance.closeSync();
  rmSync(db.dir, { recursive: true, force: true });
}

/** The DuckDB type that holds every value a key takes in these events. */
function inferTypes(records: readonly Record<string, unknown>[]): Map<string, string> {
  const kinds = new Map<string, Set<string>>();
  for (const record of records)
    for (const [key, value] of Object.entries(record)) {
      if (value === null) continue;
      const kind =
        typeof value === "number" && !Number.isSafeInteger(value) ? "double" : typeof value;
      let set = kinds.get(key);
      if (!set) kinds.set(key, (set = new Set()));
      set.add(kind);
    }
  const types = new Map<string, string>();
  for (const [key, set] of kinds) {
    const only =
      set.size === 1
        ? [...set][0]
        : set.size === 2 && set.has("double") && set.has("number")
          ? "double"
          : "mixed";
    types.set(
      key,
      { string: "VARCHAR", number: "BIGINT", double: "DOUBLE", boolean: "BOOLEAN" }[only!] ??
        "JSON",
    );
  }
  return types;
}

function structType(types: ReadonlyMap<string, string>): string {
  const fields = [...types].map(([key, type]) => `${ident(key)} ${type}`);
  return fields.length === 0 ? "JSON" : `STRUCT(${fields.join(", ")})`;
}

async function priceByCountry(connection: DuckDBConnection, sql: string): Promise<PriceByCountry> {
  const reader = await connection.runAndReadAll(sql);
  const sums: PriceByCountry = new Map();
  for (const [country, total] of reader.getRows()) sums.set(countryKey(country), Number(total));
  return sums;
}

/**
 * Streams `sql` and hands each row, converted to JS values, to `toObject`; returns the row count.
 * Rows as JS arrays are the cheapest full conversion node-api offers (about half the cost of its
 * row objects), which `toObject` then shapes like an event.
 */
async function decodeRows(
  connection: DuckDBConnection,
  sql: string,
  toObject: (row: readonly unknown[]) => unknown,
): Promise<number> {
  const result = await connection.stream(sql);
  let count = 0;
  for await (const rows of result.yieldRowsJs())
    for (const row of rows) if (toObject(row) !== undefined) count++;
  return count;
}

/** A row of the wide `events` table back into an event: absent and null columns dropped. */
function tableRowToEvent(row: readonly unknown[], keys: readonly string[]): object {
  const properties: Record<string, unknown> = {};
  for (let i = 0; i < keys.length; i++) {
    const value = row[i + 5];
    if (value !== null) properties[keys[i]!] = value;
  }
  return {
    id: row[0],
    visitor: row[1],
    name: row[2],
    time: (row[3] as Date).getTime(),
    receivedAt: (row[4] as Date).getTime(),
    properties,
    visitorProperties: row[row.length - 1] ?? {},
  };
}

/** DuckDB's version and the thread count it actually runs with under these settings. */
export async function duckdbSettings(): Promise<{ version: string; threads: string }> {
  const instance = await DuckDBInstance.create(":memory:", { threads: String(DUCKDB_THREADS) });
  const connection = await instance.connect();
  const reader = await connection.runAndReadAll("SELECT version(), current_setting('threads')");
  const [version, threads] = reader.getRows()[0]!;
  connection.closeSync();
  instance.closeSync();
  return { version: String(version), threads: String(threads) };
}

const TOP_LEVEL = new Set(["id", "visitor", "name", "time", "received_at", "visitor_properties"]);

/** Events as a native DuckDB table in a database file. */
export function createDuckdbTableSubject(): Subject {
  const opened: Db[] = [];
  return {
    name: "duckdb-table",
    async encode(events: FlamEvent[]) {
      const dir = mkdtempSync(join(tmpdir(), "flamingo-bench-duckdb-"));
      const file = join(dir, "events.duckdb");
      const db = await openDb(dir, file);
      opened.push(db);
      writeFileSync(db.ndjsonPath, toNdjson(events));
      const props = inferTypes(events.map((e) => e.properties));
      const visitorProps = inferTypes(events.map((e) => e.visitorProperties));
      const columns = [
        `'id': 'VARCHAR'`,
        `'visitor': 'VARCHAR'`,
        `'name': 'VARCHAR'`,
        `'time': 'BIGINT'`,
        `'receivedAt': 'BIGINT'`,
        `'properties': ${sqlString(structType(props))}`,
        `'visitorProperties': ${sqlString(structType(visitorProps))}`,
      ];
      db.propertyKeys = [...props.keys()];
      const propertyColumns = db.propertyKeys.map(
        (key) =>
          `properties.${ident(key)} AS ${ident(TOP_LEVEL.has(key) ? `property_${key}` : key)}`,
      );
      await db.connection.run(`
        CREATE TABLE events AS
        SELECT id, visitor, name, epoch_ms(time) AS time, epoch_ms(receivedAt) AS received_at,
          ${propertyColumns.join(",\n          ")},
          visitorProperties AS visitor_properties
        FROM read_ndjson(${sqlString(db.ndjsonPath)}, columns = {${columns.join(", ")}})`);
      await db.connection.run("CHECKPOINT");
      rmSync(db.ndjsonPath);
      return { data: db, bytes: statSync(file).size };
    },
    decodeAll: (data) => {
      const db = data as Db;
      return decodeRows(db.connection, "SELECT * FROM events", (row) =>
        tableRowToEvent(row, db.propertyKeys),
      );
    },
    q1: (data) =>
      priceByCountry(
        (data as Db).connection,
        "SELECT country, sum(price) FROM events WHERE name = 'purchase' AND price IS NOT NULL GROUP BY country",
      ),
    q2: (data) =>
      priceByCountry(
        (data as Db).connection,
        "SELECT country, sum(price) FROM events WHERE price IS NOT NULL GROUP BY country",
      ),
    close() {
      for (const db of opened.splice(0)) closeDb(db);
    },
  };
}

/** The NDJSON file queried in place by DuckDB's JSON reader. */
export function createDuckdbNdjsonSubject(): Subject {
  const opened: Db[] = [];
  const scan = (db: Db): string =>
    `read_ndjson(${sqlString(db.ndjsonPath)}, columns = {'name': 'VARCHAR', 'properties': 'STRUCT(country VARCHAR, price DOUBLE)'})`;
  return {
    name: "duckdb-ndjson",
    async encode(events: FlamEvent[]) {
      const dir = mkdtempSync(join(tmpdir(), "flamingo-bench-duckdb-"));
      const db = await openDb(dir, ":memory:");
      opened.push(db);
      const bytes = toNdjson(events);
      writeFileSync(db.ndjsonPath, bytes);
      return { data: db, bytes: bytes.byteLength };
    },
    // Full decode lets DuckDB detect the schema, as a user reading unknown JSON would.
    decodeAll: (data) =>
      decodeRows(
        (data as Db).connection,
        `SELECT * FROM read_ndjson(${sqlString((data as Db).ndjsonPath)})`,
        (row) => row,
      ),
    q1: (data) =>
      priceByCountry(
        (data as Db).connection,
        `SELECT properties.country, sum(properties.price) FROM ${scan(data as Db)}
         WHERE name = 'purchase' AND properties.price IS NOT NULL GROUP BY 1`,
      ),
    q2: (data) =>
      priceByCountry(
        (data as Db).connection,
        `SELECT properties.country, sum(properties.price) FROM ${scan(data as Db)}
         WHERE properties.price IS NOT NULL GROUP BY 1`,
      ),
    close() {
      for (const db of opened.splice(0)) closeDb(db);
    },
  };
}
