#!/usr/bin/env bash
# The manual pages stay true to the docs and the command: sluice-job(5) has
# an entry for every field of docs/job-file.md's table and for no other;
# sluice(1) names every verb, every option that `sluice VERB --help` names,
# and exactly the exit statuses of docs/cli.md's table. Both render without
# a warning with man-db (`man -l`); when man is missing, with groff; with
# neither, only these structural checks run (and the test says so).
source "$(dirname "$0")/lib/common.bash"
MAN1="$SLUICE_SRC/man/sluice.1"
MAN5="$SLUICE_SRC/man/sluice-job.5"

# The entries of one section: the words of the .B line after each .TP.
section_entries() { # FILE SECTION
    awk -v sec="$2" '$0 == ".SH " sec {f = 1; next} /^\.SH/ {f = 0}
        f && prev == ".TP" && /^\.B[IR]? / {print $2} {prev = $0}' "$1"
}

# -- sluice-job(5): the job fields
grep -o '^| `[a-z0-9_.]*` |' "$SLUICE_SRC/docs/job-file.md" |
    sed 's/^| `\(.*\)` |$/\1/' | sort >doc-fields.txt
[ "$(wc -l <doc-fields.txt)" -ge 30 ] || fail "docs/job-file.md: only $(wc -l <doc-fields.txt) fields read"
section_entries "$MAN5" FIELDS | sort >man-fields.txt
diff -u doc-fields.txt man-fields.txt >fields.diff ||
    fail "sluice-job(5) FIELDS and docs/job-file.md differ (-doc +man): $(cat fields.diff)"

# -- sluice(1): verbs, options, exit statuses
section_entries "$MAN1" COMMANDS >man-verbs.txt
for verb in run plan status pull schema cat help; do
    grep -qx "$verb" man-verbs.txt || fail "sluice(1) COMMANDS lacks $verb"
done
for verb in run plan status pull schema cat; do
    expect_status 0 "$SLUICE_BIN" "$verb" --help
    for opt in $(grep -o -- '--[a-z][a-z-]*' stdout.txt | sort -u); do
        roff=${opt//-/\\-}
        grep -qxF -- ".B $roff" "$MAN1" || grep -qF -- ".BI $roff " "$MAN1" ||
            grep -qF -- ".BR $roff " "$MAN1" || grep -qF -- ", \" $roff" "$MAN1" ||
            fail "sluice(1) has no entry for $opt (from sluice $verb --help)"
    done
done
awk -F'|' '/^## Exit status/ {f = 1} f && $2 ~ /^ [0-9]+ $/ {gsub(/ /, "", $2); print $2}' \
    "$SLUICE_SRC/docs/cli.md" | sort -n >doc-exit.txt
[ -s doc-exit.txt ] || fail "no exit statuses read from docs/cli.md"
section_entries "$MAN1" "EXIT STATUS" | sort -n >man-exit.txt
diff -u doc-exit.txt man-exit.txt >exit.diff ||
    fail "sluice(1) EXIT STATUS and docs/cli.md differ: $(cat exit.diff)"

# -- structure, and rendering when a renderer is here
for page in "$MAN1" "$MAN5"; do
    head -n 20 "$page" | grep -q '^\.TH ' || fail "$page: no .TH"
    grep -q '^\.SH NAME$' "$page" || fail "$page: no NAME section"
done
if command -v man >/dev/null; then
    for page in "$MAN1" "$MAN5"; do
        MANWIDTH=80 man --warnings -l "$page" >page.txt 2>warnings.txt ||
            fail "man -l $page failed: $(cat warnings.txt)"
        [ ! -s warnings.txt ] || fail "man -l $page warns: $(cat warnings.txt)"
        grep -q '^NAME' page.txt || fail "man -l $page: no NAME shown"
    done
    grep -q 'sluice-job  *-  *the  *job  *file' page.txt || fail "sluice-job(5) NAME line"
    echo "rendered with man -l"
elif command -v groff >/dev/null; then
    for page in "$MAN1" "$MAN5"; do
        groff -man -Tutf8 -ww -z "$page" 2>warnings.txt
        [ ! -s warnings.txt ] || fail "groff $page warns: $(cat warnings.txt)"
    done
    echo "rendered with groff"
else
    echo "no man or groff here: structure checked, pages not rendered"
fi
echo "ok"
