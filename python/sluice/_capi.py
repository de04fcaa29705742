"""_capi.py: the ctypes declarations of include/sluice/sluice.h.

Only the public C API is used. Each struct mirrors the header member for
member; every struct the caller fills starts from the library's own
sluice_*_init_sized() with this module's sizeof, so the rule of docs/api.md (a size field set by init)
holds here too. The library is found, in order, at $SLUICE_LIBRARY (the
build tree's libsluice.so, for tests), then as the installed
libsluice.so.0 through the dynamic loader.
"""
import ctypes
import ctypes.util
import os

c_size = ctypes.c_size_t
c_u64 = ctypes.c_uint64
c_str = ctypes.c_char_p

LOG_FN = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_int, c_str)
WRITE_FN = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p,
                            c_size)


class JobOpts(ctypes.Structure):
    _fields_ = [("size", c_size), ("path", c_str),
                ("sets", ctypes.POINTER(c_str)), ("n_sets", c_size),
                ("now", ctypes.c_int64), ("log", LOG_FN),
                ("log_ud", ctypes.c_void_p)]


class WindowInfo(ctypes.Structure):
    _fields_ = [("size", c_size), ("index", c_size), ("start", c_str),
                ("end", c_str), ("url", c_str), ("output", c_str),
                ("key", c_str)]


class WindowResult(ctypes.Structure):
    _fields_ = [("size", c_size), ("index", c_size), ("start", c_str),
                ("end", c_str), ("status", ctypes.c_int),
                ("http_status", ctypes.c_long), ("attempts", ctypes.c_uint),
                ("statuses", ctypes.POINTER(ctypes.c_long)),
                ("n_statuses", c_size), ("rows", c_u64), ("bytes_in", c_u64),
                ("bytes_out", c_u64), ("bad_values", c_u64),
                ("output", c_str), ("seconds", ctypes.c_double),
                ("url", c_str), ("error", c_str), ("key", c_str),
                ("pages", c_u64)]


class Progress(ctypes.Structure):
    _fields_ = [("size", c_size), ("total", c_size), ("done", c_size),
                ("failed", c_size), ("in_flight", c_size), ("rows", c_u64),
                ("bytes_in", c_u64), ("concurrency", ctypes.c_uint),
                ("elapsed", ctypes.c_double)]


WINDOW_FN = ctypes.CFUNCTYPE(None, ctypes.c_void_p,
                             ctypes.POINTER(WindowResult))
PROGRESS_FN = ctypes.CFUNCTYPE(None, ctypes.c_void_p,
                               ctypes.POINTER(Progress))


class RunOpts(ctypes.Structure):
    _fields_ = [("size", c_size), ("limit", c_size),
                ("insecure", ctypes.c_bool), ("full_refresh", ctypes.c_bool),
                ("window", c_str), ("grace", ctypes.c_double),
                ("argv", c_str), ("log", LOG_FN), ("log_ud", ctypes.c_void_p),
                ("log_level", ctypes.c_int), ("on_window", WINDOW_FN),
                ("on_progress", PROGRESS_FN),
                ("progress_interval", ctypes.c_double),
                ("ud", ctypes.c_void_p), ("report_path", c_str),
                ("partition", c_str), ("resource", c_str),
                ("worker", ctypes.c_bool), ("shard_index", ctypes.c_uint),
                ("shard_count", ctypes.c_uint)]


class RunSummary(ctypes.Structure):
    _fields_ = [("size", c_size), ("total", c_size), ("skipped", c_size),
                ("due", c_size), ("done", c_size), ("failed", c_size),
                ("not_pulled", c_size), ("rows", c_u64), ("bytes_in", c_u64),
                ("bytes_out", c_u64), ("requests", c_u64),
                ("retries", c_u64), ("responses_429", c_u64),
                ("concurrency", ctypes.c_uint), ("seconds", ctypes.c_double),
                ("resume_at", ctypes.c_int64),
                ("state_path", ctypes.c_char * 512),
                ("bad_values", c_u64), ("report_failed", ctypes.c_bool)]


class StatusFailure(ctypes.Structure):
    _fields_ = [("start", c_str), ("end", c_str), ("error", c_str),
                ("attempts", c_u64)]


