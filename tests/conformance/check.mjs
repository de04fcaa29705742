// check.mjs: reads Parquet files written by sluice with three independent
// readers — DuckDB (@duckdb/node-api), Apache Arrow's Rust reader
// (parquet-wasm, rows through apache-arrow) and hyparquet (with
// hyparquet-compressors) — and compares every row each reader returns with
// the source JSON value, value by value (docs/testing.md, "Conformance").
//
//   node check.mjs --expected RECORDS.ndjson [options] FILE.parquet...
//
// The files are read in order and their rows concatenated; RECORDS.ndjson
// holds the records as sluice selected them, one per line, in the same
// order (with the record_key_as field when the job has one). Options:
//   --column PATH=TYPE   a declared type of the job's `columns:` (double,
//                        int64, date, timestamp, timestamp_s|ms|us, json);
//                        the expected value is converted as sluice documents
//   --min-row-groups N   each file must have at least N row groups (footer,
//                        as hyparquet and DuckDB's parquet_metadata see it)
//   --expect-columns A,B the top-level columns every reader must see
//   --codec NAME         every column chunk is compressed with NAME
//                        (UNCOMPRESSED, SNAPPY, GZIP, ZSTD), by the footer
//                        as hyparquet and DuckDB's parquet_metadata see it
//   --known-duckdb-deep-list-hang
//                        skip DuckDB for a file whose schema nests lists
//                        32 deep (DuckDB spins for minutes on those, even
//                        on files it wrote itself); refused for any other
//                        file, and the skip is printed
//
// Comparison, guided by each file's Parquet schema:
//   - a struct equals a JSON object when every schema field equals the
//     object's member of that name; a member missing from the object
//     equals a null column (every column is optional, the schema is the
//     job's). A member the schema does not have must hold no typed value
//     (null, {}, [] or objects/arrays of those only): sluice writes no
//     column until a type is seen.
//   - null, {} and [] stay distinct where Parquet keeps them distinct: a
//     present struct with all fields null is not a null struct.
//   - lists: same length, element by element.
//   - INT64: the JSON integer exactly (BigInt); a reader giving a Number is
//     accepted only for safe integers. DOUBLE: the JSON number parsed as an
//     IEEE double, bit for bit (Object.is). Integers beyond 2^53 in the
//     expected file are parsed exactly (BigInt), never through a double.
//   - strings: code unit for code unit (U+0000, surrogate pairs included).
//   - JSON text columns: the text is parsed (integers exact) and compared
//     strictly with the JSON value (here a missing member is not null).
//   - TIMESTAMP: microseconds since the epoch, UTC; DATE: days.
//   - a record that is not an object is compared as {"value": record}.
//   - column names map back to member names as sluice writes them: "_" is
//     the empty name, the six characters \u0000 a NUL.
// Exit status 0 when all three readers agree on every row; 1 naming the
// reader, file, row and path of the first difference; 2 on usage errors.
import './keepbom.mjs'; /* first: see keepbom.mjs */
import fs from 'node:fs';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { readParquet } from 'parquet-wasm';
import { tableFromIPC, Vector } from 'apache-arrow';
import { parquetMetadata, parquetSchema, parquetReadObjects } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { parseJson, compareJson } from './json.mjs';

class Diff extends Error {}

function usage(msg) {
    console.error(`check.mjs: ${msg}`);
    process.exit(2);
}

function parseArgs(argv) {
    const o = { columns: new Map(), files: [], minRowGroups: 0,
                expectColumns: null, deepListSkip: false };
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        const val = () => (i + 1 < argv.length ? argv[++i] : usage(`${a} needs a value`));
        if (a === '--expected') o.expected = val();
        else if (a === '--column') {
            const v = val(), eq = v.lastIndexOf('=');
            if (eq < 1) usage(`--column ${v}: expected PATH=TYPE`);
            o.columns.set(v.slice(0, eq), v.slice(eq + 1));
        } else if (a === '--min-row-groups') o.minRowGroups = Number(val());
        else if (a === '--expect-columns') o.expectColumns = val() === '' ? [] : argv[i].split(',');
        else if (a === '--codec') o.codec = val().toUpperCase();
        else if (a === '--known-duckdb-deep-list-hang') o.deepListSkip = true;
        else if (a.startsWith('--')) usage(`unknown option ${a}`);
        else o.files.push(a);
    }
    if (!o.expected || o.files.length === 0) usage('usage: check.mjs --expected FILE.ndjson [options] FILE.parquet...');
    return o;
}

