"""sluice.dask: one backfill over a Dask cluster (docs/scale-out.md, "Dask").

    import sluice.dask
    from distributed import Client

    client = Client("tcp://scheduler:8786")
    result = sluice.dask.run("/shared/neows.yaml", client)
    result.windows     # every partition the tasks pulled, as job.run()'s
    result.tasks       # per task: its Dask worker, pid, summary, outcome

Dask is the engine, not the coordinator: each task is one worker call of
the library (`Job.load(path, set).run(worker=True)`, as `sluice run JOB
--worker`), which claims partitions from the job's shared ledger under
leases and pulls them until the pool is empty. What keeps two tasks off
one partition is the ledger's lease, not the way the tasks were split, so
Dask may retry a task, or rerun it on another worker when its worker
died: the new call is one more worker; the dead one's leases run out and
its partitions are claimed again; a done partition never is.

The job is loaded here first (to refuse a job whose ledger is not shared
before anything is submitted) and again by each task from its path: the
job file, and its relative paths (output, partitions.values_from), must
mean the same on every Dask worker (a shared filesystem, an image), and a
relative output path is relative to each worker process's current
folder. This module imports `distributed` only when a task reports where
it ran; `import sluice` never imports Dask.
"""
import os
import uuid

from . import Job, RunResult, SluiceError, _capi

__all__ = ["run"]

# Counters of a task's summary that add up over the tasks: each counts
# what that worker itself did.
_SUMMED = ("done", "failed", "not_pulled", "rows", "bytes_in", "bytes_out",
           "requests", "retries", "responses_429", "bad_values")


def _task(path, sets, opts):
    """One Dask task: a worker call of the library on the Dask worker
    that runs it. Returns plain data (picklable): the windows it pulled,
    its summary and outcome, and where it ran."""
    res = Job.load(path, sets).run(worker=True, **opts)
    try:
        from distributed import get_worker
        where = get_worker().address
    except (ImportError, ValueError):  # called outside a Dask worker
        where = None
    return {"windows": res.windows, "summary": res.summary,
            "outcome": res.outcome, "worker": where, "pid": os.getpid()}


def _merge(parts):
    """The tasks' results as one RunResult: every task's windows (each
    partition once: only the worker that published it reports it), the
    summed counters, and `tasks`, each task's own."""
    windows = [w for p in parts for w in p["windows"]]
    summary = {k: sum(p["summary"][k] for p in parts) for k in _SUMMED}
    summary["total"] = max(p["summary"]["total"] for p in parts)
    summary["seconds"] = max(p["summary"]["seconds"] for p in parts)
    summary["state_path"] = parts[0]["summary"]["state_path"]
    summary["report_failed"] = any(p["summary"]["report_failed"]
                                   for p in parts)
    outcomes = {p["outcome"] for p in parts}
    # The worst a task saw: a quota or an interruption leaves partitions
    # to a later run, a failure is a partition that failed.
    for outcome in ("quota", "interrupted", "failed", "ok"):
        if outcome in outcomes:
            break
    result = RunResult(windows, summary, outcome)
    result.tasks = [{k: p[k] for k in ("worker", "pid", "summary",
                                       "outcome")} for p in parts]
    return result


def _placement(client, tasks):
    """The Dask worker each task is placed on first: one task per worker
    thread by default, else `tasks` spread round-robin over the workers,
    so that the tasks start side by side rather than queued on one."""
    threads = client.nthreads()
    slots = [addr for addr, n in sorted(threads.items())
             for _ in range(max(int(n), 1))]
    if not slots:
        raise SluiceError(_capi.EINVAL, "sluice.dask.run: the Dask cluster "
                          "has no workers (client.wait_for_workers(n) "
                          "first)")
    if tasks is None:
        return slots
    if int(tasks) < 1:
        raise SluiceError(_capi.EINVAL, "sluice.dask.run: tasks wants 1 or "
                          "more, got %r" % (tasks,))
    return [slots[i % len(slots)] for i in range(int(tasks))]


def run(job, client, set=None, tasks=None, retries=0, **opts):
    """Pulls `job` (a job file's path, or a Job from Job.load(), whose
    path and set are reused) over the Dask cluster of `client` (a
    distributed.Client) and returns one RunResult: `windows` the
    per-partition dicts of job.run() of every task, merged; `summary`
    their counters summed; `outcome` the worst task's; `tasks` each
    task's worker address, pid, summary and outcome.

    The job's ledger must be shared (state: postgresql://...): a job with
    a SQLite ledger is refused (SluiceError, before any task), since
    workers on other machines could not share its pool. `set` {"a.b":
    value} overrides the job file (with a Job, on top of its own).
    `tasks`: how many worker calls (default: one per Dask worker thread);
    each is placed on a worker first but may run on any (a worker that
    died). `retries`: Dask's retries of a task that raised (a worker that
    died is Dask's own business: its task is rerun elsewhere). `opts`:
    job.run()'s (limit, resource, shard=(i, n), report,
    progress_interval, ...), for every task; worker=True always.
    A task that raises (its job no longer loads, its worker refused:
    the job changed since its ledger was written) raises here."""
    if isinstance(job, Job):
        if job.path is None:
            raise SluiceError(_capi.EINVAL, "sluice.dask.run: job %s was "
                              "not loaded from a file: Dask's workers load "
                              "the job from its path" % job.name)
        sets = dict(job.sets)
        sets.update(set or {})
        path, local = job.path, job
    else:
        path, sets = os.fspath(job), dict(set or {})
        local = Job.load(path, sets)
    if not local.shared_ledger:
        raise SluiceError(_capi.EJOB, "sluice.dask.run: job %s has a ledger "
                          "only one run at a time may use (a SQLite file); "
                          "Dask's workers need a shared one: state: "
                          "postgresql://... (docs/scale-out.md)" % local.name)
    for k in ("worker", "progress", "on_window"):
        if k in opts:
            raise SluiceError(_capi.EINVAL, "sluice.dask.run: %s is not an "
                              "option here (every task is a worker; "
                              "callbacks do not cross processes)" % k)
    path = os.path.abspath(path)
    run_id = uuid.uuid4().hex[:12]
    futures = [client.submit(_task, path, sets, opts, workers=[addr],
                             allow_other_workers=True, retries=retries,
                             pure=False,
                             key="sluice-%s-%s-%d" % (local.name, run_id, i))
               for i, addr in enumerate(_placement(client, tasks))]
    return _merge(client.gather(futures))
