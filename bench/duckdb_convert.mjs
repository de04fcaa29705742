// duckdb_convert.mjs: DuckDB's one-thread JSON -> zstd Parquet conversion,
// the converter peer of bench/converter.sh (not a test). Run from
// tests/conformance, whose package.json pins @duckdb/node-api:
//
//   node bench/duckdb_convert.mjs IN.ndjson OUT.parquet
//
// Prints one line: "seconds <wall of the COPY>". The connection is opened
// first (outside the timing), as sluice's sink is made before its window.
import { createRequire } from "node:module";
import { performance } from "node:perf_hooks";
import path from "node:path";

const [input, output] = process.argv.slice(2);
if (!input || !output) {
    console.error("usage: node duckdb_convert.mjs IN.ndjson OUT.parquet");
    process.exit(2);
}
const require = createRequire(path.resolve("package.json"));
const { DuckDBInstance } = require("@duckdb/node-api");
const quote = (s) => "'" + s.replaceAll("'", "''") + "'";

const db = await DuckDBInstance.create(":memory:");
const con = await db.connect();
await con.run("SET threads=1");
const t0 = performance.now();
await con.run(
    `COPY (SELECT * FROM read_json(${quote(input)})) TO ${quote(output)} ` +
        "(FORMAT parquet, COMPRESSION zstd)",
);
const t1 = performance.now();
console.log(`seconds ${((t1 - t0) / 1000).toFixed(4)}`);