/* Expected records: JSON.parse for speed, the exact parser for lines with
 * a run of 16+ digits (an integer that a double may not hold). */
function loadExpected(file) {
    const text = fs.readFileSync(file, 'utf8');
    const rows = [];
    let start = 0;
    while (start < text.length) {
        let end = text.indexOf('\n', start);
        if (end < 0) end = text.length;
        const line = text.slice(start, end);
        start = end + 1;
        if (line.trim() === '') continue;
        const v = /\d{16}/.test(line) ? parseJson(line) : JSON.parse(line);
        rows.push(v !== null && typeof v === 'object' && !Array.isArray(v) ? v : { value: v });
    }
    return rows;
}

/* ---- the Parquet schema (hyparquet's footer parse), for types ---- */

function isList(node) {
    const e = node.element;
    return e.converted_type === 'LIST' || e.logical_type?.type === 'LIST';
}

function listElement(node) {
    /* 3-level LIST: <name> (LIST) { repeated group list { element } } */
    const rep = node.children[0];
    return rep.children.length === 1 && rep.element.num_children !== undefined
        ? rep.children[0] : rep;
}

function maxListDepth(node) {
    if (!node.children.length) return 0;
    if (isList(node)) return 1 + maxListDepth(listElement(node));
    return Math.max(0, ...node.children.map(maxListDepth));
}

function leafKind(e) {
    const lt = e.logical_type?.type, ct = e.converted_type;
    if (lt === 'TIMESTAMP' || ct === 'TIMESTAMP_MICROS' || ct === 'TIMESTAMP_MILLIS') return 'timestamp';
    if (lt === 'DATE' || ct === 'DATE') return 'date';
    if (lt === 'JSON' || ct === 'JSON') return 'json';
    if (e.type === 'BYTE_ARRAY') return 'string';
    if (e.type === 'INT64') return 'int64';
    if (e.type === 'DOUBLE') return 'double';
    if (e.type === 'BOOLEAN') return 'boolean';
    return `unsupported ${e.type}`;
}

/* ---- reader values to canonical scalars ---- */

function isDuckStruct(v) { return v !== null && typeof v === 'object' && 'entries' in v && v.constructor?.name === 'DuckDBStructValue'; }

function structField(v, name) {
    if (isDuckStruct(v)) return v.entries[name];
    return v[name]; /* plain object (hyparquet) or arrow StructRow */
}

function isStructValue(v) {
    return v !== null && typeof v === 'object' && !Array.isArray(v) && !('items' in v && v.constructor?.name === 'DuckDBListValue')
        && !(v instanceof Vector) && !(v instanceof Date) && !ArrayBuffer.isView(v);
}

function listItems(v) {
    if (Array.isArray(v)) return v;
    if (v && v.constructor?.name === 'DuckDBListValue') return v.items;
    if (v instanceof Vector) return Array.from(v);
    if (ArrayBuffer.isView(v)) return Array.from(v);
    return null;
}

function canonTimestamp(v) {
    if (typeof v === 'bigint') return v;
    if (v && typeof v === 'object' && 'micros' in v) return BigInt(v.micros);     /* DuckDB */
    if (v && typeof v === 'object' && 'us' in v) return BigInt(v.us);             /* hyparquet, our parser */
    if (typeof v === 'number') return BigInt(Math.round(v * 1000));               /* arrow: ms as a double */
    if (v instanceof Date) return BigInt(v.getTime()) * 1000n;
    return undefined;
}

function canonDate(v) {
    if (v && typeof v === 'object' && 'days' in v) return Number(v.days);
    if (typeof v === 'number') return v / 86400000;                                /* arrow: ms */
    if (v instanceof Date) return v.getTime() / 86400000;
    return undefined;
}

/* ---- expected values converted by declared type ---- */

function daysFromCivil(y, m, d) {
    return Math.floor(Date.UTC(y, m - 1, d) / 86400000);
}

function parseIso(s) {
    const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?(Z|[+-]\d{2}:?\d{2})?$/.exec(s);
    if (!m) return null;
    let us = BigInt(Date.UTC(+m[1], +m[2] - 1, +m[3], +(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0))) * 1000n;
    if (m[7]) us += BigInt((m[7] + '000000').slice(0, 6));
    if (m[8] && m[8] !== 'Z') {
        const sign = m[8][0] === '-' ? -1n : 1n, hh = BigInt(m[8].slice(1, 3)), mm = BigInt(m[8].slice(-2));
        us -= sign * (hh * 3600n + mm * 60n) * 1000000n;
    }
    return us;
}

