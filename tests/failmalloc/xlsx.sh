#!/bin/sh
# xlsx.sh -- allocation failures walked over the workbook reader.
#
# Run by `make test-failmalloc` (part of `make test`) as
#   XLSX_DUMP=/abs/xlsx_dump FAILMALLOC_SO=/abs/failmalloc.so sh tests/failmalloc/xlsx.sh
# canaux does not read workbooks from its command line yet, so the reader
# (loaders/xlsx.c) is driven by xlsx_dump (tests/failmalloc/xlsx_dump.c),
# which reads every sheet of a workbook. For each workbook of the fuzz
# seeds, counts the allocations made by xlsx_dump and libcanaux.a (expat's
# included: it allocates through loaders/xlsx.c), then runs it once for
# every N with the Nth allocation failing. Each run must end with exit 0
# and the output of the run without failure, or with exit 4 and "out of
# memory" on stderr; never a crash or another status, and never a leak
# (with XLSX_DUMP_LEAKS=1, xlsx_dump exits 5 when the heap holds more after
# closing the workbook than before opening it). Prints the counts and one
# line per problem; exits 1 on any problem.
#
# Run by `make test-valgrind` as
#   XLSX_DUMP=/abs/xlsx_dump sh tests/failmalloc/xlsx.sh valgrind
# it reads the same workbooks, a truncated one and one with damaged bytes
# under valgrind memcheck instead (no error, no definite or indirect leak;
# the damaged ones must fail with exit 2).
set -u
DUMP=${XLSX_DUMP:?set XLSX_DUMP}
SRC=$(cd "$(dirname "$0")/../.." && pwd)

if [ "${1:-}" = valgrind ]; then
    TMP=$(mktemp -d "${TMPDIR:-/tmp}/canaux-vg-xlsx.XXXXXX") || exit 2
    trap 'rm -rf "$TMP"' EXIT
    trap 'exit 2' INT TERM
    VG="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect"
    seeds=$SRC/tests/fuzz/seeds/xlsx
    # The first 4,000 bytes of a deflated workbook (no zip directory), and
    # a stored one with 64 bytes zeroed in the middle of its parts.
    head -c 4000 "$seeds/lxw.xlsx" > "$TMP/cut.xlsx"
    cp "$seeds/hand.xlsx" "$TMP/zeroed.xlsx"
    dd if=/dev/zero of="$TMP/zeroed.xlsx" bs=1 seek=1500 count=64 conv=notrunc 2>/dev/null
    passed=0 failed=0
    for case in "$seeds/lxw.xlsx 0" "$seeds/hand.xlsx 0" "$TMP/cut.xlsx 2" "$TMP/zeroed.xlsx 2"; do
        book=${case% *} want=${case##* }
        $VG "$DUMP" -v "$book" > "$TMP/out" 2> "$TMP/err"
        rc=$?
        if [ "$rc" = "$want" ] && ! grep -q '^==[0-9]*==' "$TMP/err"; then
            echo "ok valgrind xlsx_dump ${book##*/}"; passed=$((passed + 1))
        else
            echo "FAIL valgrind xlsx_dump ${book##*/}: exit status $rc, expected $want; $(head -c 600 "$TMP/err" | tr '\n' ' ')"
            failed=$((failed + 1))
        fi
    done
    echo "$passed passed, $failed failed"
    [ "$failed" = 0 ]
    exit
fi

SO=${FAILMALLOC_SO:?set FAILMALLOC_SO}

# The leak check of xlsx_dump, exact with malloc's per-thread cache off.
XLSX_DUMP_LEAKS=1 GLIBC_TUNABLES=glibc.malloc.tcache_count=0
export XLSX_DUMP_LEAKS GLIBC_TUNABLES

TMP=$(mktemp -d "${TMPDIR:-/tmp}/canaux-failmalloc-xlsx.XXXXXX") || exit 2
trap 'rm -rf "$TMP"' EXIT
trap 'exit 2' INT TERM

fail=0
for book in "$SRC"/tests/fuzz/seeds/xlsx/*.xlsx; do
    name=${book##*/}
    "$DUMP" -v "$book" > "$TMP/base" 2>"$TMP/base.err" ||
        { echo "FAIL failmalloc-xlsx: $name: the run without failure failed: $(cat "$TMP/base.err")"; fail=1; continue; }
    FAILMALLOC_COUNT=$TMP/count LD_PRELOAD=$SO "$DUMP" -v "$book" > /dev/null 2>&1 || exit 2
    total=$(cat "$TMP/count")
    [ "$total" -gt 20 ] || { echo "FAIL failmalloc-xlsx: $name: only '$total' allocations counted"; fail=1; continue; }
    ok=0 oom=0 problems=0
    n=1
    while [ "$n" -le "$total" ]; do
        FAILMALLOC_N=$n LD_PRELOAD=$SO timeout 60 "$DUMP" -v "$book" > "$TMP/out" 2>"$TMP/err"
        rc=$?
        p=""
        case $rc in
        0) cmp -s "$TMP/base" "$TMP/out" && ok=$((ok + 1)) || p="exit 0 with another output" ;;
        4) grep -q "out of memory" "$TMP/err" && oom=$((oom + 1)) || p="exit 4 without 'out of memory'" ;;
        5) p="a leak" ;;
        *) p="exit status $rc" ;;
        esac
        if [ -n "$p" ]; then
            problems=$((problems + 1))
            [ "$problems" -le 10 ] && echo "  $name N=$n: $p: $(head -c 200 "$TMP/err" | tr -c '[:print:]' ' ')"
        fi
        n=$((n + 1))
    done
    echo "failmalloc-xlsx: $name: $total allocations; $ok runs unchanged, $oom out of memory, $problems problem(s)"
    [ "$problems" = 0 ] || fail=1
done
if [ "$fail" != 0 ]; then
    echo "FAIL failmalloc-xlsx"
    exit 1
fi
echo "ok failmalloc-xlsx"
