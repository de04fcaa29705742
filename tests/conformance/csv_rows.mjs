// csv_rows.mjs: reads CSV files written by sluice with DuckDB's read_csv
// (@duckdb/node-api) and prints every row as one JSON object of column ->
// string or null, for tests/e2e/lib/csv_check.py to compare with the
// source records. The options are the ones docs/job-file.md gives users:
// header=true; all_varchar=true (the values as written, not DuckDB's
// guesses); allow_quoted_nulls=false, so "" is the empty string and only
// an empty unquoted field is NULL; union_by_name=true, since a column
// added later is only in the later files.
//
//   node csv_rows.mjs FILE.csv... > ROWS.ndjson
import { DuckDBInstance } from '@duckdb/node-api';
import path from 'node:path';

const files = process.argv.slice(2);
if (!files.length) {
    console.error('csv_rows.mjs: no files');
    process.exit(2);
}
const lit = (f) => `'${path.resolve(f).replaceAll("'", "''")}'`;
const duck = await DuckDBInstance.create(':memory:');
const con = await duck.connect();
const res = await con.stream(`SELECT * FROM read_csv([${files.map(lit).join(',')}],
    header = true, all_varchar = true, allow_quoted_nulls = false,
    union_by_name = true, delim = ',', quote = '"', escape = '"',
    strict_mode = true)`);
const names = res.columnNames();
let out = '';
for (let chunk; (chunk = await res.fetchChunk()) && chunk.rowCount > 0;) {
    const rows = [];
    chunk.appendToRowObjects(names, rows);
    for (const r of rows) out += JSON.stringify(r) + '\n';
    if (out.length > 1 << 20) {
        process.stdout.write(out);
        out = '';
    }
}
process.stdout.write(out);