function numText(v) { return typeof v === 'bigint' ? v.toString() : typeof v === 'number' ? String(v) : v; }

function epochTo(v, scale) {
    if (typeof v === 'string' && !/^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(v.trim())) return null;
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'bigint') return null;
    const t = numText(v).trim();
    if (/^-?\d+$/.test(t)) return BigInt(t) * scale;
    return BigInt(Math.round(Number(t) * Number(scale)));
}

function convertDeclared(decl, v, where) {
    if (v === null || v === undefined) return null;
    switch (decl) {
    case 'double':
        if (typeof v === 'number' || typeof v === 'bigint') return v;
        if (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v))) return Number(v);
        return null;
    case 'int64':
        if (typeof v === 'bigint') return v;
        if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
        if (typeof v === 'string' && /^-?\d+$/.test(v.trim())) return BigInt(v.trim());
        return null;
    case 'date': {
        const m = typeof v === 'string' && /^(\d{4})-(\d{2})-(\d{2})$/.exec(v);
        return m ? { days: daysFromCivil(+m[1], +m[2], +m[3]) } : null;
    }
    case 'timestamp': return typeof v === 'string' && parseIso(v) !== null ? { us: parseIso(v) } : null;
    case 'timestamp_s': { const us = epochTo(v, 1000000n); return us === null ? null : { us }; }
    case 'timestamp_ms': { const us = epochTo(v, 1000n); return us === null ? null : { us }; }
    case 'timestamp_us': { const us = epochTo(v, 1n); return us === null ? null : { us }; }
    case 'json': return v;
    default: throw new Error(`--column ${where}=${decl}: check.mjs does not model this declared type`);
    }
}

/* ---- the comparison ---- */

function untyped(v) {
    if (v === null || v === undefined) return true;
    if (Array.isArray(v)) return v.every(untyped);
    if (typeof v === 'object') return Object.values(v).every(untyped);
    return false;
}

function show(v) {
    const s = JSON.stringify(v, (k, x) => (typeof x === 'bigint' ? `\u0000${x}\u0000` : x))
        ?.replace(/"\\u0000(-?\d+)\\u0000"/g, '$1');
    return s === undefined ? String(v) : s.length > 120 ? `${s.slice(0, 120)}...` : s;
}

function differ(where, msg) { throw new Diff(where ? `${where}: ${msg}` : msg); }

function compareLeaf(exp, act, node, where, declPath, ctx) {
    const decl = ctx.columns.get(declPath);
    if (decl !== undefined) exp = convertDeclared(decl, exp, declPath);
    if (exp === undefined) exp = null;
    if (act === undefined) act = null;
    if (exp === null || act === null) {
        if (exp !== act) differ(where, `expected ${show(exp)}, read ${show(act)}`);
        return;
    }
    const kind = leafKind(node.element);
    switch (kind) {
    case 'boolean':
        if (act !== exp) differ(where, `expected ${exp}, read ${show(act)}`);
        return;
    case 'int64': {
        if (typeof exp !== 'bigint' && !(typeof exp === 'number' && Number.isInteger(exp)))
            differ(where, `INT64 column but the JSON value is ${show(exp)}`);
        const want = BigInt(exp);
        let got;
        if (typeof act === 'bigint') got = act;
        else if (typeof act === 'number' && Number.isSafeInteger(act)) got = BigInt(act);
        else differ(where, `INT64 read as ${typeof act} ${show(act)}`);
        if (got !== want) differ(where, `expected ${want}, read ${got}`);
        return;
    }
    case 'double': {
        if (typeof exp !== 'number' && typeof exp !== 'bigint') differ(where, `DOUBLE column but the JSON value is ${show(exp)}`);
        const want = Number(exp);
        if (typeof act !== 'number' || !Object.is(act, want)) differ(where, `expected ${want}, read ${show(act)}`);
        return;
    }
    case 'string':
        if (typeof act !== 'string' || act !== exp) {
            if (typeof exp !== 'string') differ(where, `STRING column but the JSON value is ${show(exp)}`);
            let i = 0;
            while (typeof act === 'string' && i < act.length && act[i] === exp[i]) i++;
            differ(where, `strings differ at code unit ${i} (lengths ${exp.length}/${act?.length}): expected ${show(exp.slice(i, i + 20))}, read ${show(typeof act === 'string' ? act.slice(i, i + 20) : act)}`);
        }
        return;
    case 'json': {
        if (typeof act !== 'string') differ(where, `JSON column read as ${typeof act}`);
        let parsed;
        try { parsed = parseJson(act); } catch (e) { differ(where, `JSON text does not parse: ${e.message}`); }
        const d = compareJson(exp, parsed);
        if (d) differ(`${where}${d.path}`, `JSON text differs: expected ${show(d.exp)}, read ${show(d.act)}`);
        return;
    }
    case 'timestamp': {
        if (!exp || typeof exp !== 'object' || !('us' in exp)) differ(where, `TIMESTAMP column, undeclared JSON value ${show(exp)} (pass --column)`);
        const got = canonTimestamp(act);
        if (got !== exp.us) differ(where, `expected ${exp.us} µs, read ${show(act)} (${got} µs)`);
        return;
    }
    case 'date': {
        if (!exp || typeof exp !== 'object' || !('days' in exp)) differ(where, `DATE column, undeclared JSON value ${show(exp)} (pass --column)`);
        const got = canonDate(act);
        if (got !== exp.days) differ(where, `expected day ${exp.days}, read ${show(act)}`);
        return;
    }
    default:
        differ(where, `${kind} column`);
    }
}

