#!/usr/bin/env bash
# `make install PREFIX=...` into a temporary prefix (a Release build of
# only the installed targets, in the scratch folder, so the source tree is
# not touched), then everything from the prefix alone: the files where
# docs/install.md says, the library's soname, sluice.pc naming the real
# prefix (the install's, not a default), examples/embed.c built with
# `cc $(pkg-config --cflags --libs sluice)` and run against the bundled
# server (a job from strings, pulled whole; a job from a file, cancelled
# from another thread after 3 windows, then finished by a second run from
# the ledger), the man pages shown by `man -l`, and the installed command.
source "$(dirname "$0")/lib/common.bash"
PREFIX="$WORK/prefix"
make -C "$SLUICE_SRC" --no-print-directory install PREFIX="$PREFIX" \
    INSTALL_BUILD="$WORK/build" JOBS=2 >install.log 2>&1 ||
    { tail -n 30 install.log >&2; fail "make install failed"; }

# -- what is installed where
for f in bin/sluice lib/libsluice.a lib/libsluice.so lib/libsluice.so.0 \
    include/sluice/sluice.h include/sluice/version.h lib/pkgconfig/sluice.pc \
    share/man/man1/sluice.1 share/man/man5/sluice-job.5 \
    share/bash-completion/completions/sluice share/zsh/site-functions/_sluice; do
    [ -e "$PREFIX/$f" ] || fail "not installed: $f"
done
[ -x "$PREFIX/bin/sluice" ] || fail "bin/sluice is not executable"
readelf -d "$PREFIX/lib/libsluice.so" >dyn.txt
grep -q 'Library soname: \[libsluice\.so\.0\]' dyn.txt || fail "soname: $(grep SONAME dyn.txt)"
[ "$(readlink "$PREFIX/lib/libsluice.so")" = libsluice.so.0 ] ||
    fail "libsluice.so -> $(readlink "$PREFIX/lib/libsluice.so")"

# -- sluice.pc
export PKG_CONFIG_PATH="$PREFIX/lib/pkgconfig"
[ "$(pkg-config --variable=prefix sluice)" = "$PREFIX" ] ||
    fail "sluice.pc prefix: $(pkg-config --variable=prefix sluice)"
[ "$(pkg-config --modversion sluice)" = "$("$PREFIX/bin/sluice" --version | sed 's/^sluice //')" ] ||
    fail "sluice.pc version $(pkg-config --modversion sluice) is not the command's"
# installed again under another prefix than the configured one: its
# sluice.pc names that one (it is written at install time)
cmake --install "$WORK/build" --prefix "$WORK/other" >/dev/null
[ "$(PKG_CONFIG_PATH="$WORK/other/lib/pkgconfig" pkg-config --variable=prefix sluice)" = "$WORK/other" ] ||
    fail "cmake --install --prefix: sluice.pc says $(PKG_CONFIG_PATH="$WORK/other/lib/pkgconfig" pkg-config --variable=prefix sluice)"
pkg-config --cflags sluice | grep -q -- "-I$PREFIX/include" || fail "cflags: $(pkg-config --cflags sluice)"
pkg-config --libs sluice | grep -q -- "-L$PREFIX/lib -lsluice" || fail "libs: $(pkg-config --libs sluice)"
pkg-config --static --libs sluice >static.txt
for l in -lcurl -lyaml -lzstd -lz -lsnappy -lsqlite3 -lpq -lm -lstdc++; do
    grep -qF -- " $l " <<<" $(cat static.txt) " || fail "pkg-config --static lacks $l: $(cat static.txt)"
done

# -- examples/embed.c, with pkg-config alone
# shellcheck disable=SC2046
cc -std=c17 -Wall -Wextra -Werror -o embed "$SLUICE_SRC/examples/embed.c" \
    $(pkg-config --cflags --libs sluice) 2>cc.txt || fail "embed.c: $(cat cc.txt)"
