"""compare_records.py EXPECTED.ndjson FILE...: the records in FILEs are
exactly those in EXPECTED (as JSON values, each as often as expected, order
within a day free). Prints the first differences and exits 1 on mismatch."""
import collections
import json
import sys


def canon(line):
    return json.dumps(json.loads(line), sort_keys=True, separators=(",", ":"))


def load(paths):
    c = collections.Counter()
    for p in paths:
        with open(p, encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    c[canon(line)] += 1
    return c


want = load([sys.argv[1]])
got = load(sys.argv[2:])
if want != got:
    missing = want - got
    extra = got - want
    print(f"records differ: {sum(missing.values())} missing, "
          f"{sum(extra.values())} unexpected", file=sys.stderr)
    for r in list(missing)[:2]:
        print("  missing:", r[:200], file=sys.stderr)
    for r in list(extra)[:2]:
        print("  unexpected:", r[:200], file=sys.stderr)
    sys.exit(1)
print(f"{sum(want.values())} records match")
