/**
 * DuckDB's answers to the four queries over a native table (`threads = 1`), in the engine's
 * answer shape so the same comparison checks both.
 *
 * The table is loaded as the `duckdb-table` peer loads its own (NDJSON through `read_ndjson`
 * with explicit column types, `CREATE TABLE AS`, `CHECKPOINT`), but holds only the columns these
 * queries read: the peer builds its NDJSON as one string, which V8 cannot hold for 1M events
 * (about 666 MB), and a column store never reads the columns a query does not name. Q4 uses
 * `quantile_disc`, whose rank rule differs from docs/query.md's nearest rank, so the bench checks
 * it only to lie within one rank of the exact value.
 */
import { appendFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import type { FlamEvent } from "../gen/types.ts";
import { DUCKDB_THREADS } from "../peers/duckdb.ts";
import { dayLabel, type Answer, type BenchQuery } from "./queries.ts";

const SQL: Record<BenchQuery["name"], string> = {
  q1: "SELECT country, sum(price) FROM events WHERE name = 'purchase' GROUP BY country",
  q2: "SELECT name, epoch_ms(date_trunc('day', time)) AS day, count(*) FROM events GROUP BY 1, 2",
  q3: "SELECT country, count(DISTINCT visitor) FROM events GROUP BY country",
  q4: "SELECT quantile_disc(price, 0.9) FROM events WHERE price IS NOT NULL",
};

const COLUMNS: Record<BenchQuery["name"], string[]> = {
  q1: ["country", "sum_price"],
  q2: ["name", "day", "count"],
  q3: ["country", "countDistinct_visitor"],
  q4: ["p90_price"],
};

/** Events per NDJSON chunk written: well under V8's largest string. */
const CHUNK = 50_000;

/** The events in DuckDB's native table, and a way to ask it the bench's queries. */
export interface DuckdbTable {
  run(name: BenchQuery["name"]): Promise<Answer>;
  close(): void;
}

/**
 * Loads `events` into a native table in a database file (removed by `close`).
 *
 * @example
 * const duck = await loadDuckdbTable(events);
 * const answer = await duck.run("q1");
 */
export async function loadDuckdbTable(events: readonly FlamEvent[]): Promise<DuckdbTable> {
  const dir = mkdtempSync(join(tmpdir(), "flamingo-bench-query-duckdb-"));
  try {
    return await openTable(dir, events);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

async function openTable(dir: string, events: readonly FlamEvent[]): Promise<DuckdbTable> {
  const ndjson = join(dir, "events.ndjson");
  for (let i = 0; i < events.length; i += CHUNK) {
    const lines = events.slice(i, i + CHUNK).map((e) =>
      JSON.stringify({
        id: e.id,
        visitor: e.visitor,
        name: e.name,
        time: e.time,
        // Absent and null alike become SQL NULL, as docs/query.md groups them.
        country: e.properties["country"] ?? null,
        price: e.properties["price"] ?? null,
      }),
    );
    appendFileSync(ndjson, `${lines.join("\n")}\n`);
  }
  const instance = await DuckDBInstance.create(join(dir, "events.duckdb"), {
    threads: String(DUCKDB_THREADS),
  });
  const connection = await instance.connect();
  await connection.run(`
    CREATE TABLE events AS
    SELECT id, visitor, name, epoch_ms(time) AS time, country, price
    FROM read_ndjson('${ndjson}', columns = {'id': 'VARCHAR', 'visitor': 'VARCHAR',
      'name': 'VARCHAR', 'time': 'BIGINT', 'country': 'VARCHAR', 'price': 'DOUBLE'})`);
  await connection.run("CHECKPOINT");
  rmSync(ndjson);
  return {
    async run(name) {
      const reader = await connection.runAndReadAll(SQL[name]);
      const rows = reader.getRows().map((row) =>
        row.map((cell, i) => {
          if (typeof cell !== "bigint") return cell;
          const n = Number(cell);
          return name === "q2" && i === 1 ? dayLabel(n) : n;
        }),
      );
      return { columns: COLUMNS[name], rows };
    },
    close() {
      connection.closeSync();
      instance.closeSync();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
