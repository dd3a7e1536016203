#!/bin/sh
# abuse.sh -- end-to-end tests of canaux against hostile and extreme input.
#
# Run by `make e2e` after run.sh (and again against the sanitizer build) as
#   CANAUX_BIN=/abs/canaux CANAUX_SRC=/abs/repo sh tests/e2e/abuse.sh
# Same harness as run.sh: each test is a shell function run in its own
# directory under a temporary root; it records failures with `fail`. Prints
# `ok NAME`, `FAIL NAME: ...` or `skip NAME: ...` per test, then exactly one
# line `N passed, M failed`, and exits 1 when any test failed. Every input is
# generated here, deterministically (fixed seeds, no /dev/urandom).
set -u

E2E_NAME=abuse
. "${CANAUX_SRC:?set CANAUX_SRC to the repository}/tests/e2e/harness.sh"

# no_dir NAME: nothing named NAME, nor any leftover (temporary) entry whose
# name contains NAME, in the current directory.
no_dir() {
    left=$(ls -A | grep -F -- "$1")
    [ -z "$left" ] || fail "failed run left: $(echo $left)"
}



# accounts JSON REJECTS INPUT [DELIM LOCALE QTY PRICE DISCOUNT]: with the
# `check --json` output JSON and the --rejects file REJECTS of one INPUT:
# rows read = accepted + rejected (per file and in total), accepted = data
# records of INPUT not listed in REJECTS, and the reported net (file and
# total) equals, to the cent, an independent sum of quantity x unit_price x
# (1 - discount) over those accepted records (docs/formulas.md). Defaults:
# ',' 'en' and the canonical column names; 'fr' numbers are "1 234,56" with
# space, U+00A0 or U+202F between groups and discounts "15 %".
accounts() {
    msg=$(python3 - "$@" <<'EOF'
import csv, gzip, io, json, math, sys
csv.field_size_limit(1 << 30)
a = sys.argv[1:] + [None] * 8
jpath, rpath, inp = a[0], a[1], a[2]
delim, locale = a[3] or ',', a[4] or 'en'
cq, cp, cd = a[5] or 'quantity', a[6] or 'unit_price', a[7] or 'discount'
try:
    d = json.load(open(jpath))
except Exception as e:
    print('not JSON (%s)' % e); sys.exit()
bad = set(int(r[1]) for r in list(csv.reader(open(rpath, newline='', encoding='utf-8', errors='replace')))[1:])
raw = gzip.open(inp).read() if inp.endswith('.gz') else open(inp, 'rb').read()
text = raw.decode('utf-8', errors='surrogateescape')
if text.startswith('\ufeff'): text = text[1:]
def num(s):
    s = s.strip()
    if locale == 'fr':
        for c in (' ', '\u00a0', '\u202f'): s = s.replace(c, '')
        s = s.replace(',', '.')
    return float(s)
def frac(s):
    s = s.strip()
    if not s: return 0.0
    if s.endswith('%'): return num(s[:-1]) / 100
    return num(s)
rd = csv.reader(io.StringIO(text, newline=''), delimiter=delim)
head = [h.strip().lower() for h in next(rd)]
iq, ip, idc = head.index(cq.lower()), head.index(cp.lower()), head.index(cd.lower())
prev, records, nets = rd.line_num, 0, []
for row in rd:
    start, prev = prev + 1, rd.line_num
    if row == [] or row == ['']: continue
    records += 1
    if start in bad: continue
    try: nets.append(num(row[iq]) * num(row[ip]) * (1 - frac(row[idc])))
    except Exception as e: print('line %d accepted by canaux but unreadable here (%s)' % (start, e))
net = math.fsum(nets)
f, t = d['files'][0], d['totals']
for name, o in (('file', f), ('totals', t)):
    if o['rows_read'] != o['accepted'] + o['rejected']:
        print('%s: rows_read %d != accepted %d + rejected %d' % (name, o['rows_read'], o['accepted'], o['rejected']))
    if o['accepted'] != len(nets):
        print('%s: accepted %d, expected %d (records %d, rejected lines %d)' % (name, o['accepted'], len(nets), records, len(bad)))
    if abs(o['net'] - net) > 0.005 + 1e-6:
        print('%s: net %.2f, independent sum %.4f' % (name, o['net'], net))
if f['rejected'] != len(bad):
    print('rejected %d, but %d rows in the rejects file' % (f['rejected'], len(bad)))
EOF
)
    [ -z "$msg" ] || fail "$(printf '%s' "$msg" | tr '\n' ';')"
}

