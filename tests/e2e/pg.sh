#!/bin/sh
# pg.sh -- the PostgreSQL source (postgresql:// inputs) against a real server.
#
# Run by `make test-pg` (part of `make test`, and of `make test-asan` against
# the sanitizer build) as
#   CANAUX_BIN=/abs/canaux CANAUX_SRC=/abs/repo sh tests/e2e/pg.sh
# with, optionally, CANAUX_PG_VALGRIND=1 (the PostgreSQL runs under valgrind
# memcheck too) and FAILMALLOC_SO=/abs/failmalloc.so (each allocation of
# canaux's own code on the PostgreSQL path made to fail in turn).
# One server for every test: Debian's initdb and pg_ctl in a temporary
# folder, as nobody under root, on a Unix socket in that folder only
# (tests/e2e/pg_server.sh), stopped and removed at exit. The tables come
# from `canaux gen` through psql's \copy, so each PostgreSQL figure is
# compared with the same rows read from the CSV file, and with what the
# server itself computes from them. Skips (exit 0) when the PostgreSQL
# server binaries are absent; `make deps` installs them.
set -u

E2E_NAME=pg
. "${CANAUX_SRC:?set CANAUX_SRC to the repository}/tests/e2e/harness.sh"
PG_SERVER_LIB=1
. "$SRC/tests/e2e/pg_server.sh"

if ! PGBIN=$(pg_bindir); then
    echo "skip pg: no PostgreSQL server binaries (initdb, pg_ctl, postgres under /usr/lib/postgresql/*/bin); make deps installs postgresql"
    echo "0 passed, 0 failed"
    exit 0
fi
PGD=$(mktemp -d /tmp/canaux-pg.XXXXXX) || exit 2
trap 'pg_stop "$PGD"; rm -rf "$PGD" "$TMP"' EXIT
pg_start "$PGD" || { echo "FAIL setup: the PostgreSQL server did not start"; echo "0 passed, 1 failed"; exit 1; }

DB=canaux_test
U="postgresql:///$DB?host=$PGD&user=canaux"
COLS=order_id,date,customer_id,channel,product_id,category,quantity,unit_price,unit_cost,discount,region,account_id
Q="SELECT $COLS FROM sales ORDER BY ln"
psql() { "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$PGD" -U canaux "$@"; }

# The tables. sales: 20,000 generated lines with typed columns (timestamp,
# integer, numeric), ln numbering them in file order (COPY FROM inserts in
# order, so the bigserial follows the file). sales_text: the first 30 as
# text, with row 7's quantity made 'abc' and row 3's category holding a
# newline, so that row 7 of the result is line 9 of its CSV. order_lines:
# sales under the column names of sample-data/postgresql.ini. The role u
# must give its password (pg_hba.conf of pg_server.sh).
"$BIN" gen --rows 20000 --seed 7 -o "$TMP/g.csv" >/dev/null || { echo "FAIL setup: canaux gen"; exit 1; }
psql -d postgres -c "CREATE DATABASE $DB" || { echo "FAIL setup: CREATE DATABASE"; exit 1; }
psql -d "$DB" <<EOF || { echo "FAIL setup: loading the tables with psql"; exit 1; }
CREATE TABLE sales (ln bigserial, order_id text, date timestamp, customer_id text, channel text,
    product_id text, category text, quantity integer, unit_price numeric, unit_cost numeric,
    discount numeric, region text, account_id text);
\\copy sales($COLS) FROM '$TMP/g.csv' (FORMAT csv, HEADER)
CREATE TABLE sales_text AS SELECT ln, order_id, date::text AS date, customer_id, channel, product_id,
    category, quantity::text AS quantity, unit_price::text AS unit_price, unit_cost, discount, region,
    account_id FROM sales WHERE ln <= 30;
UPDATE sales_text SET quantity = 'abc' WHERE ln = 7;
UPDATE sales_text SET category = E'two\\nlines' WHERE ln = 3;
CREATE VIEW order_lines AS SELECT ln AS line_no, order_id AS order_no, date AS sold_at,
    customer_id AS client, channel AS sales_channel, product_id AS sku, category AS family,
    quantity AS qty, unit_price AS price, unit_cost AS unit_cost_eur, discount AS rebate,
    region AS market, account_id AS account FROM sales;
