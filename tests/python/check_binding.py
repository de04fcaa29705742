"""check_binding.py: the Python binding (python/sluice) against the bundled
server, run by tests/e2e/python_binding.sh under Debian's /usr/bin/python3.

Argument: the feed URL of a running neows-mock. Run in a scratch folder
(the ledger and files land there). Checks, in order: the library's
message in SluiceError; plan() as dicts; run() with progress and
on_window callbacks, its per-window dicts and the files; a real SIGINT
during run() cancelling it (KeyboardInterrupt raised, the ledger keeping
what finished, status() as `sluice status --json`); run_async() inside
asyncio.run pulling exactly the windows left, its callbacks on the loop's
thread while the run is on another; shared_ledger, run(worker=True)
refused on a SQLite ledger, run(shard=(i, 4)) splitting the plan.
"""
import asyncio
import glob
import os
import signal
import sys
import threading

import sluice

BASE = sys.argv[1]
SETS = {
    "name": "py",
    "source.url": BASE,
    "source.params.start_date": "{start}",
    "source.params.end_date": "{end}",
    "source.params.api_key": "DEMO_KEY",
    "source.records": "$.near_earth_objects.*[*]",
    "windows.from": "2020-01-01",
    "windows.to": "2020-03-31",
    "windows.step": "7d",
    "concurrency": "2",
    "output.path": "out/{start}.ndjson",
}


def check(cond, what):
    if not cond:
        print(f"FAIL: {what}", file=sys.stderr)
        sys.exit(1)


# -- errors carry the library's message
try:
    sluice.Job.load(set={**SETS, "windows.step": "7x"})
    check(False, "a bad job loaded")
except sluice.SluiceError as e:
    check(e.code == 6 and e.name == "invalid job", f"code {e.code} {e.name}")
    check("windows.step" in str(e), f"message: {e}")

# -- plan
job = sluice.Job.load(set=SETS)
plan = job.plan()
check(len(plan) == 13, f"plan has {len(plan)} windows")
check(plan[0]["start_date"] == "2020-01-01"
      and plan[0]["end_date"] == "2020-01-07", f"plan[0] {plan[0]}")
check(plan[0]["url"].startswith(BASE) and "api_key=***" in plan[0]["url"],
      f"url {plan[0]['url']}")
check(plan[0]["key"] == "2020-01-01", f"plan[0] key {plan[0]}")

# -- a real SIGINT during run(): cancelled, the ledger keeps what finished
ended = []


def interrupt_after_two(w):
    ended.append(w)
    if len(ended) == 2:
        signal.raise_signal(signal.SIGINT)  # Python raises KeyboardInterrupt


try:
    job.run(on_window=interrupt_after_two)
    check(False, "run() returned after Ctrl-C")
except KeyboardInterrupt:
    pass
done = [w for w in ended if w["result"] == "done"]
not_pulled = [w for w in ended if w["result"] == "not_pulled"]
check(len(done) >= 2 and not_pulled, f"after Ctrl-C: {len(done)} done, "
      f"{len(not_pulled)} not pulled")
check(len(done) + len(not_pulled) == 13, f"{len(ended)} windows reported")
check(len(glob.glob("out/*.ndjson")) == len(done), "files != done windows")
st = job.status()
check(st["job"] == "py" and st["exists"] and not st["running"], f"status {st}")
check(st["done"] == len(done) and st["runs"][0]["outcome"] == "interrupted",
      f"status after Ctrl-C: {st}")

# -- run_async inside a running loop pulls exactly what is left
main_thread = threading.get_ident()
seen = {"progress": 0, "threads": set(), "windows": []}


def progress(p):
    seen["progress"] += 1
    seen["threads"].add(threading.get_ident())


def on_window(w):
    seen["windows"].append(w)
    seen["threads"].add(threading.get_ident())


async def main():
    asyncio.get_running_loop()  # inside a running loop, as in Jupyter
    return await job.run_async(progress=progress, on_window=on_window)


result = asyncio.run(main())
check(result.outcome == "ok", f"outcome {result.outcome}")
check(result.summary["skipped"] == len(done)
      and result.summary["done"] == len(not_pulled),
      f"async summary {result.summary}")
check(len(result.windows) == len(not_pulled)
      and seen["windows"] == result.windows, "async windows")
got = {w["start_date"] for w in result.windows}
check(got == {w["start_date"] for w in not_pulled}, "async pulled others")
w = result.windows[0]
for k in ("key", "start_date", "end_date", "result", "exception", "rows",
          "http_status", "attempts", "output", "url"):
    check(k in w, f"window dict lacks {k}")
check(w["result"] == "done" and w["exception"] is None
      and w["http_status"] == 200 and w["rows"] > 0, f"window {w}")
check(seen["progress"] >= 1, "no progress callback")
check(seen["threads"] == {main_thread}, "callbacks not on the loop thread")
rows = sum(1 for f in glob.glob("out/*.ndjson") for _ in open(f))
check(len(glob.glob("out/*.ndjson")) == 13, "not 13 files")
st = job.status()
check(st["done"] == 13 and st["pending"] == 0 and st["failed"] == 0,
      f"final status {st}")
check(rows > 0, "no rows")
# -- worker= and shard= reach the run options (docs/scale-out.md): on a
# SQLite ledger worker=True is the library's refusal; shard=(i, 4) pulls
# i's share into a ledger of its own, and the four shares are the plan
# once; a shard outside 0 <= i < n is refused here, naming the keyword
check(not job.shared_ledger, "a SQLite ledger said shared")
check(sluice.Job.load(set={**SETS, "state": "postgresql://u@127.0.0.1:9/d"})
      .shared_ledger, "a postgresql:// ledger said not shared")
try:
    job.run(worker=True)
    check(False, "worker=True ran on a SQLite ledger")
except sluice.SluiceError as e:
    check("--worker needs a shared ledger" in str(e), f"worker: {e}")
sj = sluice.Job.load(set={**SETS, "name": "pyshard",
                          "output.path": "shard/{start}.ndjson"})
shares = [sj.run(shard=(i, 4)).windows for i in range(4)]
keys = [w["start_date"] for ws in shares for w in ws]
check(all(shares), f"an empty shard: {[len(ws) for ws in shares]}")
check(sorted(keys) == sorted(w["start_date"] for w in sj.plan()),
      f"shards are not the plan once: {sorted(keys)}")
check(os.path.exists(".sluice/pyshard.shard-2-of-4.db"), "no shard ledger")
for bad in [(4, 4), (0, 0), "2/4"]:
    try:
        sj.run(shard=bad)
        check(False, f"shard={bad!r} ran")
    except sluice.SluiceError as e:
        check("shard wants (i, n)" in str(e), f"shard={bad!r}: {e}")

print(f"python binding ok: libsluice {sluice.version()}, {rows} rows; "
      f"Ctrl-C after {len(done)} done, {len(not_pulled)} not pulled")
