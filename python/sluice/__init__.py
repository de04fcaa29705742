"""sluice: pull HTTP JSON APIs window by window, from Python.

A binding over libsluice's public C API (ctypes; no compiler needed at
import or install time). The library runs the job on its own threads and
reports back, so there is no event loop of the caller's to fight: run()
blocks (releasing the GIL), run_async() awaits inside a running asyncio
loop (Jupyter's), without nest_asyncio.

    import sluice
    job = sluice.Job.load("examples/neows.yaml", set={"windows.to": "2020-03-31"})
    for w in job.plan(): ...
    result = job.run(progress=print, on_window=print)
    result.windows     # [{start_date, end_date, result, exception, ...}]
    job.status()       # the ledger, as `sluice status --json`
"""
import asyncio
import ctypes
import json
import threading

from . import _capi
from ._capi import lib

__all__ = ["Job", "RunResult", "SluiceError", "version"]

_ERRLEN = 4096


class SluiceError(Exception):
    """A call of the library failed: `code` is its enum sluice_code,
    `name` sluice_strerror(code), the message the library's own."""

    def __init__(self, code, message):
        self.code = code
        self.name = lib.sluice_strerror(code).decode()
        self.message = message or self.name
        super().__init__(self.message)


def version():
    """The version of the libsluice loaded."""
    return lib.sluice_version().decode()


def _s(b):
    return b.decode("utf-8", "replace") if b is not None else None


def _check(rc, err):
    if rc != _capi.OK:
        raise SluiceError(rc, _s(err.value))


def _window_dict(r):
    return {
        "index": r.index,
        "key": _s(r.key),
        "start_date": _s(r.start),
        "end_date": _s(r.end),
        "result": _capi.WINDOW_STATUS.get(r.status, str(r.status)),
        "exception": _s(r.error),
        "http_status": r.http_status,
        "attempts": r.attempts,
        "statuses": [r.statuses[i] for i in range(r.n_statuses)],
        "rows": r.rows,
        "bytes_in": r.bytes_in,
        "bytes_out": r.bytes_out,
        "bad_values": r.bad_values,
        "output": _s(r.output),
        "seconds": r.seconds,
        "url": _s(r.url),
        # source.pagination: pages read (a library older than the field
        # says nothing: its struct is shorter)
        "pages": r.pages if r.size >= _capi.WindowResult.pages.offset + 8
                 else None,
    }


def _progress_dict(p):
    return {"total": p.total, "done": p.done, "failed": p.failed,
            "in_flight": p.in_flight, "rows": p.rows,
            "bytes_in": p.bytes_in, "concurrency": p.concurrency,
            "elapsed": p.elapsed}


class RunResult:
    """What a run did: `windows` (one dict per window that ended, in the
    order they ended), `summary` (the run's counters), `outcome` ("ok",
    "failed": some windows failed, "interrupted", "quota")."""

    def __init__(self, windows, summary, outcome):
        self.windows = windows
        self.summary = summary
        self.outcome = outcome

    def __repr__(self):
        s = self.summary
        return (f"<RunResult {self.outcome}: {s['done']} done, "
                f"{s['failed']} failed, {s['not_pulled']} not pulled>")


def _summary_dict(s):
    d = {name: getattr(s, name) for name, _ in _capi.RunSummary._fields_
         if name != "size"}
    d["state_path"] = s.state_path.decode("utf-8", "replace")
    return d


def _shard(shard):
    """shard=(i, n) as the run options' shard_index, shard_count: the
    command's --shard I/N rule (0 <= i < n), checked here so that the
    error names the keyword."""
    try:
        i, n = shard
        i, n = int(i), int(n)
    except (TypeError, ValueError):
        raise SluiceError(_capi.EINVAL, "shard wants (i, n), got %r"
                          % (shard,)) from None
    if n < 1 or not 0 <= i < n:
        raise SluiceError(_capi.EINVAL, "shard wants (i, n) with 0 <= i < "
                          "n, got (%d, %d)" % (i, n))
    return i, n


