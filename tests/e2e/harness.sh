# harness.sh -- what tests/e2e/run.sh and abuse.sh share: the settings, a
# temporary root removed at exit, and the test runner and assertions.
# Sourced with E2E_NAME set (names the temporary root). Each test is a shell
# function run by `t NAME` in its own directory; it records failures with
# `fail` (or `skip`); `t` prints `ok NAME`, `FAIL NAME: ...` or `skip NAME: ...`.
BIN=${CANAUX_BIN:?set CANAUX_BIN to the canaux binary}
SRC=${CANAUX_SRC:?set CANAUX_SRC to the repository}
DATA=$SRC/../shared/data
[ -x "$BIN" ] || { echo "FAIL setup: $BIN is not an executable"; echo "0 passed, 1 failed"; exit 1; }
TMP=$(mktemp -d "${TMPDIR:-/tmp}/canaux-${E2E_NAME:-e2e}.XXXXXX") || exit 2
trap 'rm -rf "$TMP"' EXIT
trap 'exit 2' INT TERM
H=order_id,date,customer_id,channel,product_id,category,quantity,unit_price,unit_cost,discount,region,account_id

# ---- harness -------------------------------------------------------------

PASSED=0 FAILED=0 FAILS='' SKIP=''

fail() { FAILS="${FAILS:+$FAILS; }$*"; }
skip() { SKIP=$*; }

t() {
    FAILS='' SKIP=''
    mkdir "$TMP/$1" && cd "$TMP/$1" || exit 2
    "$1"
    cd "$TMP" || exit 2
    if [ -n "$SKIP" ]; then
        echo "skip $1: $SKIP"
    elif [ -z "$FAILS" ]; then
        echo "ok $1"; PASSED=$((PASSED + 1))
    else
        echo "FAIL $1: $FAILS"; FAILED=$((FAILED + 1))
    fi
}

# run ARGS...: runs canaux; stdout in ./out, stderr in ./err, status in RC.
run() { "$BIN" "$@" >out 2>err; RC=$?; }

short() { head -c 300 "$1" | tr -c '[:print:]' ' '; }
rc_is() { [ "$RC" = "$1" ] || fail "exit status $RC, expected $1 (stderr: $(short err))"; }
err_has() {
    for s; do grep -qF -- "$s" err || fail "stderr lacks '$s' (stderr: $(short err))"; done
}

# json FILE EXPR WANT [EXPR WANT]...: each Python expression, evaluated with
# d = the JSON document, t = d["totals"], f = d["files"], must show as WANT.
# Floats show with 2 decimals; chans() lists "channel:lines:net" sorted.
json() {
    msg=$(python3 - "$@" <<'EOF'
import json, sys
def show(v):
    if isinstance(v, float): return '%.2f' % v
    if isinstance(v, (dict, list)): return json.dumps(v, sort_keys=True)
    return str(v)
try:
    d = json.load(open(sys.argv[1]))
except Exception as e:
    print('not JSON (%s)' % e); sys.exit()
env = {'json': json, 'd': d, 't': d.get('totals', {}), 'f': d.get('files', []),
       'chans': lambda: ' '.join(sorted('%s:%d:%.2f' % (c['channel'], c['lines'], c['net'])
                                        for c in d['channels']))}
a = sys.argv[2:]
for i in range(0, len(a), 2):
    try: got = show(eval(a[i], env))
    except Exception as e: got = 'error %r' % e
    if got != a[i + 1]: print('%s is %s, expected %s' % (a[i], got, a[i + 1]))
EOF
)
    [ -z "$msg" ] || fail "$(printf '%s' "$msg" | tr '\n' ';')"
}

# rejects FILE INPUT LINE WORD [LINE WORD]...: the rejects CSV has the header
# file,line,reason,raw and exactly these rows, in order, each for INPUT at
# LINE with WORD (a field name, say) in its reason.
rejects() {
    msg=$(python3 - "$@" <<'EOF'
import csv, sys
csv.field_size_limit(1 << 30)
path, name, want = sys.argv[1], sys.argv[2], sys.argv[3:]
try:
    rows = list(csv.reader(open(path, newline='', encoding='utf-8', errors='replace')))
except Exception as e:
    print('cannot read %s (%s)' % (path, e)); sys.exit()
if not rows or rows[0] != ['file', 'line', 'reason', 'raw']:
    print('rejects header is %r' % (rows[:1],))
got = [(r[0], r[1], r[2]) for r in rows[1:]]
exp = [(name, want[i], want[i + 1]) for i in range(0, len(want), 2)]
if len(got) != len(exp) or any(g[0] != e[0] or g[1] != e[1] or e[2].lower() not in g[2].lower()
                               for g, e in zip(got, exp)):
    print('rejects are %s, expected %s' % (got, exp))
EOF
)
    [ -z "$msg" ] || fail "$(printf '%s' "$msg" | tr '\n' ';')"
}
