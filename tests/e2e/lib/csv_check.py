"""csv_check.py EXPECTED.ndjson MODE FILE...: the rows of sluice's CSV
files hold exactly the records of EXPECTED (one JSON record a line, as
sluice selected them), value for value, each record once.

  MODE csv   FILEs are the CSV files, read with Python's csv module
             (newline=''): each file's header must extend the previous
             file's (columns are only appended), and an empty field stands
             for null, a missing member or the empty string (the csv
             module cannot tell them apart; the unit tests check the bytes)
  MODE rows  FILE is NDJSON of the rows another reader returned (DuckDB's
             read_csv through tests/conformance/csv_rows.mjs): objects of
             column -> string or null; null must be JSON null or a missing
             member, "" the empty string

Each record is found by its "id" and "feed_date" members (unique in
EXPECTED). A cell equals the record's member when: null/missing -> empty
(csv) or null (rows); a string -> the same text; true/false -> the words;
a number -> the literal exactly as in EXPECTED; an object or array -> its
cell parsed as JSON equals it, numbers compared as literals. Every member
of a record must have a column. Exits 1 on the first differences."""
import csv
import json
import sys


class Num(str):
    """A number kept as its literal text."""


def parse(text):
    return json.loads(text, parse_float=Num, parse_int=Num,
                      parse_constant=Num)


def same(want, cell, mode):
    if want is None:
        return cell is None or (mode == "csv" and cell == "")
    if cell is None:
        return False
    if isinstance(want, bool):
        return cell == ("true" if want else "false")
    if isinstance(want, Num):
        return cell == str(want)
    if isinstance(want, str):
        return cell == want
    try:
        got = parse(cell)
    except ValueError:
        return False
    return typed(got) == typed(want)


def typed(v):
    """Tags values so that the string "1" and the number 1 differ."""
    if isinstance(v, dict):
        return {k: typed(x) for k, x in v.items()}
    if isinstance(v, list):
        return [typed(x) for x in v]
    if isinstance(v, Num):
        return ("num", str(v))
    return (type(v).__name__, v)


def rows_csv(paths):
    prev = []
    for p in paths:
        with open(p, newline="", encoding="utf-8") as f:
            r = csv.reader(f, strict=True)
            header = next(r)
            if header[:len(prev)] != prev:
                sys.exit(f"{p}: header {header[:8]}... does not extend the "
                         f"previous file's {prev[:8]}...")
            if len(set(header)) != len(header):
                sys.exit(f"{p}: repeated column names")
            prev = header
            for n, row in enumerate(r, 2):
                if len(row) != len(header):
                    sys.exit(f"{p}: row {n}: {len(row)} fields, header has "
                             f"{len(header)}")
                yield p, n, dict(zip(header, row))


def rows_json(path):
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            yield path, n, json.loads(line)


def main():
    exp_path, mode, files = sys.argv[1], sys.argv[2], sys.argv[3:]
    want = {}
    with open(exp_path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                rec = parse(line)
                key = (rec["id"], rec["feed_date"])
                if key in want:
                    sys.exit(f"{exp_path}: {key} twice: choose another key")
                want[key] = rec
    seen = set()
    src = rows_csv(files) if mode == "csv" else rows_json(files[0])
    bad = 0
    for path, n, row in src:
        key = (row.get("id"), row.get("feed_date"))
        rec = want.get(key)
        if rec is None or key in seen:
            sys.exit(f"{path}: row {n}: {key} is "
                     f"{'repeated' if rec else 'not in the source'}")
        seen.add(key)
        for name in rec:
            if name not in row:
                sys.exit(f"{path}: row {n}: no column for member {name!r}")
        for col, cell in row.items():
            if not same(rec.get(col), cell, mode):
                print(f"{path}: row {n} {key}: column {col!r}: "
                      f"{cell!r}, source {json.dumps(rec.get(col))[:200]}",
                      file=sys.stderr)
                bad += 1
                if bad > 5:
                    sys.exit(1)
    if bad:
        sys.exit(1)
    if len(seen) != len(want):
        sys.exit(f"{len(want) - len(seen)} source records have no row")
    print(f"{mode}: {len(seen)} rows equal to the source records")


main()