# good LINE_ID: one valid data line (net 2 x 3.50 = 7.00).
good() { echo "O$1,2024-01-0$(( $1 % 9 + 1 )),C$1,web,P1,Toys,2,3.50,1,0,FR,"; }

# ---- 1. hostile files ------------------------------------------------------

# 20,000 bytes of seeded pseudo-random garbage: bad input (exit 2) naming the
# file and saying it looks binary, without raw bytes; `run` leaves no
# output folder.
binary_garbage() {
    python3 -c 'import random, sys; r = random.Random(20240101); sys.stdout.buffer.write(bytes(r.getrandbits(8) for _ in range(20000)))' > bin.csv
    run check bin.csv; rc_is 2; err_has "bin.csv:" "looks like a binary file"
    # The headers it quotes are safe for a terminal: valid UTF-8, no control byte.
    python3 -c 'import sys; b = open("err", "rb").read(); b.decode("utf-8"); sys.exit(any(c < 32 and c != 10 or c == 127 for c in b))' \
        2>/dev/null || fail "stderr carries raw binary bytes"
    run run -q bin.csv -o outdir; rc_is 2; err_has "bin.csv:"; no_dir outdir
}

# A 1 MB category is an ordinary field: accepted, counted once.
huge_field() {
    { echo "$H"; printf 'O1,2024-01-01,C1,web,P1,'; awk 'BEGIN { s = "x"; while (length(s) < 1048576) s = s s; printf "%s", s }'
      echo ',2,3.50,1,0,FR,'; good 2; } > big.csv
    [ "$(wc -c < big.csv)" -gt 1048576 ] || fail "generator: big.csv too small"
    run check --json big.csv; rc_is 0
    json out 't["rows_read"]' 2 't["accepted"]' 2 't["rejected"]' 0 't["categories"]' 2 't["net"]' 14.00
}

# A line of 100,000 fields is rejected naming file, line and the count; with
# the default reject rate that is exit 3; allowed, the good line remains.
wide_line() {
    { echo "$H"; awk 'BEGIN { for (i = 1; i < 100000; i++) printf "f%d,", i; print "last" }'; good 3; } > wide.csv
    run check wide.csv; rc_is 3; err_has "wide.csv:2:" "expected 12 fields, found 100000"
    run check --json --max-reject-rate 0.9 --rejects r.csv wide.csv; rc_is 0
    rejects r.csv wide.csv 2 "expected 12 fields, found 100000"
    json out 't["accepted"]' 1 't["rejected"]' 1 't["net"]' 7.00
}

# A quote opened on the last line and never closed: that row (line 3) is
# rejected with the reason, the row before it kept.
unterminated_quote_eof() {
    { echo "$H"; good 1; printf 'O2,2024-01-01,C2,web,P1,"Toys,2,3.50,1,0,FR,\n'; } > q.csv
    run check q.csv; rc_is 3; err_has "q.csv:3:" "unterminated quoted field"
    run check --json --max-reject-rate 0.9 --rejects r.csv q.csv; rc_is 0
    rejects r.csv q.csv 3 "unterminated quote"
    json out 't["rows_read"]' 2 't["accepted"]' 1 't["net"]' 7.00
    printf 'O3,2024-01-01,C3,web,P1,"Toys' > q2.csv      # and with no final newline
    { echo "$H"; good 1; cat q2.csv; } > q3.csv
    run check --max-reject-rate 0.9 --rejects r3.csv q3.csv; rc_is 0
    rejects r3.csv q3.csv 3 "quote"
}

# Invalid UTF-8 in a text field: canaux REJECTS the row with the reason
# "invalid UTF-8 in FIELD" (it does not pass the bytes through), and says so
# naming file and line; a valid UTF-8 row beside it is kept.
invalid_utf8() {
    { echo "$H"; printf 'O1,2024-01-01,C1,web,P1,caf\351 \377\376,1,2,1,0,FR,\n'
      printf 'O2,2024-01-01,C2,web,P1,Toys,1,2,1,0,R\300\257,\n'
      printf 'O3,2024-01-01,C3,web,P1,caf\303\251,1,2,1,0,FR,\n'; } > u.csv
    run check u.csv; rc_is 3; err_has "u.csv:2:" "invalid UTF-8 in category"
    run check --json --max-reject-rate 0.9 --rejects r.csv u.csv; rc_is 0
    rejects r.csv u.csv 2 "invalid UTF-8 in category" 3 "invalid UTF-8 in region"
    json out 't["accepted"]' 1 't["categories"]' 1 't["net"]' 2.00
}

