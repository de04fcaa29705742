#!/usr/bin/env bash
# The Python binding (python/sluice, docs/api.md's API through ctypes)
# under Debian's /usr/bin/python3 (another python3 may come first on PATH),
# loading the build tree's libsluice.so through SLUICE_LIBRARY, against the
# bundled server: tests/python/check_binding.py says what it checks (plan,
# run with callbacks, a real SIGINT cancelling a run, status, run_async
# under asyncio.run), after tests/python/check_capi_layout.py has checked
# the ctypes mirrors against the C structs, then tests/python/check_kernel.py the same run_async
# awaited in a cell of a real IPython kernel. Then `pip install --no-build-isolation` of python/
# into a scratch target, offline, and the installed package imported.
source "$(dirname "$0")/lib/common.bash"
PY=/usr/bin/python3
[ -x "$PY" ] || fail "no $PY"
LIB="$(dirname "$SLUICE_BIN")/libsluice.so"
[ -e "$LIB" ] || fail "no $LIB"
export SLUICE_LIBRARY="$LIB"
# A sanitized build's library needs its runtimes first in the process.
# (Through a file: `ldd | grep -q` under pipefail fails when grep stops
# reading first.)
ldd "$LIB" >ldd.txt
if grep -q libasan ldd.txt; then
    LD_PRELOAD="$(gcc -print-file-name=libasan.so) $(gcc -print-file-name=libubsan.so)"
    export LD_PRELOAD
    # Python itself leaks by design at exit (interned objects).
    export ASAN_OPTIONS=detect_leaks=0
fi

# The ctypes mirrors sit where the C structs' fields are (compiled
# against the public header; tests/python/check_capi_layout.py).
mkdir layout
PYTHONPATH="$SLUICE_SRC/python" expect_status 0 "$PY" \
    "$SLUICE_SRC/tests/python/check_capi_layout.py" "$SLUICE_SRC/include" \
    "$(dirname "$SLUICE_BIN")/include" -- "$WORK/layout"
n=$(sed -n 's/^capi layout ok: \([0-9]*\) structs.*/\1/p' stdout.txt)
[ "${n:-0}" -ge 9 ] || fail "capi layout: $(cat stdout.txt stderr.txt)"

start_mock
PYTHONPATH="$SLUICE_SRC/python" expect_status 0 "$PY" \
    "$SLUICE_SRC/tests/python/check_binding.py" "$BASE"
grep -q '^python binding ok' stdout.txt || fail "check_binding: $(cat stdout.txt)"

# The notebook case: an IPython kernel (its loop already running) awaits
# run_async in a cell. python3-ipykernel is installed by `make test`.
mkdir nb
PYTHONPATH="$SLUICE_SRC/python" expect_status 0 "$PY" \
    "$SLUICE_SRC/tests/python/check_kernel.py" "$BASE" "$WORK/nb"
grep '^kernel ok' stdout.txt || fail "check_kernel: $(cat stdout.txt stderr.txt)"

# Offline install: pure Python, built with Debian's setuptools.
cp -r "$SLUICE_SRC/python" pysrc
PIP_NO_INDEX=1 expect_status 0 "$PY" -m pip install --no-build-isolation \
    --no-index --no-deps --target "$WORK/site" ./pysrc
[ -e "$WORK/site/sluice/__init__.py" ] || fail "pip installed no sluice/"
cd /
PYTHONPATH="$WORK/site" expect_status 0 "$PY" -c \
    'import sluice, sys; print(sluice.version(), sluice.__file__)'
grep -q "$WORK/site/sluice/__init__.py" "$WORK/stdout.txt" ||
    fail "imported $(cat "$WORK/stdout.txt")"
echo "ok"
