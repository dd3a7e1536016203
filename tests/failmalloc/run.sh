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

# The second walk: `canaux check` of a UTF-16 file (iconv under the
# reader) whose channel comes from --customers, with a catalogue, null
# tokens and a composed key: the loader paths the run above does not take.
CHECK2="check -q -j1 -c ../m.ini --customers ../cu.csv --products ../p.csv ../m16.csv"

# The third walk: `canaux check` of a workbook (loaders/workbook.c over
# loaders/xlsx.c): title rows, number, date and string cells.
CHECK3="check -q -j1 ../wb.xlsx"

if [ "${1:-}" = two ] || [ "${1:-}" = three ]; then   # two N: the check walk; three N: the workbook's
    n=$2
    if [ "$1" = two ]; then CMD=$CHECK2; BASE=../check-base.txt; else CMD=$CHECK3; BASE=../check3-base.txt; fi
    mkdir "v$1$n" && cd "v$1$n" || exit 2
    # shellcheck disable=SC2086
    FAILMALLOC_N=$n LD_PRELOAD=$SO timeout 120 "$BIN" $CMD >out 2>err
    rc=$?
    p=""
    case $rc in 0|2|4) ;; *) p="$p exit status $rc;" ;; esac
    [ $rc = 0 ] || [ -s err ] || p="$p no message;"
    [ $rc != 0 ] || cmp -s out "$BASE" || p="$p output differs from the run without failure;"
    echo "$n $rc${p:+ PROBLEM:$p} $(head -c 100 err | tr -c '[:print:]' ' ')"
    cd .. && rm -rf "v$1$n"
    exit 0
fi

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

# The check walk's inputs: 60 lines, three customers in the customers file.
{ echo 'Shop,Ticket,Day,Client,Item,Qty,Price,Cost'
  i=0; while [ $i -lt 60 ]; do
      echo "S$((i % 4)),T$((i / 3)),2024-0$((i % 9 + 1))-1$((i % 10)),C$((i % 3)),P$((i % 7)),$((i % 5 + 1)),$((i + 3)).5,$([ $((i % 6)) = 0 ] && echo NULL || echo 2)"
      i=$((i + 1)); done; } > m.csv
{ printf '\377\376'; iconv -f UTF-8 -t UTF-16LE m.csv; } > m16.csv
printf 'customer_id,channel,region\nC0,web,North\nC1,store,\nC2,agents,South\nC1,store,\n' > cu.csv
printf 'product_id;unit_cost;category\nP0;1.50;A\nP1;N/A;B\nP2;"$2.00";A\nP3;3;C\n' > p.csv
printf '[columns]\norder_id = Shop + Ticket\ndate = Day\ncustomer_id = Client\nproduct_id = Item\n' > m.ini
printf 'quantity = Qty\nunit_price = Price\ncost = Cost\n' >> m.ini
mkdir vb && (cd vb && "$BIN" $CHECK2 > ../check-base.txt) ||
    { echo "FAIL failmalloc: the check without failure failed"; exit 1; }
grep -q 'Total: 60 rows read, 60 accepted' check-base.txt ||
    { echo "FAIL failmalloc: the check walk does not load its 60 lines: $(head -c 200 check-base.txt)"; exit 1; }
(cd vb && FAILMALLOC_COUNT=$TMP/count2 LD_PRELOAD=$SO "$BIN" $CHECK2 > /dev/null) || exit 2
total2=$(cat count2)
[ "$total2" -gt 50 ] || { echo "FAIL failmalloc: only '$total2' allocations counted in the check walk"; exit 1; }
seq 1 "$total2" | xargs -P 2 -I N sh "$SELF" two N > results2.txt 2>xargs2.err
runs2=$(wc -l < results2.txt)
echo "failmalloc: check walk: $total2 allocations, $runs2 runs; by exit status: $(awk '{print $2}' results2.txt | sort | uniq -c | tr -s ' \n' ' ')"
problems2=$(grep -c PROBLEM results2.txt)
grep PROBLEM results2.txt | head -20
if [ "$runs2" != "$total2" ] || [ "$problems2" != 0 ]; then
    echo "FAIL failmalloc: check walk: $problems2 problem(s), $runs2 of $total2 runs"
    exit 1
fi

# The workbook walk's input: 30 lines under a title row.
/usr/bin/python3 - <<'PY' || exit 2
import datetime, openpyxl
wb = openpyxl.Workbook(); ws = wb.active; ws.title = "Lines"
ws.append(["March"]); ws.append([])
ws.append(["order_id", "date", "customer_id", "channel", "product_id", "quantity", "unit_price"])
for i in range(30):
    ws.append(["O%d" % (i // 2), datetime.date(2024, 3, 1 + i % 28), "C%d" % (i % 4), ["web", "retail"][i % 2],
               "P%d" % (i % 5), 1 + i % 3, "$%d.50" % (2 + i % 4)])
wb.save("wb.xlsx")
PY
mkdir vc && (cd vc && "$BIN" $CHECK3 > ../check3-base.txt) ||
    { echo "FAIL failmalloc: the workbook check without failure failed"; exit 1; }
grep -q 'Total: 30 rows read, 30 accepted' check3-base.txt ||
    { echo "FAIL failmalloc: the workbook walk does not load its 30 lines: $(head -c 200 check3-base.txt)"; exit 1; }
(cd vc && FAILMALLOC_COUNT=$TMP/count3 LD_PRELOAD=$SO "$BIN" $CHECK3 > /dev/null) || exit 2
total3=$(cat count3)
[ "$total3" -gt 30 ] || { echo "FAIL failmalloc: only '$total3' allocations counted in the workbook walk"; exit 1; }
seq 1 "$total3" | xargs -P 2 -I N sh "$SELF" three N > results3.txt 2>xargs3.err
runs3=$(wc -l < results3.txt)
echo "failmalloc: workbook walk: $total3 allocations, $runs3 runs; by exit status: $(awk '{print $2}' results3.txt | sort | uniq -c | tr -s ' \n' ' ')"
problems3=$(grep -c PROBLEM results3.txt)
grep PROBLEM results3.txt | head -20
if [ "$runs3" != "$total3" ] || [ "$problems3" != 0 ]; then
    echo "FAIL failmalloc: workbook walk: $problems3 problem(s), $runs3 of $total3 runs"
    exit 1
fi
echo "ok failmalloc"
