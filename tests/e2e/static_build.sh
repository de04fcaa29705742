#!/usr/bin/env bash
# -DSLUICE_STATIC=ON (a Release build of the command only, in the scratch
# folder): every library whose static archives are all installed is linked
# in, configuring names the others and why, and the command depends at run
# time on exactly those (and glibc), nothing else of sluice's. The static
# command then writes the same Parquet files (snappy: its C++ runtime is
# linked in too) and NDJSON files as the test build's command.
source "$(dirname "$0")/lib/common.bash"
cmake -S "$SLUICE_SRC" -B build -DCMAKE_BUILD_TYPE=Release -DSLUICE_STATIC=ON \
    >configure.log 2>&1 || { tail -n 30 configure.log >&2; fail "configure failed"; }
cmake --build build -j2 --target sluice >build.log 2>&1 ||
    { tail -n 30 build.log >&2; fail "build failed"; }
STATIC=$WORK/build/sluice
readelf -d "$STATIC" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' >needed.txt

# CMake's module -> the shared library it would bring
declare -A soname=([CURL]=libcurl [YAML]=libyaml [ZSTD]=libzstd [ZLIB]=libz
                   [SNAPPY]=libsnappy [SQLITE]=libsqlite3 [PQ]=libpq)
for mod in "${!soname[@]}"; do
    lib=${soname[$mod]}
    if grep -q "SLUICE_STATIC: $mod linked statically" configure.log; then
        ! grep -q "^$lib[.-]" needed.txt || fail "$mod said static, yet $lib is needed: $(cat needed.txt)"
    elif grep -q "SLUICE_STATIC: $mod stays shared: no lib.*\.a" configure.log; then
        grep -q "^$lib[.-]" needed.txt || fail "$mod said shared, yet $lib is not needed"
    else
        fail "configuring did not say how $mod is linked: $(grep SLUICE_STATIC configure.log)"
    fi
done
# snappy is C++: linked in, it brings libstdc++'s archive, not the library
! grep -q '^libstdc++' needed.txt || fail "libstdc++ is needed: $(cat needed.txt)"
# nothing but the libraries said shared and glibc's (and the unwinder)
while read -r lib; do
    case $lib in
    libc.so.* | libm.so.* | ld-linux* | libgcc_s.so.*) ;;
    *)  found=
        for mod in "${!soname[@]}"; do
            [[ $lib == "${soname[$mod]}"[.-]* ]] &&
                grep -q "SLUICE_STATIC: $mod stays shared" configure.log && found=1
        done
        [ -n "$found" ] || fail "the static command needs $lib" ;;
    esac
done <needed.txt
if grep -q 'SLUICE_STATIC: the command is linked -static' configure.log; then
    [ ! -s needed.txt ] || fail "linked -static, yet needs $(cat needed.txt)"
fi
echo "static command needs: $(tr '\n' ' ' <needed.txt)"

# The same job through both commands gives the same files.
start_mock
for fmt in parquet ndjson; do
    for bin in "$STATIC" "$SLUICE_BIN"; do
        dir=$([ "$bin" = "$STATIC" ] && echo static || echo test)-$fmt
        mkdir -p "$dir"
        (cd "$dir" && write_job job.yaml "$BASE" &&
            expect_status 0 "$bin" run job.yaml --set windows.to=2020-02-29 \
                --set "output.path=out/{start}.$fmt" --set output.compression=snappy)
    done
    [ "$(ls "static-$fmt/out" | grep -c "\\.$fmt$")" = 9 ] || fail "$fmt: $(ls "static-$fmt/out")"
    for f in "test-$fmt"/out/*."$fmt"; do
        g="static-$fmt/out/${f##*/}"
        if [ "$fmt" = parquet ]; then
            "$SLUICE_BIN" cat "$f" >a.txt && "$SLUICE_BIN" cat "$g" >b.txt ||
                fail "cat $f or $g failed"
            cmp -s a.txt b.txt || fail "$g reads other rows than $f"
            "$STATIC" cat "$g" | cmp -s - a.txt || fail "the static cat of $g differs"
        else
            cmp -s "$f" "$g" || fail "$g differs from $f"
        fi
    done
done
echo "ok"