CREATE ROLE u LOGIN PASSWORD 'secret';
GRANT SELECT ON sales, sales_text TO u;
EOF

# The figures of the server itself, for comparing with canaux's: lines and
# net by channel (net = quantity x unit_price x (1 - discount), in exact
# numeric arithmetic), distinct customers (empty = anonymous, not one) and
# orders.
psql -d "$DB" -A -t -F: -c "SELECT channel, count(*), round(sum(quantity * unit_price * (1 - coalesce(discount, 0))), 2)
    FROM sales GROUP BY channel ORDER BY channel" > "$TMP/server_chans.txt" || exit 1
psql -d "$DB" -A -t -F: -c "SELECT count(DISTINCT customer_id), count(DISTINCT order_id), count(*) FROM sales" \
    > "$TMP/server_counts.txt" || exit 1

# same_totals A.json B.json: the totals and the channels of two check --json
# outputs are identical.
same_totals() {
    msg=$(python3 - "$1" "$2" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
for k in ("totals", "channels"):
    if a[k] != b[k]:
        print("%s differ: %s against %s" % (k, json.dumps(a[k], sort_keys=True)[:300], json.dumps(b[k], sort_keys=True)[:300]))
PY
)
    [ -z "$msg" ] || fail "$msg"
}

# raw FILE N WANT: the raw column of the N-th reject is exactly WANT.
raw() {
    got=$(python3 -c 'import csv,sys; print(list(csv.reader(open(sys.argv[1], newline="", errors="replace")))[int(sys.argv[2])][3])' "$1" "$2" 2>&1)
    [ "$got" = "$3" ] || fail "raw of reject $2 is '$got', expected '$3'"
}

# no_secret WORD FILE...: none of the files holds WORD.
no_secret() {
    w=$1
    shift
    for f; do
        [ ! -e "$f" ] || ! grep -rqF -- "$w" "$f" || fail "$f shows '$w': $(grep -rF -- "$w" "$f" | head -c 200)"
    done
}

# ---- the same rows as the CSV file ----------------------------------------

# check --json of the query is check --json of the file, field for field;
# and both are what the server computes: 20,000 rows (gen --rows), its
# lines and net per channel, customers and orders.
pg_totals() {
    "$BIN" check --json "$TMP/g.csv" > csv.json || fail "check of the CSV failed"
    run check --json "$U" --query "$Q"; rc_is 0
    cp out pg.json
    same_totals pg.json csv.json
    json pg.json 'f[0]["name"]' "$U" 't["rows_read"]' 20000 't["rejected"]' 0 'f[0]["delimiter"]' ,
    json pg.json "' '.join('%s:%d:%.2f' % (c['channel'], c['lines'], c['net']) for c in sorted(d['channels'], key=lambda c: c['channel']))" \
        "$(tr '\n' ' ' < "$TMP/server_chans.txt" | sed 's/ $//')"
    IFS=: read -r customers orders lines < "$TMP/server_counts.txt"
    json pg.json 't["customers"]' "$customers" 't["orders"]' "$orders" 't["lines"]' "$lines"
}

# [input] query of sample-data/postgresql.ini, over three lines (inih
# hands each line over as its own entry; the reader joins them), on the
# order_lines view, its columns mapped by [columns]: the same totals.
pg_config_query() {
    run check --json -c "$SRC/sample-data/postgresql.ini" "$U"; rc_is 0
    cp out pg.json
    "$BIN" check --json "$TMP/g.csv" > csv.json
    same_totals pg.json csv.json
    json pg.json 't["rows_read"]' 20000
    # --query wins over [input] query: one row.
    run check --json -c "$SRC/sample-data/postgresql.ini" "$U" \
        --query "SELECT * FROM order_lines ORDER BY line_no LIMIT 1"; rc_is 0
    json out 't["rows_read"]' 1
}