# A .gz cut in half: read error naming the file (exit 2), nothing written.
truncated_gz() {
    "$BIN" gen --rows 3000 --seed 7 -o g.csv >/dev/null 2>&1 || fail "gen failed"
    gzip -c g.csv > full.csv.gz
    head -c $(( $(wc -c < full.csv.gz) / 2 )) full.csv.gz > cut.csv.gz
    run check cut.csv.gz; rc_is 2; err_has "cut.csv.gz:" "truncated"
    run run -q cut.csv.gz -o outdir; rc_is 2; err_has "cut.csv.gz:"; no_dir outdir
    run check full.csv.gz; rc_is 0                     # the whole one is fine
}

empty_file() {
    : > empty.csv
    run check empty.csv; rc_is 2; err_has "empty.csv: empty file"
    run run -q empty.csv -o outdir; rc_is 2; err_has "empty.csv:"; no_dir outdir
}

# A header alone: `check` profiles 0 rows (exit 0); `run` has nothing to
# analyse: exit 2 naming the file, no folder.
header_only() {
    echo "$H" > head.csv
    run check --json head.csv; rc_is 0; json out 't["rows_read"]' 0 't["accepted"]' 0 't["net"]' 0.00
    run run -q head.csv -o outdir; rc_is 2; err_has "head.csv: no order line accepted"; no_dir outdir
}

directory_input() {
    mkdir d.csv
    run check d.csv; rc_is 2; err_has "d.csv: is a directory"
    run run -q d.csv -o outdir; rc_is 2; err_has "d.csv:"; no_dir outdir
}

# The same header name twice is an error naming it and both columns.
duplicate_header() {
    { echo "order_id,date,customer_id,channel,product_id,category,quantity,unit_price,unit_cost,discount,region,Channel"
      echo "O1,2024-01-01,C1,web,P1,T,1,2,1,0,FR,web"; } > dup.csv
    run check dup.csv; rc_is 2; err_has "dup.csv:" "'channel' twice" "columns 4 and 12"
}

# Impossible dates are rejected one by one, naming line and field.
dates_out_of_range() {
    { echo "$H"; for d in 0000-01-01 2025-13-45 99999-01-01 2024-02-30 2023-02-29 2024-00-10; do
        echo "O1,$d,C1,web,P1,T,1,2,1,0,FR,"; done; good 1; } > dates.csv
    run check dates.csv; rc_is 3; err_has "dates.csv:2:" "bad date in date"
    run check --json --max-reject-rate 0.9 --rejects r.csv dates.csv; rc_is 0
    rejects r.csv dates.csv 2 0000-01-01 3 2025-13-45 4 99999-01-01 5 2024-02-30 6 2023-02-29 7 2024-00-10
    json out 't["accepted"]' 1 't["date_min"]' 2024-01-02 't["date_max"]' 2024-01-02
}

# NaN, infinities and 1e400 in quantity and unit_price: each row rejected
# naming its field; the totals stay finite.
nan_inf_numbers() {
    { echo "$H"; for v in NaN nan inf -inf Infinity 1e400 -1e400; do
        echo "O1,2024-01-01,C1,web,P1,T,$v,2,1,0,FR,"; echo "O1,2024-01-01,C1,web,P1,T,1,$v,1,0,FR,"; done
      good 1; } > nan.csv
    run check nan.csv; rc_is 3; err_has "nan.csv:2:" "bad number in quantity"
    run check --json --max-reject-rate 0.99 --rejects r.csv nan.csv; rc_is 0
    set -- ; n=2
    for v in NaN nan inf -inf Infinity 1e400 -1e400; do
        set -- "$@" $n "quantity: \"$v\"" $((n + 1)) "unit_price: \"$v\""; n=$((n + 2))
    done
    rejects r.csv nan.csv "$@"
    json out 't["accepted"]' 1 't["rejected"]' 14 't["net"]' 7.00 't["cogs"]' 2.00
}

