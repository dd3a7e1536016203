#!/bin/sh
# valgrind.sh -- the end-to-end runs of canaux under valgrind memcheck.
#
# Run by `make test-valgrind` (part of `make test`) as
#   CANAUX_BIN=/abs/canaux sh tests/e2e/valgrind.sh
# Each command runs under memcheck with --error-exitcode: any invalid read
# or write, use of uninitialised memory, bad free, or a definite or
# indirect leak fails the run. The runs cover the main job with every
# format on 2 threads, a French run, check, segment with a saved model and
# score, the loader's master data and encodings, and the error paths of an
# input with every row rejected, a header only, a PDF, and an unwritable output
# (which must still free everything). "Possibly lost" blocks are the
# stacks of the OpenMP and hashing threads and are not counted. A
# PostgreSQL input with no server at its socket is here (libpq set up and
# torn down, the password masked); the PostgreSQL runs against a server are
# in tests/e2e/pg.sh (make test-pg runs them under memcheck too). Prints
# `ok NAME` or `FAIL NAME: ...` per run, then `N passed, M failed`.
set -u

BIN=${CANAUX_BIN:?set CANAUX_BIN to the canaux binary}
command -v valgrind >/dev/null || { echo "FAIL setup: valgrind not installed (make deps installs it)"; echo "0 passed, 1 failed"; exit 1; }
TMP=$(mktemp -d "${TMPDIR:-/tmp}/canaux-vg.XXXXXX") || exit 2
trap 'rm -rf "$TMP"' EXIT
trap 'exit 2' INT TERM
cd "$TMP" || exit 2

PASSED=0 FAILED=0
VG="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect"

# vg NAME EXPECTED_STATUS canaux-arguments...
vg() {
    name=$1 want=$2
    shift 2
    # shellcheck disable=SC2086
    $VG "$BIN" "$@" >"$name.out" 2>"$name.err"
    rc=$?
    if [ "$rc" = "$want" ] && ! grep -q '^==[0-9]*==' "$name.err"; then
        echo "ok $name"; PASSED=$((PASSED + 1))
    else
        echo "FAIL $name: exit status $rc, expected $want; $(grep '^==[0-9]*==' "$name.err" | head -c 600 | tr '\n' ' ')"
        FAILED=$((FAILED + 1))
    fi
}

"$BIN" gen --rows 4000 --seed 4 -o g.csv || exit 2
printf 'order_id,date,customer_id,channel,product_id,category,quantity,unit_price\nO1,2025-01-01,C1,web,P1,A,1,abc\n' > bad.csv
touch file
head -1 bad.csv > head.csv

# The loader's other paths: a UTF-16 file (iconv) whose channel comes from
# --customers, with a catalogue, null tokens and a composed key; a
# Windows-1252 file detected; a file that is not CSV.
{ echo 'Shop,Ticket,Day,Client,Item,Qty,Price,Cost'
  i=0; while [ $i -lt 300 ]; do
      echo "S$((i % 4)),T$((i / 3)),2024-0$((i % 9 + 1))-1$((i % 10)),C$((i % 3)),P$((i % 7)),$((i % 5 + 1)),$((i + 3)).5,$([ $((i % 6)) = 0 ] && echo NULL || echo 2)"
      i=$((i + 1)); done; } > m.csv
{ printf '\377\376'; iconv -f UTF-8 -t UTF-16LE m.csv; } > m16.csv
printf 'customer_id,channel,region\nC0,web,North\nC1,store,\nC2,agents,South\n' > cu.csv
printf 'product_id;unit_cost;category\nP0;1.50;A\nP1;N/A;B\nP2;"$2.00";A\n' > p.csv
printf '[columns]\norder_id = Shop + Ticket\ndate = Day\ncustomer_id = Client\nproduct_id = Item\n' > m.ini
printf 'quantity = Qty\nunit_price = Price\ncost = Cost\n' >> m.ini
E=$(printf 'Jardin \351t\351')   # "été" in Windows-1252
{ head -1 g.csv; tail -n +2 g.csv | head -500 | sed "s/,Garden,/,$E,/"; } > cp.csv
grep -q "$E" cp.csv || { echo "FAIL setup: cp.csv has no Windows-1252 text"; exit 1; }
printf '%%PDF-1.4\n' > r.pdf
# A small workbook of transactions: a title row, then the canonical header.
/usr/bin/python3 - <<'PY'
import datetime, openpyxl
wb = openpyxl.Workbook(); ws = wb.active; ws.title = "Lines"
ws.append(["lines of March"]); ws.append([])
ws.append(["order_id", "date", "customer_id", "channel", "product_id", "quantity", "unit_price"])
for i in range(40):
    ws.append(["O%d" % (i // 2), datetime.date(2024, 3, 1 + i % 28), "C%d" % (i % 7), ["web", "retail"][i % 2],
               "P%d" % (i % 5), 1 + i % 3, 2.5 * (1 + i % 4)])
wb.save("wb.xlsx")
PY

vg check_customers_utf16 0 check -j2 -c m.ini --customers cu.csv --products p.csv m16.csv
vg run_cp1252 0 run -q -j2 --format csv,json cp.csv -o o5
vg check_not_csv 2 check r.pdf
vg check_workbook 0 check --json wb.xlsx
vg run_all_formats 0 run -q -j2 g.csv -o o1
vg run_french 0 run -q -j1 --locale fr --format csv,xlsx g.csv -o o2
vg check 0 check g.csv
vg segment_save 0 segment -q -k 4 --save-model m.ini g.csv -o s1
vg score 0 score -q --model m.ini g.csv -o s2
vg run_all_rejected 3 run -q bad.csv -o o3
vg run_header_only 2 run -q head.csv -o o4
vg run_unwritable 2 run -q g.csv -o file/out
vg pg_no_server 2 check 'postgresql://u:secret@/db?host=/nonexistent/canaux' --query 'SELECT 1'

echo "$PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