# canaux run on the query writes the channels and customers of the file.
pg_run_same() {
    "$BIN" run -q -j2 "$TMP/g.csv" -o csv || fail "run on the CSV failed"
    run run -q -j2 "$U" --query "$Q" -o pg; rc_is 0
    for f in channels.csv customers.csv segments.csv; do
        cmp -s csv/$f pg/$f || fail "$f differs: $(diff csv/$f pg/$f | head -3 | tr '\n' ' ')"
    done
    json pg/summary.json 'd["inputs"][0]["name"]' "$U" 'd["inputs"][0].get("sha256")' None
}

# ---- rejects cite the row of the result ------------------------------------

# Row 7 of sales_text (ORDER BY ln, ln 1 to 30) has quantity 'abc'. Row 3
# holds a newline, so in the CSV the server sends row 7 is on line 9: the
# reject says row 7 (and rejects.csv's line column 7), not a line.
pg_reject_row() {
    q="SELECT $COLS FROM sales_text ORDER BY ln"
    run check --rejects rj.csv --max-reject-rate 1 "$U" --query "$q"; rc_is 0
    rejects rj.csv "$U" 7 quantity
    raw rj.csv 1 "$(sed -n 8p "$TMP/g.csv" | awk -F, -v OFS=, '{ $7 = "abc"; $2 = $2 ":00"; print }')"
    run check --max-reject-rate 1 "$U" --query "$q"; rc_is 0
    err_has "$U: row 7: rejected: bad number in quantity: \"abc\""
    run check --strict "$U" --query "$q"; rc_is 3
    err_has "$U: row 7: bad number in quantity: \"abc\" (--strict stops at the first rejected row)"
    # 30 rows, 29 accepted.
    run check --json --max-reject-rate 1 "$U" --query "$q"; rc_is 0
    json out 't["rows_read"]' 30 't["accepted"]' 29 't["rejected"]' 1
}

# 200,000 rows (about 15 MB: several read blocks and many parallel ranges)
# made by the server, a newline in every 1000th row's category, and row
# 150,000's quantity 'abc': the one reject is row 150000 with 1 and 2
# threads alike.
pg_big_result() {
    q="SELECT 'O' || i AS order_id, '2024-01-01' AS date, 'C' || (i % 97) AS customer_id, 'web' AS channel,
           'P' || (i % 13) AS product_id, CASE WHEN i % 1000 = 0 THEN E'x\\ny' ELSE 'cat' END AS category,
           CASE WHEN i = 150000 THEN 'abc' ELSE '1' END AS quantity, 2.5 AS unit_price
         FROM generate_series(1, 200000) AS i ORDER BY i"
    for j in 1 2; do
        run check --json -j$j --rejects rj$j.csv "$U" --query "$q"; rc_is 0
        rejects rj$j.csv "$U" 150000 quantity
        json out 't["rows_read"]' 200000 't["accepted"]' 199999 't["net"]' 499997.50
    done
    cmp -s rj1.csv rj2.csv || fail "rejects differ between 1 and 2 threads"
}

# --strict stops at row 10 of a query of 50 million rows, which would
# take about a minute to send: canaux stops at once (exit 3), and the
# server's query is cancelled, not left running.
BIGQ="SELECT 'O' || i AS order_id, '2024-01-01' AS date, 'C1' AS customer_id, 'web' AS channel,
      'P1' AS product_id, CASE WHEN i = 10 THEN 'abc' ELSE '1' END AS quantity, 2 AS unit_price
      FROM generate_series(1, 50000000) AS i"