# Valid numbers whose product is not a usable amount: 1e200 x 1e200 (inf)
# and a 1e300 unit cost are rejected as out of range, so the totals and the
# JSON stay finite (they were accepted, giving "net":inf, invalid JSON).
amount_overflow() {
    { echo "$H"; echo "O1,2024-01-01,C1,web,P1,T,1e200,1e200,1,0,FR,"
      echo "O2,2024-01-01,C1,web,P1,T,1,2,1e300,0,FR,"; good 1; } > ov.csv
    run check ov.csv; rc_is 3; err_has "ov.csv:2:" "amount out of range" "ov.csv:3:"
    run check --json --max-reject-rate 0.99 --rejects r.csv ov.csv; rc_is 0
    rejects r.csv ov.csv 2 "net inf" 3 "cost 1e+300"
    json out 't["accepted"]' 1 't["rejected"]' 2 't["net"]' 7.00
}

# Too many rejects and then a stage that cannot run (one customer, -k 8): both
# messages are shown, not only the reject rate (the segmentation message
# used to be hidden behind it).
reject_then_failure() {
    { echo "$H"; good 1; echo 'O2,2024-01-02,C2,web,P1,"T,1,2,1,0,FR,'; } > q.csv
    run run -q -k 8 q.csv -o qd; rc_is 1
    err_has "1 of 2 rows rejected" "cannot make"
    [ ! -e qd ] || fail "a failed run left qd/"
}

# ---- 2. the cost model -----------------------------------------------------

# A data channel absent from the [channel] sections: costed at zero, flagged
# in_cost_model = 0 in channels.csv and reported on stderr naming the model.
cost_model_missing_channel() {
    "$BIN" gen --rows 3000 --seed 5 -o s.csv >/dev/null 2>&1 || fail "gen failed"
    printf '[channel web]\nkind = direct\ncommission_rate = 0.1\ncost_per_order = 2\n' > m.ini
    run run -c m.ini --format csv s.csv -o o; rc_is 0
    err_has "missing from the cost model (m.ini)" "in_cost_model = 0"
    got=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "in_cost_model") c = i; next }
                   { print $1 ":" $c }' o/channels.csv 2>/dev/null | sort | tr '\n' ' ')
    [ "$got" = "agents:0 direct:0 marketplace:0 retail:0 web:1 " ] || fail "in_cost_model per channel: '$got'"
}

# A negative cost, an out-of-range commission, an unknown key: exit 1 naming
# file, line and key, for run, economics and check; `run` leaves no folder.
cost_model_bad_values() {
    "$BIN" gen --rows 500 --seed 5 -o s.csv >/dev/null 2>&1 || fail "gen failed"
    printf '[channel web]\nkind = direct\ncommission_rate = 0.1\ncost_per_order = -2\n' > neg.ini
    run run -q -c neg.ini s.csv -o outdir; rc_is 1; err_has "neg.ini:4:" "cost_per_order" "negative"; no_dir outdir
    run economics -q -c neg.ini s.csv -o outdir; rc_is 1; err_has "neg.ini:4:" "cost_per_order"; no_dir outdir
    printf '[channel web]\n\nkind = direct\ncommission_rate = 1.5\n' > com.ini
    run run -q -c com.ini s.csv -o outdir; rc_is 1; err_has "com.ini:4:" "commission_rate"; no_dir outdir
    printf '[channel web]\nkind = direct\nfixed_cots = 5\n' > key.ini
    run run -q -c key.ini s.csv -o outdir; rc_is 1; err_has "key.ini:3:" "fixed_cots"; no_dir outdir
    # check -c validates the cost model too (a nightly job's dry run).
    run check -c neg.ini s.csv; rc_is 1; err_has "neg.ini:4:" "cost_per_order"
    run check -c key.ini s.csv; rc_is 1; err_has "key.ini:3:" "fixed_cots"
}

# ---- 3. scale --------------------------------------------------------------