class StatusRun(ctypes.Structure):
    _fields_ = [("id", ctypes.c_int64), ("started", ctypes.c_int64),
                ("ended", ctypes.c_int64), ("outcome", c_str),
                ("done", c_u64), ("failed", c_u64), ("not_pulled", c_u64),
                ("rows", c_u64)]


class Status(ctypes.Structure):
    _fields_ = [("size", c_size), ("state_path", c_str),
                ("exists", ctypes.c_bool), ("running", ctypes.c_bool),
                ("running_pid", ctypes.c_long),
                ("has_watermark", ctypes.c_bool), ("done_through", c_str),
                ("planned", c_u64), ("pending", c_u64), ("done", c_u64),
                ("failed", c_u64),
                ("failures", ctypes.POINTER(StatusFailure)),
                ("n_failures", c_size), ("runs", ctypes.POINTER(StatusRun)),
                ("n_runs", c_size),
                ("learned_rate", ctypes.c_double), ("learned_origin", c_str),
                ("learned_at", ctypes.c_int64),
                ("failure_keys", ctypes.POINTER(c_str))]


def _load():
    path = os.environ.get("SLUICE_LIBRARY")
    if not path:
        path = ctypes.util.find_library("sluice") or "libsluice.so.0"
    return ctypes.CDLL(path)


lib = _load()
_P = ctypes.POINTER
_V = ctypes.c_void_p
_ERR = [ctypes.c_char_p, c_size]
for name, res, args in [
    ("sluice_strerror", c_str, [ctypes.c_int]),
    ("sluice_version", c_str, []),
    ("sluice_job_opts_init_sized", None, [_P(JobOpts), c_size]),
    ("sluice_job_load", ctypes.c_int, [_P(JobOpts), _P(_V)] + _ERR),
    ("sluice_job_free", None, [_V]),
    ("sluice_job_name", c_str, [_V]),
    ("sluice_job_state_shared", ctypes.c_bool, [_V]),
    ("sluice_job_window_count", c_size, [_V]),
    ("sluice_job_resource_count", c_size, [_V]),
    ("sluice_job_resource", _V, [_V, c_size]),
    ("sluice_job_resource_name", c_str, [_V]),
    ("sluice_job_resource_prepare", ctypes.c_int,
     [_V, _P(ctypes.c_bool)] + _ERR),
    ("sluice_window_info_init_sized", None, [_P(WindowInfo), c_size]),
    ("sluice_job_window_info", ctypes.c_int,
     [_V, c_size, _P(WindowInfo)] + _ERR),
    ("sluice_window_info_cleanup", None, [_P(WindowInfo)]),
    ("sluice_run_opts_init_sized", None, [_P(RunOpts), c_size]),
    ("sluice_run_summary_init_sized", None, [_P(RunSummary), c_size]),
    ("sluice_run_new", ctypes.c_int, [_V, _P(RunOpts), _P(_V)] + _ERR),
    ("sluice_run_exec", ctypes.c_int, [_V, _P(RunSummary)] + _ERR),
    ("sluice_run_cancel", None, [_V, ctypes.c_int]),
    ("sluice_run_free", None, [_V]),
    ("sluice_status_init_sized", None, [_P(Status), c_size]),
    ("sluice_job_status", ctypes.c_int, [_V, c_size, _P(Status)] + _ERR),
    ("sluice_status_cleanup", None, [_P(Status)]),
    ("sluice_status_json", ctypes.c_int,
     [_V, _P(Status), WRITE_FN, _V] + _ERR),
]:
    fn = getattr(lib, name)
    fn.restype = res
    fn.argtypes = args



def init(struct):
    """A struct of the header, set up by the library's init for the size
    this module declares it with (docs/api.md)."""
    fn = getattr(lib, "sluice_%s_init_sized" % struct._sluice_name)
    fn(ctypes.byref(struct), ctypes.sizeof(struct))
    return struct


for _cls, _n in [(JobOpts, "job_opts"), (WindowInfo, "window_info"),
                 (RunOpts, "run_opts"), (RunSummary, "run_summary"),
                 (Status, "status")]:
    _cls._sluice_name = _n

OK = 0
EINVAL = 2  # SLUICE_EINVAL
EJOB = 6  # SLUICE_EJOB
ECANCELED = 8
CANCEL_DRAIN = 1
CANCEL_ABANDON = 2
WINDOW_STATUS = {0: "done", 1: "failed", 2: "not_pulled"}