/* sluice's column names: "" is written "_", a NUL as the six characters \u0000 */
function jsonName(col) { return col === '_' ? '' : col.replaceAll('\\u0000', '\u0000'); }

function compareNode(exp, act, node, where, declPath, ctx) {
    if (!node.children.length) return compareLeaf(exp, act, node, where, declPath, ctx);
    if (exp === undefined) exp = null;
    if (act === undefined) act = null;
    if (exp === null || act === null) {
        if (exp === null && act === null) return;
        differ(where, `expected ${show(exp)}, read ${show(act)}`);
    }
    if (isList(node)) {
        if (!Array.isArray(exp)) differ(where, `LIST column but the JSON value is ${show(exp)}`);
        const items = listItems(act);
        if (!items) differ(where, `expected a list, read ${show(act)}`);
        if (items.length !== exp.length) differ(where, `expected ${exp.length} elements, read ${items.length}`);
        const el = listElement(node);
        for (let i = 0; i < exp.length; i++)
            compareNode(exp[i], items[i], el, `${where}[${i}]`, `${declPath}[]`, ctx);
        return;
    }
    if (typeof exp !== 'object' || Array.isArray(exp)) differ(where, `STRUCT column but the JSON value is ${show(exp)}`);
    if (!isStructValue(act)) differ(where, `expected a struct, read ${show(act)}`);
    compareFields(exp, (name) => structField(act, name), node, where, declPath, ctx);
}

function compareFields(exp, get, node, where, declPath, ctx) {
    const seen = new Set();
    for (const kid of node.children) {
        const name = jsonName(kid.element.name);
        seen.add(name);
        const sub = where ? `${where}.${name}` : name;
        compareNode(exp[name], get(kid.element.name), kid, sub, declPath ? `${declPath}.${name}` : name, ctx);
    }
    for (const k of Object.keys(exp)) {
        if (!seen.has(k) && !untyped(exp[k]))
            differ(where ? `${where}.${k}` : k, `JSON value ${show(exp[k])} has no column in the file's schema`);
    }
}

/* ---- the three readers: each yields rows for one file ---- */

async function readDuckdb(file, ctx) {
    const con = await ctx.duck.connect();
    try {
        const lit = `'${file.replaceAll("'", "''")}'`;
        const meta = await con.runAndReadAll(`SELECT count(DISTINCT row_group_id) AS n,
            list(DISTINCT compression) AS codecs FROM parquet_metadata(${lit})`);
        const m = meta.getRowObjects()[0];
        const rowGroups = Number(m.n), codecs = m.codecs ? m.codecs.items.map(String) : [];
        const res = await con.stream(`SELECT * FROM read_parquet(${lit})`);
        const names = res.columnNames();
        const rows = [];
        for (let chunk; (chunk = await res.fetchChunk()) && chunk.rowCount > 0;)
            chunk.appendToRowObjects(names, rows);
        return { rows, columns: names, rowGroups, codecs };
    } finally {
        con.closeSync?.();
    }
}

async function readArrow(file) {
    const bytes = new Uint8Array(fs.readFileSync(file));
    const wasmTable = readParquet(bytes);
    const table = tableFromIPC(wasmTable.intoIPCStream());
    const rows = [];
    for (const row of table) rows.push(row);
    return { rows, columns: table.schema.fields.map((f) => f.name) };
}