# 1,000,000 distinct customers, one line each: `run` succeeds and keeps every
# customer. About 10 s on 2 cores; a sanitizer build is ~5x slower, so
# against one (the binary links __asan_init) this uses 200,000 customers.
# CANAUX_CUSTOMERS=N sets another count (make bench-scale: 10,000,000).
million_customers() {
    n=${CANAUX_CUSTOMERS:-1000000}
    [ -z "${CANAUX_CUSTOMERS:-}" ] && grep -qa __asan_init "$BIN" && n=200000
    awk -v H="$H" -v n=$n 'BEGIN { print H; split("web direct agents retail marketplace", ch, " ")
        for (i = 1; i <= n; i++)
            printf "O%d,2024-%02d-%02d,C%d,%s,P%d,Cat%d,%d,%d.%02d,1.00,0,R%d,\n",
                i, i % 12 + 1, i % 28 + 1, i, ch[i % 5 + 1], i % 500, i % 7, i % 3 + 1, i % 90 + 2, i % 100, i % 4 }' > m.csv
    run run -q --format csv m.csv -o o; rc_is 0
    [ "$(wc -l < o/customers.csv 2>/dev/null)" = $((n + 1)) ] || fail "customers.csv does not hold $n customers"
    rm -rf m.csv o
}

# ---- 4. accounting ---------------------------------------------------------

# rows read = accepted + rejected, and the net canaux reports = an independent
# sum over the accepted rows, for generated, committed and damaged inputs.
accounting_generated() {
    "$BIN" gen --rows 20000 --seed 12 -o g.csv >/dev/null 2>&1 || fail "gen failed"
    run check --json --rejects r.csv g.csv; rc_is 0; accounts out r.csv g.csv
}
accounting_samples() {
    S=$SRC/sample-data
    cp "$S/sample.csv.gz" "$S/broken.csv" "$S/sample_fr.csv" . || { fail "sample-data missing"; return; }
    run check --json --rejects r1.csv sample.csv.gz; rc_is 0; accounts out r1.csv sample.csv.gz
    run check --json --rejects r2.csv broken.csv; rc_is 3; accounts out r2.csv broken.csv
    run check --json -c "$S/french.ini" --rejects r3.csv sample_fr.csv; rc_is 0
    accounts out r3.csv sample_fr.csv ';' fr 'Quantité' 'Prix unitaire' 'Remise'
}
# 4,000 generated rows with returns, "15%" discounts and a quoted comma, and
# 9 bad rows at known lines.
accounting_mixed() {
    "$BIN" gen --rows 4000 --seed 13 -o g.csv >/dev/null 2>&1 || fail "gen failed"
    awk -F, -v OFS=, 'NR == 1 { print; next }
        NR == 100 { print "B1,2024-01-01,C1,web,P1,T,two,2,1,0,FR,"; next }
        NR == 200 { print "B2,2024-02-31,C1,web,P1,T,1,2,1,0,FR,"; next }
        NR == 300 { print "B3,2024-01-01,C1,web,P1,T,1,2"; next }
        NR == 400 { print "B4,2024-01-01,C1,web,P1,T,1,-2,1,0,FR,"; next }
        NR == 500 { print "B5,2024-01-01,C1,web,P1,T,1,NaN,1,0,FR,"; next }
        NR == 600 { print "B6,2024-01-01,C1,web,P1,T,1,2,1,150%,FR,"; next }
        NR == 700 { printf "B7,2024-01-01,C1,web,P1,T\377,1,2,1,0,FR,\n"; next }
        NR == 800 { print "B8,2024-01-01,C1,,P1,T,1,2,1,0,FR,"; next }
        NR == 900 { print "B9,2024-01-01,C1,web,P1,T,1,1e400,1,0,FR,"; next }
        NR % 7 == 0 { $7 = -$7 }
        NR % 11 == 0 { $10 = "15%" }
        NR % 13 == 0 { $6 = "\"Home, garden\"" }
        { print }' g.csv > mixed.csv
    run check --json --max-reject-rate 0.5 --encoding utf-8 --rejects r.csv mixed.csv; rc_is 0
    rejects r.csv mixed.csv 100 quantity 200 date 300 "fields" 400 unit_price 500 unit_price \
        600 discount 700 "UTF-8" 800 channel 900 unit_price
    json out 't["rejected"]' 9 't["rows_read"]' 4000
    accounts out r.csv mixed.csv
}

# CANAUX_ABUSE_TESTS="name ..." runs only those.
for name in ${CANAUX_ABUSE_TESTS:-binary_garbage huge_field wide_line unterminated_quote_eof invalid_utf8 truncated_gz \
    empty_file header_only directory_input duplicate_header dates_out_of_range nan_inf_numbers amount_overflow reject_then_failure \
    cost_model_missing_channel cost_model_bad_values million_customers \
    accounting_generated accounting_samples accounting_mixed}; do
    t "$name"
done
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