class _Run:
    """One execution: the C run handle, the callbacks (kept referenced
    while C holds them), what they collected. `deliver(fn, *args)` is how a
    user callback is called: directly (run) or on the loop (run_async)."""

    def __init__(self, job, progress, on_window, deliver, opts):
        self.windows = []
        self.error = None      # an exception raised by a user callback
        self.deliver = deliver
        self.progress = progress
        self.on_window = on_window
        self._w = _capi.WINDOW_FN(self._on_window)
        self._p = _capi.PROGRESS_FN(self._on_progress)
        o = _capi.init(_capi.RunOpts())
        o.on_window = self._w
        # Always on: besides the user's progress, it is where the main
        # thread runs Python code during run(), so Ctrl-C is seen there.
        o.on_progress = self._p
        o.progress_interval = opts.get("progress_interval", 0.1)
        o.limit = opts.get("limit", 0)
        o.full_refresh = bool(opts.get("full_refresh", False))
        self._keep = [opts.get(k).encode() if opts.get(k) else None
                      for k in ("window", "report", "partition", "resource")]
        o.window = self._keep[0]
        o.report_path = self._keep[1]
        o.partition = self._keep[2]
        o.resource = self._keep[3]
        o.argv = b"python"
        o.worker = bool(opts.get("worker", False))
        shard = opts.get("shard")
        if shard is not None:
            i, n = _shard(shard)
            o.shard_index, o.shard_count = i, n
        self.handle = ctypes.c_void_p()
        err = ctypes.create_string_buffer(_ERRLEN)
        _check(lib.sluice_run_new(job._h, ctypes.byref(o),
                                  ctypes.byref(self.handle), err, _ERRLEN),
               err)
        self.opts = o

    def cancel(self, how=_capi.CANCEL_DRAIN):
        if self.handle:
            lib.sluice_run_cancel(self.handle, how)

    def _call(self, fn, *args):
        """Calls a user callback; an exception (KeyboardInterrupt too)
        cancels the run and is raised again when the run has stopped. A
        second Ctrl-C abandons the transfers still in flight."""
        try:
            fn(*args)
        except BaseException as e:
            if self.error is None:
                self.error = e
                self.cancel(_capi.CANCEL_DRAIN)
            else:
                self.cancel(_capi.CANCEL_ABANDON)

    def _guard(self, fn, *args):
        self.deliver(self._call, fn, *args)

    def _on_window(self, ud, r):
        w = _window_dict(r.contents)
        self.windows.append(w)
        if self.on_window:
            self._guard(self.on_window, w)

    def _on_progress(self, ud, p):
        d = _progress_dict(p.contents)
        if self.progress:
            self._guard(self.progress, d)
        else:
            self._guard(lambda _: None, d)

    def execute(self):
        """Blocks in sluice_run_exec (the GIL released: ctypes.CDLL)."""
        s = _capi.init(_capi.RunSummary())
        err = ctypes.create_string_buffer(_ERRLEN)
        try:
            rc = lib.sluice_run_exec(self.handle, ctypes.byref(s), err,
                                     _ERRLEN)
        finally:
            lib.sluice_run_free(self.handle)
            self.handle = ctypes.c_void_p()
        return rc, s, _s(err.value)

    def result(self, rc, s, msg):
        if self.error is not None:
            raise self.error
        outcome = {_capi.OK: "failed" if s.failed else "ok",
                   _capi.ECANCELED: "interrupted", 12: "quota"}.get(rc)
        if outcome is None:
            raise SluiceError(rc, msg)
        return RunResult(self.windows, _summary_dict(s), outcome)


