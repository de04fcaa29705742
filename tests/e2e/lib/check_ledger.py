"""check_ledger.py DIR [options]: checks the ledger DIR/.sluice/<job>.db
against the files under DIR (the runs were made from DIR, so the outputs
the ledger names are relative to it).

Always: every window marked done names its output, that file exists and
holds exactly as many lines as the ledger says rows, and each line is JSON.

  --job NAME         ledger name (default neows)
  --windows N        the job plans N windows: the ledger holds at most N
                     (a window gets its row when first attempted), and
                     those without a row count as pending
  --done N / --pending N / --failed N   counts by status
  --no-temp          no temporary file (.*.sluice-tmp-*) under DIR
  --only-done-files  every output file under DIR/out belongs to a window
                     that is done (a window not done has no file)
  --dump FILE        write {start date: [status, rows, output, attempts,
                     http, error]} as JSON, to compare ledgers
  --status DATE=S    the window starting DATE has status S (repeatable)
  --same-as REF      every file under DIR/out is byte for byte the file of
                     the same name under REF/out (no partial final file)
"""
import argparse
import datetime
import json
import os
import sqlite3
import sys


def day(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime(
        "%Y-%m-%d")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--job", default="neows")
    ap.add_argument("--windows", type=int)
    ap.add_argument("--done", type=int)
    ap.add_argument("--pending", type=int)
    ap.add_argument("--failed", type=int)
    ap.add_argument("--no-temp", action="store_true")
    ap.add_argument("--only-done-files", action="store_true")
    ap.add_argument("--dump")
    ap.add_argument("--status", action="append", default=[])
    ap.add_argument("--same-as")
    a = ap.parse_args()

    db_path = os.path.join(a.dir, ".sluice", a.job + ".db")
    rows = []
    # No ledger yet (a run killed before it created one, or while it did:
    # the file exists, its tables not yet) holds no window: every count and
    # check below then runs on nothing, so --done N > 0 still fails.
    if os.path.exists(db_path) and os.path.getsize(db_path) > 0:
        # read-only: never disturb a ledger a run may be using
        db = sqlite3.connect("file:" + db_path + "?mode=ro", uri=True)
        has = db.execute("SELECT count(*) FROM sqlite_master"
                         " WHERE type = 'table' AND name = 'windows'").fetchone()[0]
        if has:
            rows = db.execute(
                "SELECT start, status, rows, output, attempts, http, error"
                " FROM windows ORDER BY start").fetchall()
        db.close()
    problems = []
    by_status = {"pending": 0, "done": 0, "failed": 0}
    done_files = set()
    table = {}
    for start, status, nrows, output, attempts, http, error in rows:
        d = day(start)
        by_status[status] += 1
        table[d] = [status, nrows, output, attempts, json.loads(http), error]
        if status != "done":
            continue
        if not output:
            problems.append(f"{d}: done without an output")
            continue
        path = os.path.join(a.dir, output)
        done_files.add(os.path.normpath(path))
        if not os.path.isfile(path):
            problems.append(f"{d}: done but {output} is missing")
            continue
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
        for i, line in enumerate(lines):
            try:
                json.loads(line)
            except ValueError:
                problems.append(f"{output}:{i + 1}: not JSON")
                break
        if len(lines) != nrows:
            problems.append(
                f"{d}: ledger says {nrows} rows, {output} has {len(lines)}")

    if a.windows is not None:
        if len(rows) > a.windows:
            problems.append(f"windows: {len(rows)} rows, more than the "
                            f"{a.windows} planned")
        by_status["pending"] += a.windows - len(rows)
    for name, want in (("done", a.done), ("pending", a.pending),
                       ("failed", a.failed)):
        got = by_status.get(name)
        if want is not None and got != want:
            problems.append(f"{name}: {got}, expected {want}")
    for s in a.status:
        d, want = s.split("=", 1)
        got = table.get(d, [None])[0]
        if got != want:
            problems.append(f"window {d}: status {got}, expected {want}")

    for root, _dirs, files in os.walk(a.dir):
        if os.path.basename(root) == ".sluice":
            continue
        for f in files:
            p = os.path.normpath(os.path.join(root, f))
            if a.no_temp and ".sluice-tmp-" in f:
                problems.append(f"temporary file left: {p}")
            out_dir = os.path.normpath(os.path.join(a.dir, "out"))
            if (a.only_done_files and p.startswith(out_dir + os.sep)
                    and p not in done_files):
                problems.append(f"{p} exists but its window is not done")

    if a.same_as:
        out_dir = os.path.join(a.dir, "out")
        for f in sorted(os.listdir(out_dir)) if os.path.isdir(out_dir) else []:
            if f.startswith("."):
                continue  # temporary files are judged by --no-temp
            ref = os.path.join(a.same_as, "out", f)
            with open(os.path.join(out_dir, f), "rb") as x:
                mine = x.read()
            if not os.path.isfile(ref):
                problems.append(f"out/{f} has no counterpart in {a.same_as}")
                continue
            with open(ref, "rb") as x:
                if x.read() != mine:
                    problems.append(f"out/{f} differs from {ref}")

    if a.dump:
        with open(a.dump, "w", encoding="utf-8") as f:
            json.dump(table, f, sort_keys=True, indent=0)
    if problems:
        for p in problems[:20]:
            print("ledger:", p, file=sys.stderr)
        if len(problems) > 20:
            print(f"ledger: ... {len(problems) - 20} more", file=sys.stderr)
        sys.exit(1)


main()
