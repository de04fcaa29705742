"""check_dask.py: sluice.dask.run over a real Dask cluster (a scheduler and
4 workers, separate processes), run by tests/e2e/dask_neows.sh under
Debian's /usr/bin/python3, which started the cluster, PostgreSQL and the
servers, and checks the servers' logs and the files afterwards.

Arguments: SCHEDULER (tcp://127.0.0.1:P) JOB (shared ledger, 314 windows)
SQLITE_JOB (the same job on a SQLite ledger) KILL_JOB (shared ledger,
concurrency 1, lease 2 s, its server holding the first answer of
2020-01-01) HOLD_FIFO (that server's --hold-fifo: it writes the held
request's URI there) KILL_MOCK_PID PG_PORT WORKER_PIDS (the 4 Dask
worker processes' pids, comma-separated) OUT (a folder for what the shell
checks).

In order:
1. `import sluice` imports no Dask; `import sluice.dask` works.
2. sluice.dask.run on the SQLite-ledger job raises SluiceError naming the
   shared ledger, before any task (the shell sees no request).
3. sluice.dask.run on the shared job: the returned windows cover the 314
   windows once, each done; the tasks ran on more than one Dask worker
   (each task reports its worker's address), and more than one of them
   pulled something. OUT/dask.txt gets the windows' start dates.
4. a Dask worker killed with SIGKILL in the middle of its lease, without
   timing: the worker that claimed 2020-01-01 (its first claim, with
   concurrency 1 its only one while the server holds the answer) is found
   by its lease owner (host:pid:...) in the ledger once the server says,
   through its FIFO, that it holds the request (the lease was claimed
   before the request was sent); it is killed, the held answer released (to a dead
   connection). Dask reruns its task elsewhere; the live workers pull the
   rest, wait for the dead one's lease to run out and pull 2020-01-01:
   the result still covers every window once, no task result comes from
   the dead worker. OUT/kill.txt gets the start dates.
"""
import os
import select
import signal
import subprocess
import sys
import threading

import sluice

assert "distributed" not in sys.modules and "dask" not in sys.modules, \
    "import sluice imported dask"
import sluice.dask  # noqa: E402
from distributed import Client  # noqa: E402

(SCHED, JOB, SQLITE_JOB, KILL_JOB, HOLD_FIFO, KILL_MOCK_PID, PG_PORT,
 WORKER_PIDS, OUT) = sys.argv[1:10]
WORKER_PIDS = [int(p) for p in WORKER_PIDS.split(",")]
WINDOWS = 314


def check(cond, msg):
    if not cond:
        print("FAIL:", msg, file=sys.stderr)
        sys.exit(1)


# psql without the sanitizer runtimes a sanitized build preloads here
PG_ENV = {k: v for k, v in os.environ.items() if k != "LD_PRELOAD"}


def pg(sql):
    return subprocess.run(
        ["psql", "-X", "-q", "-At", "-h", "127.0.0.1", "-p", PG_PORT,
         "-U", "postgres", "-d", "postgres", "-c", sql],
        check=True, capture_output=True, text=True, env=PG_ENV,
        timeout=30).stdout.strip()


def covers_once(res, label):
    dates = sorted(w["start_date"] for w in res.windows)
    check(len(dates) == WINDOWS and len(set(dates)) == WINDOWS,
          "%s: %d windows returned, %d distinct" %
          (label, len(dates), len(set(dates))))
    bad = [w for w in res.windows if w["result"] != "done"]
    check(not bad, "%s: not done: %r" % (label, bad[:3]))
    check(res.outcome == "ok", "%s: outcome %s" % (label, res.outcome))
    check(res.summary["done"] == WINDOWS, "%s: summary %r" %
          (label, res.summary))
    return dates


client = Client(SCHED, timeout=60)
client.wait_for_workers(4, timeout=120)
check(len(client.nthreads()) == 4, "workers: %r" % client.nthreads())

# ---- 2. a SQLite ledger is refused --------------------------------------------
try:
    sluice.dask.run(SQLITE_JOB, client)
    check(False, "a job on a SQLite ledger was run")
except sluice.SluiceError as e:
    check("need a shared one: state: postgresql://" in str(e),
          "refusal: %s" % e)

# ---- 3. 314 windows over 4 Dask workers -----------------------------------------
res = sluice.dask.run(JOB, client)
dates = covers_once(res, "4 workers")
check(len(res.tasks) == 4, "tasks: %d" % len(res.tasks))
ran_on = {t["worker"] for t in res.tasks}
pulled_on = {t["worker"] for t in res.tasks if t["summary"]["done"]}
check(len(ran_on) == 4, "the 4 tasks ran on %r" % ran_on)
check(len(pulled_on) > 1, "only %r pulled anything" % pulled_on)
check({t["pid"] for t in res.tasks} <= set(WORKER_PIDS),
      "tasks ran outside the Dask workers: %r" % res.tasks)
print("windows per Dask worker:",
      " ".join(str(t["summary"]["done"]) for t in res.tasks))
with open(os.path.join(OUT, "dask.txt"), "w") as f:
    f.write("".join(d + "\n" for d in dates))

# ---- 4. a Dask worker killed in the middle of its lease ---------------------------
box = {}


def body():
    try:
        box["res"] = sluice.dask.run(KILL_JOB, client)
    except BaseException as e:  # handed to the main thread
        box["err"] = e


# Opened read-write before the run, so that the server's open for writing
# finds a reader and the read below waits for its line (no EOF meanwhile).
hold_fd = os.open(HOLD_FIFO, os.O_RDWR)
t = threading.Thread(target=body)
t.start()
# The server's word that it holds the request; the select bound only turns
# a hang into a failure.
ready, _, _ = select.select([hold_fd], [], [], 120)
check(ready, "the server never held the request of 2020-01-01")
held = os.read(hold_fd, 4096).decode()
os.close(hold_fd)
check("start_date=2020-01-01" in held, "held: %r" % held)
owner = pg("SELECT lease_owner FROM sluice_neows_kill.windows"
           " WHERE start = 1577836800 AND lease_owner IS NOT NULL")
check(owner, "the held request of 2020-01-01 has no lease in the ledger")
victim = int(owner.split(":")[1])
check(victim in WORKER_PIDS, "lease owner %s is no Dask worker" % owner)
os.kill(victim, signal.SIGKILL)
os.kill(int(KILL_MOCK_PID), signal.SIGUSR1)  # to a dead connection
t.join(120)
check(not t.is_alive(), "the run after the kill did not end")
check("err" not in box, "the run after the kill raised %r" % box.get("err"))
res = box["res"]
kdates = covers_once(res, "after the kill")
check(victim not in {t["pid"] for t in res.tasks},
      "a task result came from the killed worker")
check(len(res.tasks) == 4, "tasks after the kill: %d" % len(res.tasks))
with open(os.path.join(OUT, "kill.txt"), "w") as f:
    f.write("".join(d + "\n" for d in kdates))
client.close()
print("dask ok")
