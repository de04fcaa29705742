// hive_rows.mjs: reads a hive-style layout written by sluice
// (year=YYYY/month=MM/... folders) with DuckDB's read_parquet and
// hive_partitioning = true, as docs/job-file.md tells users to, and prints
// one JSON line per (year, month) partition: the partition columns DuckDB
// derived from the folders, the rows, and the first and last feed_date
// (the records' own day) found in it.
//
//   node hive_rows.mjs 'DIR/**/*.parquet' > PARTITIONS.ndjson
import { DuckDBInstance } from '@duckdb/node-api';
import path from 'node:path';

const glob = process.argv[2];
if (!glob) {
    console.error('hive_rows.mjs: no glob');
    process.exit(2);
}
const lit = (f) => `'${path.resolve(f).replaceAll("'", "''")}'`;
const duck = await DuckDBInstance.create(':memory:');
const con = await duck.connect();
const res = await con.runAndReadAll(`SELECT year, month, typeof(year) AS year_type,
    count(*)::BIGINT AS n, min(feed_date) AS lo, max(feed_date) AS hi
    FROM read_parquet(${lit(glob)}, hive_partitioning = true)
    GROUP BY ALL ORDER BY year, month`);
for (const r of res.getRowObjectsJson())
    process.stdout.write(JSON.stringify(r) + '\n');