class Job:
    """A loaded job: what to pull and where to put it (docs/job-file.md)."""

    def __init__(self, handle):
        self._h = handle

    @classmethod
    def load(cls, path=None, set=None):
        """Loads a job file, with `set` {"a.b": value} overrides applied in
        order (as `sluice run --set a.b=value`); without a path, a job of
        overrides alone. SluiceError carries the library's
        "file:line:col: message"."""
        sets = [f"{k}={v}".encode() for k, v in (set or {}).items()]
        arr = (ctypes.c_char_p * max(len(sets), 1))(*sets)
        o = _capi.init(_capi.JobOpts())
        o.path = path.encode() if path else None
        o.sets = arr
        o.n_sets = len(sets)
        h = ctypes.c_void_p()
        err = ctypes.create_string_buffer(_ERRLEN)
        _check(lib.sluice_job_load(ctypes.byref(o), ctypes.byref(h), err,
                                   _ERRLEN), err)
        job = cls(h)
        # How to load the same job elsewhere (sluice.dask's workers).
        job.path = path
        job.sets = dict(set or {})
        return job

    def __del__(self):
        if getattr(self, "_h", None):
            lib.sluice_job_free(self._h)
            self._h = None

    @property
    def name(self):
        return lib.sluice_job_name(self._h).decode()

    @property
    def shared_ledger(self):
        """True when the job's ledger is shared (state: postgresql://...),
        so that many workers may run it at once (run(worker=True)).
        Nothing is opened: read from the loaded job."""
        return bool(lib.sluice_job_state_shared(self._h))

    @property
    def resources(self):
        """The names of a job's `resources:`, in order ([] without)."""
        if lib.sluice_job_resource_name(self._h) is None:
            return []
        return [lib.sluice_job_resource_name(
                    lib.sluice_job_resource(self._h, i)).decode()
                for i in range(lib.sluice_job_resource_count(self._h))]

    def _resource(self, name):
        """The C handle of resource `name` (the job's own for None), its
        fan-out partitions read from its parent's files; None when the
        parent is not done yet."""
        if name is None:
            return self._h
        names = self.resources
        if name not in names:
            raise SluiceError(_capi.EJOB, "job %s has no resource %s (its "
                              "resources: %s)" % (self.name, name,
                                                  ", ".join(names)))
        h = lib.sluice_job_resource(self._h, names.index(name))
        ready = ctypes.c_bool()
        err = ctypes.create_string_buffer(_ERRLEN)
        _check(lib.sluice_job_resource_prepare(h, ctypes.byref(ready), err,
                                               _ERRLEN), err)
        return h if ready.value else None

    def plan(self, resource=None):
        """Every partition of the plan as a dict: index, key (the
        partition's key, e.g. "region=eu-west/2020-01-06", or
        "resource=issues/repo=org%2Frepo-1" in a job with resources:),
        start_date, end_date ("" for a job without windows), url (secrets
        as ***), output. A job with resources: lists every resource's in
        turn, or only `resource`'s; a fan-out child whose parent is not
        done yet has none."""
        out = []
        err = ctypes.create_string_buffer(_ERRLEN)
        names = [resource] if resource or not self.resources \
            else self.resources
        for name in names:
            h = self._resource(name)
            for i in range(lib.sluice_job_window_count(h) if h else 0):
                w = _capi.init(_capi.WindowInfo())
                _check(lib.sluice_job_window_info(h, i, ctypes.byref(w),
                                                  err, _ERRLEN), err)
                out.append({"index": w.index, "key": _s(w.key),
                            "start_date": _s(w.start), "end_date": _s(w.end),
                            "url": _s(w.url), "output": _s(w.output)})
                lib.sluice_window_info_cleanup(ctypes.byref(w))
        return out

    def run(self, progress=None, on_window=None, **opts):
        """Pulls the due windows and returns a RunResult. Blocks, with the
        GIL released; the callbacks run on this thread. Ctrl-C
        (KeyboardInterrupt) cancels the run: windows in flight finish, the
        ledger keeps them, and the KeyboardInterrupt is raised again. An
        exception from a callback cancels it likewise and is raised.
        opts: limit, window, partition, resource (one resource of a job
        with resources:), full_refresh, report, progress_interval,
        worker (True: one worker of many on a shared ledger, as `sluice
        run --worker`: claims partitions under leases and pulls them
        until the pool is empty; docs/scale-out.md), shard ((i, n): only
        the partitions whose key hashes to i modulo n, as --shard I/N)."""
        r = _Run(self, progress, on_window, lambda fn, *a: fn(*a), opts)
        return r.result(*r.execute())

    async def run_async(self, progress=None, on_window=None, **opts):
        """run() for a running asyncio loop (Jupyter's): the library runs
        on its own thread; the callbacks are called on the loop; cancelling
        the awaiting task cancels the run (then raises CancelledError once
        it has stopped)."""
        loop = asyncio.get_running_loop()
        done = loop.create_future()

        def deliver(fn, *args):
            loop.call_soon_threadsafe(fn, *args)

        r = _Run(self, progress, on_window, deliver, opts)

        def settle(res, exc):
            if not done.done():
                done.set_exception(exc) if exc else done.set_result(res)

        def body():
            try:
                res = r.execute()
                loop.call_soon_threadsafe(settle, res, None)
            except BaseException as e:  # handed to the loop
                loop.call_soon_threadsafe(settle, None, e)

        t = threading.Thread(target=body, name="sluice-run", daemon=True)
        t.start()
        try:
            res = await asyncio.shield(done)
        except asyncio.CancelledError:
            r.cancel()
            await asyncio.wait([done])
            raise
        # Let the callbacks queued before the result run first.
        await asyncio.sleep(0)
        return r.result(*res)

    def status(self, max_runs=10, resource=None):
        """The job's ledger as `sluice status --json` prints it: for a
        job with resources:, a list of each resource's (its "resource"
        naming it), or only `resource`'s."""
        if resource is None and self.resources:
            return [self.status(max_runs, r) for r in self.resources]
        h = self._resource(resource)
        if h is None:  # a child whose parent is not done: none planned
            h = lib.sluice_job_resource(
                self._h, self.resources.index(resource))
        st = _capi.init(_capi.Status())
        err = ctypes.create_string_buffer(_ERRLEN)
        try:
            _check(lib.sluice_job_status(h, max_runs,
                                         ctypes.byref(st), err, _ERRLEN), err)
            parts = []

            def write(ud, p, n):
                parts.append(ctypes.string_at(p, n))
                return 0

            fn = _capi.WRITE_FN(write)
            _check(lib.sluice_status_json(h, ctypes.byref(st), fn, None,
                                          err, _ERRLEN), err)
        finally:
            lib.sluice_status_cleanup(ctypes.byref(st))
        return json.loads(b"".join(parts))
