#!/bin/sh
# pg_server.sh -- a throw-away PostgreSQL server for the tests and benchmarks.
#
# Sourced (with PG_SERVER_LIB=1) by tests/e2e/pg.sh, or run as
#   sh tests/e2e/pg_server.sh start DIR      (tests/bench/bench.py)
#   sh tests/e2e/pg_server.sh stop DIR
# pg_start DIR makes a cluster in DIR/data with Debian's initdb and starts
# it with pg_ctl, listening only on a Unix socket in DIR (no TCP port), as
# an unprivileged user: initdb and postgres refuse to run as root, so under
# root (CI) DIR is given to `nobody` and the server runs as nobody. The
# superuser is `canaux` (trust over the socket); the role `u` (created by
# the tests) must give its password (scram-sha-256). fsync is off: the
# cluster is thrown away. pg_stop DIR stops it (immediate mode: there is
# nothing to keep). DIR must be short (a socket path holds 107 bytes).

# pg_bindir: the folder of initdb, pg_ctl and postgres (the newest version
# under /usr/lib/postgresql, or $PG_BINDIR), on stdout; 1 when none.
pg_bindir() {
    if [ -n "${PG_BINDIR:-}" ]; then
        [ -x "$PG_BINDIR/initdb" ] && [ -x "$PG_BINDIR/pg_ctl" ] && [ -x "$PG_BINDIR/postgres" ] &&
            echo "$PG_BINDIR"
        return
    fi
    for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5 -n -r); do
        if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && [ -x "$d/postgres" ]; then
            echo "$d"
            return 0
        fi
    done
    return 1
}

# pg_as CMD...: runs CMD as the server's user (nobody under root).
pg_as() {
    if [ "$(id -u)" = 0 ]; then
        if command -v runuser >/dev/null; then
            runuser -u nobody -- "$@"
        else
            # shellcheck disable=SC2016  # $0 and $@ belong to the inner shell
            su nobody -s /bin/sh -c '"$0" "$@"' -- "$@"
        fi
    else
        "$@"
    fi
}

pg_start() {
    dir=$1
    bindir=$(pg_bindir) || { echo "pg_server: no PostgreSQL server binaries (make deps installs postgresql)" >&2; return 1; }
    [ "$(id -u)" != 0 ] || chown nobody "$dir" || return 1
    pg_as "$bindir/initdb" -D "$dir/data" -U canaux -A trust -E UTF8 --locale=C --no-sync \
        >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; return 1; }
    printf 'local all u scram-sha-256\nlocal all all trust\n' | pg_as tee "$dir/data/pg_hba.conf" >/dev/null || return 1
    pg_as "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-c listen_addresses='' -k $dir -c fsync=off -c full_page_writes=off" start >/dev/null ||
        { cat "$dir/server.log" >&2; return 1; }
}

pg_stop() {
    dir=$1
    [ -f "$dir/data/postmaster.pid" ] || return 0
    bindir=$(pg_bindir) || return 1
    pg_as "$bindir/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1
}

if [ -z "${PG_SERVER_LIB:-}" ]; then
    case "${1:-}" in
    start) pg_start "${2:?DIR}" ;;
    stop) pg_stop "${2:?DIR}" ;;
    *) echo "usage: sh pg_server.sh start|stop DIR" >&2; exit 1 ;;
    esac
fi
