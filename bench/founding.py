#!/usr/bin/env python3
"""founding.py: the founding approach to the NeoWs pull, re-created as the
peer sluice is measured against: with `requests` (Debian's python3-requests,
as the founding script had it: --requests) or Python's standard library only.

The original was `requests` + a thread pool: split the date range into 7-day
windows, GET each window (requests asks for gzip by default, so this does
too), parse the JSON, and write one NDJSON file per window holding every
object of every day with the day added as `feed_date`. `requests.get` without
a Session opens a new connection per call, and so does `urllib.request`.

    usage: founding.py [--requests] BASE_URL OUTDIR WORKERS [FROM TO [KEY]]
"""
import concurrent.futures
import datetime
import gzip
import json
import os
import sys
import urllib.parse
import urllib.request


def windows(first, last, days=7):
    """Inclusive [start, end] windows of `days` days, the last one clipped."""
    step = datetime.timedelta(days=days)
    start = first
    while start <= last:
        end = min(start + step - datetime.timedelta(days=1), last)
        yield start, end
        start += step


def fetch_urllib(base, params):
    req = urllib.request.Request(base + "?" + urllib.parse.urlencode(params),
                                 headers={"Accept-Encoding": "gzip"})
    with urllib.request.urlopen(req, timeout=300) as resp:
        body = resp.read()
        if resp.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
    return json.loads(body)


def fetch_requests(base, params):
    import requests  # Debian's python3-requests; imported only when asked
    resp = requests.get(base, params=params, timeout=300)
    resp.raise_for_status()
    return resp.json()


FETCH = fetch_urllib


def pull(base, outdir, key, start, end):
    feed = FETCH(base, {"start_date": start.isoformat(),
                        "end_date": end.isoformat(), "api_key": key})
    path = os.path.join(outdir, f"neos_{start}_{end}.ndjson")
    rows = 0
    with open(path, "w", encoding="utf-8") as out:
        for day, objects in feed["near_earth_objects"].items():
            for obj in objects:
                obj["feed_date"] = day
                out.write(json.dumps(obj, ensure_ascii=False,
                                     separators=(",", ":")))
                out.write("\n")
                rows += 1
    return rows


def main(argv):
    global FETCH
    if len(argv) > 1 and argv[1] == "--requests":
        FETCH = fetch_requests
        argv = argv[:1] + argv[2:]
    if len(argv) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    base, outdir, workers = argv[1], argv[2], int(argv[3])
    first = datetime.date.fromisoformat(argv[4] if len(argv) > 4 else "2020-01-01")
    last = datetime.date.fromisoformat(argv[5] if len(argv) > 5 else "2025-12-31")
    key = argv[6] if len(argv) > 6 else "DEMO_KEY"
    os.makedirs(outdir, exist_ok=True)
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
        jobs = [pool.submit(pull, base, outdir, key, s, e)
                for s, e in windows(first, last)]
        rows = sum(j.result() for j in jobs)
    print(f"founding.py: {len(jobs)} windows, {rows} rows", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
