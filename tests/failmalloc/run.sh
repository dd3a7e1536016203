#!/bin/sh
# run.sh -- allocation failures walked over a small `canaux run`.
#
# Run by `make test-failmalloc` (part of `make test`) as
#   CANAUX_BIN=/abs/canaux FAILMALLOC_SO=/abs/failmalloc.so sh tests/failmalloc/run.sh
# Counts the allocations canaux's own code makes in `canaux run -j1` on a
# 2,000-line generated file (failmalloc.c), then runs it once for every N,
# with the Nth allocation failing. Each run must end with exit 4 (or 2) and
# a message on stderr, leave neither the output folder nor its temporary
# folder behind, and never crash; a run that ends with 0 must have written
# exactly the files of the run without failure. Prints the counts by exit
# status and one line per problem; exits 1 on any problem.
set -u
BIN=${CANAUX_BIN:?set CANAUX_BIN}
SO=${FAILMALLOC_SO:?set FAILMALLOC_SO}
SELF=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")

if [ "${1:-}" = one ]; then   # one N, in the current directory's ./w$N
    n=$2
    mkdir "w$n" && cd "w$n" || exit 2
    FAILMALLOC_N=$n LD_PRELOAD=$SO timeout 120 "$BIN" run -q -j1 ../g.csv -o o >out 2>err
    rc=$?
    p=""
    case $rc in 0|2|4) ;; *) p="$p exit status $rc;" ;; esac
    if [ $rc != 0 ]; then
        [ -s err ] || p="$p no message;"
        [ ! -e o ] || p="$p left the output folder;"
    else
        for f in ../base/*; do
            b=${f##*/}
            [ "$b" = summary.json ] && continue
            cmp -s "$f" "o/$b" || p="$p $b differs from the run without failure;"
        done
    fi
    ! ls -d o.tmp-* >/dev/null 2>&1 || p="$p left its temporary folder;"
    echo "$n $rc${p:+ PROBLEM:$p} $(head -c 100 err | tr -c '[:print:]' ' ')"
    cd .. && rm -rf "w$n"
    exit 0
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/canaux-failmalloc.XXXXXX") || exit 2
trap 'rm -rf "$TMP"' EXIT
trap 'exit 2' INT TERM
cd "$TMP" || exit 2
"$BIN" gen --rows 2000 --seed 3 -o g.csv >/dev/null || exit 2
# The reference, run the way the walked runs are (from a subfolder).
mkdir wb && (cd wb && "$BIN" run -q -j1 ../g.csv -o o && mv o ../base) ||
    { echo "FAIL failmalloc: the run without failure failed"; exit 1; }
FAILMALLOC_COUNT=$TMP/count LD_PRELOAD=$SO "$BIN" run -q -j1 g.csv -o counted || exit 2
total=$(cat count)
[ "$total" -gt 100 ] || { echo "FAIL failmalloc: only '$total' allocations counted"; exit 1; }
seq 1 "$total" | xargs -P 2 -I N sh "$SELF" one N > results.txt 2>xargs.err
runs=$(wc -l < results.txt)
echo "failmalloc: $total allocations, $runs runs; by exit status: $(awk '{print $2}' results.txt | sort | uniq -c | tr -s ' \n' ' ')"
problems=$(grep -c PROBLEM results.txt)
grep PROBLEM results.txt | head -20
if [ "$runs" != "$total" ] || [ "$problems" != 0 ]; then
    echo "FAIL failmalloc: $problems problem(s), $runs of $total runs"
    exit 1
fi
echo "ok failmalloc"
