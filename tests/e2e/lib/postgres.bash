# postgres.bash: a real PostgreSQL 15 for a test (sourced after
# common.bash, not a test itself). start_postgres makes a cluster in a
# temporary folder the postgres user owns (initdb refuses root), with
# --auth=trust, and starts it on 127.0.0.1 on a free port, its socket in
# that folder; it is stopped and removed when the test exits, however it
# exits: the EXIT trap stops it, and a watcher stops it should the test's
# shell die without running its trap (kill -9, a runner's timeout).
#
#   start_postgres          sets PG_PORT, PG_DIR, PG_URL (postgresql://
#                           postgres@127.0.0.1:PORT/postgres)
#   pg_sql SQL              runs SQL with psql, rows unaligned (-At)
#   restart_postgres        a fast shutdown and a start on the same port
#                           (clients' connections are cut), waiting (-w)
#                           until it accepts connections again
#   stop_postgres           (the trap calls it)
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PG_DIR=
PG_PORT=

# (from /: the test's own folder is not the postgres user's to enter)
as_postgres() { (cd / && runuser -u postgres -- "$@"); }

pg_ctl_do() { # ACTION [ARGS...]
    as_postgres "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" "$@"
}

start_postgres() {
    [ -x "$PG_BIN/initdb" ] || fail "PostgreSQL 15 is not installed ($PG_BIN)"
    PG_DIR=$(mktemp -d /tmp/sluice-pg-XXXXXX)
    chown postgres: "$PG_DIR"
    as_postgres "$PG_BIN/initdb" -D "$PG_DIR/data" --auth=trust --no-sync \
        -U postgres -E UTF8 --locale=C.UTF-8 >"$PG_DIR/initdb.log" 2>&1 ||
        fail "initdb: $(tail -n 5 "$PG_DIR/initdb.log")"
    # A port the kernel had free a moment ago; postgres refuses to start if
    # it was taken since, and the test fails saying so.
    PG_PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    pg_ctl_do -w -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_DIR" start >/dev/null ||
        fail "pg_ctl start: $(tail -n 5 "$PG_DIR/log")"
    PG_URL="postgresql://postgres@127.0.0.1:$PG_PORT/postgres"
    # Stops the server if this shell dies without its trap.
    local dir=$PG_DIR shell=$$
    (
        trap '' TERM HUP INT
        tail --pid="$shell" -f /dev/null 2>/dev/null
        [ -d "$dir/data" ] || exit 0
        runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1
        rm -rf "$dir"
    ) </dev/null >/dev/null 2>&1 &
    disown
    trap 'stop_postgres; cleanup' EXIT
}

stop_postgres() {
    [ -n "$PG_DIR" ] || return 0
    pg_ctl_do -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$PG_DIR"
    PG_DIR=
}

restart_postgres() {
    pg_ctl_do -w -m fast -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_DIR" restart >/dev/null ||
        fail "pg_ctl restart: $(tail -n 5 "$PG_DIR/log")"
}

pg_sql() {
    psql -X -q -At -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -c "$1"
}