pg_strict_stops() {
    timeout 30 "$BIN" check --strict "$U" --query "$BIGQ" >out 2>err; RC=$?; rc_is 3
    err_has "$U: row 10: bad number in quantity"
    n=0
    while [ "$(psql -d "$DB" -A -t -c "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%generate_series(1, 50000000)%' AND pid <> pg_backend_pid()")" != 0 ]; do
        n=$((n + 1))
        [ $n -lt 50 ] || { fail "the query still runs on the server 5 s after canaux stopped"; break; }
        sleep 0.1
    done
}

# ---- errors ----------------------------------------------------------------

pg_errors() {
    run check "postgresql:///$DB?host=$PGD/nowhere&user=canaux" --query "$Q"; rc_is 2
    err_has "cannot connect" "$PGD/nowhere/.s.PGSQL.5432" "No such file or directory"
    run check "postgresql:///nope?host=$PGD&user=canaux" --query "$Q"; rc_is 2
    err_has 'database "nope" does not exist'
    run check "$U" --query "SELECT nope FROM sales"; rc_is 2
    # "nope" is the 8th character of the query.
    err_has "$U: query failed: ERROR: column \"nope\" does not exist (at character 8 of the query)"
    run check "$U" --query "SELECT * FROM nowhere"; rc_is 2
    err_has 'relation "nowhere" does not exist'
    # One statement only: the second is refused by the server, not run.
    run check "$U" --query "SELECT 1) TO STDOUT; DROP TABLE sales; COPY (SELECT 1"; rc_is 2
    err_has "cannot insert multiple commands"
    [ "$(psql -d "$DB" -A -t -c 'SELECT count(*) FROM sales')" = 20000 ] || fail "the sales table changed"
    # An error after rows were streamed (no ORDER BY: the server sends as
    # it goes) is still exit 2.
    run check "$U" --query "SELECT 1 / (i - 150000) AS x FROM generate_series(1, 200000) AS i"; rc_is 2
    err_has "query failed after" "division by zero"
    # A trailing ';' and a trailing comment are fine.
    run check -q "$U" --query "$Q LIMIT 5 ;  "; rc_is 0
    run check -q "$U" --query "$Q LIMIT 5 -- the first five"; rc_is 0
    # Columns the mapping does not find: exit 2 naming the headers found.
    run check "$U" --query "SELECT 1 AS order_id"; rc_is 2
    err_has "no column for required field 'date'" "headers found: order_id"
    # Bad usage (exit 1): no query, an empty one, a query without a
    # postgresql input (option or configuration).
    run check "$U"; rc_is 1; err_has "needs a query"
    run check "$U" --query " ; "; rc_is 1; err_has "needs a query"
    run check "$TMP/g.csv" --query "$Q"; rc_is 1; err_has "--query is for a postgresql:// input"
    printf '[input]\nquery = SELECT 1\n' > q.ini
    run check -c q.ini "$TMP/g.csv"; rc_is 1; err_has "[input] query is for a postgresql:// input"
}

# ---- passwords ---------------------------------------------------------------

# A password in the URI (user info or password=) is never shown: not on
# stderr or stdout, not in rejects.csv or summary.json, when the connection
# works, when the password is wrong, and when the server is not there.
pg_password() {
    P="postgresql://u:secret@/$DB?host=$PGD"
    M="postgresql://u:***@/$DB?host=$PGD"
    q="SELECT $COLS FROM sales_text ORDER BY ln"
    run check "$P" --query "$q" --max-reject-rate 1; rc_is 0
    grep -qF "$M: 30 rows read, 29 accepted, 1 rejected" out || fail "check does not show the masked URI: $(short out)"
    err_has "$M: row 7: rejected"
    no_secret secret out err
    run run -q --force "web=$P" --query "$q" --max-reject-rate 1 -o o; rc_is 0
    rejects o/rejects.csv "$M" 7 quantity
    json o/summary.json 'd["inputs"][0]["name"]' "$M" 'd["inputs"][0]["channel"]' web \
        '[a for a in d["parameters"]["command_line"] if "postgresql" in a]' "[\"web=$M\"]"
    no_secret secret out err o
    run check "postgresql:///$DB?host=$PGD&user=u&password=secret" --query "$q" --max-reject-rate 1; rc_is 0
    grep -qF "postgresql:///$DB?host=$PGD&user=u&password=***: 30 rows" out || fail "password= not masked: $(short out)"
    no_secret secret out err
    run check "postgresql://u:wrong-pw@/$DB?host=$PGD" --query "$q"; rc_is 2
    err_has 'password authentication failed for user "u"'
    no_secret wrong-pw out err
    run check "postgresql://u:secret@/$DB?host=$PGD/nowhere" --query "$q"; rc_is 2
    err_has "cannot connect"
    no_secret secret out err
    # libpq quotes a badly percent-encoded token of the URI in its message.
    run check "postgresql://u:sec%zzret@/$DB?host=$PGD" --query "$q"; rc_is 2
    err_has "invalid percent-encoded token"
    no_secret zzret out err
    run run -q "postgresql://u:secret@/$DB?host=$PGD/nowhere" --query "$q" -o o2; rc_is 2
    no_secret secret out err
    [ ! -e o2 ] || fail "a failed connection left an output folder"
}

# ---- memory checks -----------------------------------------------------------

# Under valgrind memcheck: no error and no definite or indirect leak on the
# PostgreSQL path (libpq's own allocations included), whether the COPY runs
# to its end, is stopped early (--strict: the cancel path) or never starts.
pg_valgrind() {
    [ "${CANAUX_PG_VALGRIND:-}" = 1 ] || { skip "CANAUX_PG_VALGRIND is not 1 (make test-pg sets it)"; return; }
    command -v valgrind >/dev/null || { fail "valgrind not installed"; return; }
    VG="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect"
    vgrun() {
        want=$1
        shift
        # shellcheck disable=SC2086
        $VG "$BIN" "$@" >out 2>err
        rc=$?
        [ "$rc" = "$want" ] && ! grep -q '^==[0-9]*==' err ||
            fail "valgrind canaux $1 ($rc, expected $want): $(grep '^==[0-9]*==' err | head -c 400 | tr '\n' ' ')"
    }
    vgrun 0 check -j2 "$U" --query "$Q LIMIT 3000"
    vgrun 0 run -q -j2 "$U" --query "$Q LIMIT 3000" -o o
    vgrun 3 check --strict "$U" --query "$BIGQ"
    vgrun 2 check "$U" --query "SELECT nope FROM sales"
    vgrun 2 check "postgresql://u:wrong@/$DB?host=$PGD" --query "$Q"
}

# Every allocation canaux's own code makes in `check` of a PostgreSQL input
# (with a password to mask, and a reject) fails in turn: each run ends with
# exit 0, 2 or 4 and a message (0 only when the failure was absorbed),
# never a crash, and never shows the password.
pg_failmalloc() {
    [ -n "${FAILMALLOC_SO:-}" ] || { skip "FAILMALLOC_SO is not set (make test-pg sets it)"; return; }
    q="SELECT $COLS FROM sales_text ORDER BY ln"
    P="postgresql://u:secret@/$DB?host=$PGD"
    FAILMALLOC_COUNT=$PWD/count LD_PRELOAD=$FAILMALLOC_SO "$BIN" check -q -j1 --max-reject-rate 1 "$P" --query "$q" >/dev/null 2>&1 ||
        { fail "the counting run failed"; return; }
    total=$(cat count)
    [ "$total" -gt 20 ] || { fail "only '$total' allocations counted"; return; }
    n=1 bad=0
    while [ $n -le "$total" ]; do
        FAILMALLOC_N=$n LD_PRELOAD=$FAILMALLOC_SO "$BIN" check -q -j1 --max-reject-rate 1 "$P" --query "$q" >o 2>e
        rc=$?
        ! grep -qF secret o e || { fail "allocation $n: the password shows"; bad=1; }
        case $rc in
        0) ;;
        2|4) [ -s e ] || { fail "allocation $n: exit $rc without a message"; bad=1; } ;;
        *) fail "allocation $n: exit status $rc ($(short e))"; bad=1 ;;
        esac
        [ $bad = 0 ] || break
        n=$((n + 1))
    done
}

for name in pg_totals pg_config_query pg_run_same pg_reject_row pg_big_result pg_strict_stops pg_errors pg_password \
    pg_valgrind pg_failmalloc; do
    t "$name"
done
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