/* invalid UTF-8 must fail, not become U+FFFD; a leading U+FEFF is data */
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

const hyparsers = {
    /* raw forms: no precision lost to Date or JSON.parse */
    timestampFromMicroseconds: (us) => ({ us: BigInt(us) }),
    timestampFromMilliseconds: (ms) => ({ us: BigInt(ms) * 1000n }),
    timestampFromNanoseconds: (ns) => ({ us: BigInt(ns) / 1000n }),
    dateFromDays: (days) => ({ days }),
    jsonFromBytes: (b) => strictUtf8.decode(b),
    stringFromBytes: (b) => b && strictUtf8.decode(b),
};

async function readHyparquet(file, meta, ab) {
    const rows = await parquetReadObjects({ file: ab, metadata: meta, compressors, parsers: hyparsers });
    return { rows, columns: parquetSchema(meta).children.map((c) => c.element.name) };
}

/* ---- main ---- */

async function main() {
    const opts = parseArgs(process.argv.slice(2));
    const expected = loadExpected(opts.expected);
    const ctx = { columns: opts.columns, duck: await DuckDBInstance.create(':memory:') };
    const files = opts.files.map((f) => {
        const buf = fs.readFileSync(f);
        const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length);
        const meta = parquetMetadata(ab);
        return { path: f, ab, meta, schema: parquetSchema(meta) };
    });
    let failed = false;
    const readers = [
        ['duckdb', (f) => readDuckdb(path.resolve(f.path), ctx)],
        ['arrow-rs (parquet-wasm)', (f) => readArrow(f.path)],
        ['hyparquet', (f) => readHyparquet(f.path, f.meta, f.ab)],
    ];
    for (const [name, read] of readers) {
        let row = 0, skipped = 0, groupsSeen = 0;
        try {
            for (const f of files) {
                const depth = maxListDepth(f.schema);
                if (name === 'duckdb' && opts.deepListSkip) {
                    if (depth < 32) differ('', `--known-duckdb-deep-list-hang given but ${f.path} nests lists only ${depth} deep`);
                    console.log(`check: duckdb: SKIPPED ${f.path}: lists nested ${depth} deep (known DuckDB limit: it spins for minutes; docs/testing.md)`);
                    row += Number(f.meta.num_rows);
                    skipped++;
                    continue;
                }
                const got = await read(f);
                const groups = got.rowGroups ?? f.meta.row_groups.length;
                groupsSeen += groups;
                if (groups < opts.minRowGroups) differ('', `${f.path}: ${groups} row groups, expected at least ${opts.minRowGroups}`);
                const codecs = got.codecs ?? [...new Set(f.meta.row_groups.flatMap((g) => g.columns.map((c) => c.meta_data.codec)))];
                if (opts.codec && codecs.join(',') !== opts.codec)
                    differ('', `${f.path}: codecs [${codecs}], expected ${opts.codec}`);
                if (opts.expectColumns && got.columns.join(',') !== opts.expectColumns.join(','))
                    differ('', `${f.path}: columns [${got.columns}], expected [${opts.expectColumns}]`);
                if (got.rows.length !== Number(f.meta.num_rows))
                    differ('', `${f.path}: ${got.rows.length} rows read, footer says ${f.meta.num_rows}`);
                for (let i = 0; i < got.rows.length; i++, row++) {
                    if (row >= expected.length) differ('', `${f.path}: more rows than the ${expected.length} expected`);
                    try {
                        const act = got.rows[i];
                        compareFields(expected[row], (n) => structField(act, n), f.schema, '', '', ctx);
                    } catch (e) {
                        if (e instanceof Diff) throw new Diff(`${f.path}: row ${i} (record ${row}): ${e.message}`);
                        throw e;
                    }
                }
            }
            if (row !== expected.length) differ('', `${row} rows in the files, ${expected.length} expected`);
            console.log(`check: ${name}: ${row - 0} rows in ${files.length} file(s) (${groupsSeen} row groups) equal to the source JSON${skipped ? ` (${skipped} file(s) skipped, see above)` : ''}`);
        } catch (e) {
            failed = true;
            console.error(`check: ${name}: ${e instanceof Diff ? '' : 'error: '}${e instanceof Diff ? e.message : e.stack || e}`);
        }
    }
    process.exit(failed ? 1 : 0);
}

await main();