readelf -d embed | grep -q 'NEEDED.*\[libsluice\.so\.0\]' || fail "embed does not link libsluice.so.0"
export LD_LIBRARY_PATH="$PREFIX/lib"
# (Through a file: `ldd | grep -q` under pipefail fails when grep stops
# reading early and ldd dies of SIGPIPE.)
ldd ./embed >embed-ldd.txt
grep -q "libsluice.so.0 => $PREFIX/lib/libsluice.so.0" embed-ldd.txt ||
    fail "embed does not load the installed library: $(grep sluice embed-ldd.txt)"

start_mock

# A job from strings only: 2020-01-01..2020-03-31 in weeks, 13 windows.
expect_status 0 ./embed name=strings "source.url=$BASE" \
    'source.params.start_date={start}' 'source.params.end_date={end}' \
    'source.params.api_key=DEMO_KEY' 'source.records=$.near_earth_objects.*[*]' \
    windows.from=2020-01-01 windows.to=2020-03-31 windows.step=7d \
    'output.path=strings/{start}.ndjson'
grep -q '^job strings: 13 windows' stdout.txt || fail "embed: $(head -n 1 stdout.txt)"
[ "$(grep -c '^window [0-9]* .* done rows=' stdout.txt)" = 13 ] ||
    fail "embed: not 13 windows done: $(grep '^window' stdout.txt)"
grep -q '^progress ' stdout.txt || fail "embed: no progress callback"
grep -q '^progress 13/13 ' stdout.txt || fail "embed: no final progress 13/13"
rows=$(sed -n 's/^summary .* rows=\([0-9]*\) .*/\1/p' stdout.txt)
[ "$(cat strings/*.ndjson | wc -l)" = "$rows" ] && [ "$rows" -gt 0 ] ||
    fail "embed: summary rows=$rows, files hold $(cat strings/*.ndjson | wc -l)"
grep -q '^summary .* result=' stdout.txt || fail "embed: no summary"

# A job from a file, cancelled from the other thread after 3 windows. The
# windows in flight may finish; the rest are not pulled, and the ledger
# keeps what finished: a second run pulls exactly those not pulled.
write_job job.yaml "$BASE"
sed -i 's/^concurrency: 8/concurrency: 2/' job.yaml
expect_status 130 ./embed --cancel-after 3 --job job.yaml
summary=$(grep '^summary ' stdout.txt) || fail "cancelled: no summary"
get() { sed -n "s/.* $1=\\([0-9]*\\).*/\\1/p" <<<"$summary"; }
due=$(get due) done=$(get done) failed=$(get failed) not_pulled=$(get not_pulled)
[ "$due" = 314 ] || fail "cancelled: due=$due, expected 314"
[ "$done" -ge 3 ] && [ "$not_pulled" -ge 1 ] && [ "$failed" = 0 ] &&
    [ $((done + not_pulled)) = "$due" ] || fail "cancelled: $summary"
[ "$(ls out | wc -l)" = "$done" ] || fail "cancelled: $(ls out | wc -l) files for $done windows done"
expect_status 0 ./embed --job job.yaml
summary=$(grep '^summary ' stdout.txt) || fail "second run: no summary"
[ "$(get due)" = "$not_pulled" ] && [ "$(get done)" = "$not_pulled" ] ||
    fail "second run: $summary (the first left $not_pulled not pulled)"
[ "$(ls out | wc -l)" = 314 ] || fail "after the second run: $(ls out | wc -l) files"

# A job that does not load: the library's message, exit 2.
expect_status 2 ./embed --job job.yaml concurency=3
grep -q "concurency" stderr.txt || fail "bad job: $(cat stderr.txt)"

# -- the installed command and manual
"$PREFIX/bin/sluice" run --help | grep -q '^usage: sluice run ' || fail "installed sluice run --help"
for page in man1/sluice.1 man5/sluice-job.5; do
    MANWIDTH=80 man -l "$PREFIX/share/man/$page" >page.txt 2>man.err || fail "man -l $page: $(cat man.err)"
    grep -q '^NAME' page.txt && grep -q '^SEE ALSO' page.txt || fail "man -l $page: $(head -n 5 page.txt)"
done
bash -c "source '$PREFIX/share/bash-completion/completions/sluice' && complete -p sluice" >comp.txt ||
    fail "installed bash completion does not load"
grep -q -- '-F _sluice sluice' comp.txt || fail "completion: $(cat comp.txt)"
echo "ok"
