#!/usr/bin/env bash
# Local PostgreSQL and Redis for development and tests (issue 11), without root-only tricks:
#   scripts/services.sh start    start both (if not running) and print DATABASE_URL and REDIS_URL
#   scripts/services.sh stop     stop both
#   scripts/services.sh status   say what runs where; exit 1 when either is down
#
# Everything lives in .services/ (it ignores itself in git): the PostgreSQL cluster initdb'd
# there, both servers' logs and pids, and `env`, the two URLs as shell assignments, which the
# tests read. PostgreSQL refuses to run as root, so as root the cluster is owned by and run as
# the unprivileged `postgres` user that Debian's package creates; as anyone else it runs as
# that user. Each server listens on loopback only, on a port free at its first start, kept in
# .services/ so a restart keeps its URL. Redis keeps nothing on disk (no RDB, no AOF): what it
# holds (rate-limit windows, single flight, the query cache) is short-lived by design.
# Needs Debian's `postgresql` and `redis-server` packages.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
DIR="$ROOT/.services"
LOCK="$DIR/lock"
ENV_FILE="$DIR/env"
# Before pg_home looks at it: on a fresh checkout a missing .services/ would send the cluster to
# the temp dir on the first start and look for it in .services/ on the next.
mkdir -p "$DIR"
DATABASE=verify

fail() {
  echo "services.sh: $*" >&2
  exit 1
}

pg_bin() {
  local bindir
  if command -v pg_config >/dev/null 2>&1 && [ -x "$(pg_config --bindir)/initdb" ]; then
    bindir=$(pg_config --bindir)
  else
    bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  fi
  [ -n "$bindir" ] && [ -x "$bindir/$1" ] || fail "PostgreSQL's $1 not found: install Debian's postgresql package (apt-get install -y postgresql)"
  echo "$bindir/$1"
}

# Runs a command as the cluster's owner: `postgres` when we are root, ourselves otherwise.
as_owner() {
  if [ "$(id -u)" = "0" ]; then
    id postgres >/dev/null 2>&1 || fail "running as root needs the unprivileged 'postgres' user (Debian's postgresql package creates it)"
    # From /, which that user can always enter (the checkout may be private to root).
    (cd / && runuser -u postgres -- "$@")
  else
    "$@"
  fi
}

free_port() {
  node -e "const s = require('node:net').createServer(); s.listen(0, '127.0.0.1', () => { process.stdout.write(String(s.address().port)); s.close(); });"
}

# The port kept in $1, or a free one written there.
kept_port() {
  if [ ! -s "$1" ]; then free_port >"$1"; fi
  cat "$1"
}

# Where the cluster lives: in .services/, unless the unprivileged user cannot reach it (a
# checkout under a private home directory), then in a folder of the temp dir named after it.
pg_home() {
  if [ "$(id -u)" = "0" ] && ! runuser -u postgres -- test -x "$DIR" 2>/dev/null; then
    echo "${TMPDIR:-/tmp}/verify-services-$(printf %s "$ROOT" | sha256sum | cut -c1-12)"
  else
    echo "$DIR"
  fi
}
PGHOME=$(pg_home)
PGDATA="$PGHOME/postgres"
PGLOG="$PGHOME/postgres.log"

pg_running() {
  [ -f "$PGDATA/PG_VERSION" ] && as_owner "$(pg_bin pg_ctl)" -D "$PGDATA" status >/dev/null 2>&1
}

redis_running() {
  [ -s "$DIR/redis.port" ] && redis-cli -h 127.0.0.1 -p "$(cat "$DIR/redis.port")" ping 2>/dev/null | grep -q PONG
}

start_postgres() {
  local port
  port=$(kept_port "$DIR/postgres.port")
  if [ ! -f "$PGDATA/PG_VERSION" ]; then
    mkdir -p "$PGDATA"
    [ "$(id -u)" = "0" ] && chown postgres: "$PGDATA"
    chmod 700 "$PGDATA"
    # trust on loopback only: a development cluster with no password to leak, reachable from this machine only.
    as_owner "$(pg_bin initdb)" -D "$PGDATA" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$DIR/initdb.log" 2>&1 ||
      fail "initdb failed: see $DIR/initdb.log"
  fi
  if ! pg_running; then
    [ "$(id -u)" = "0" ] && touch "$PGLOG" && chown postgres: "$PGLOG"
    as_owner "$(pg_bin pg_ctl)" -D "$PGDATA" -l "$PGLOG" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $port -k $PGDATA -c max_connections=200" start >/dev/null 9>&- ||
      fail "PostgreSQL did not start: see $PGLOG"
  fi
  if ! as_owner "$(pg_bin psql)" -h 127.0.0.1 -p "$port" -U postgres -d postgres -tAc "select 1 from pg_database where datname = '$DATABASE'" | grep -q 1; then
    as_owner "$(pg_bin psql)" -h 127.0.0.1 -p "$port" -U postgres -d postgres -qc "create database $DATABASE" >/dev/null
  fi
}

start_redis() {
  command -v redis-server >/dev/null 2>&1 || fail "redis-server not found: install Debian's redis-server package (apt-get install -y redis-server)"
  local port
  port=$(kept_port "$DIR/redis.port")
  if ! redis_running; then
    redis-server --bind 127.0.0.1 --port "$port" --save '' --appendonly no --daemonize yes \
      --pidfile "$DIR/redis.pid" --logfile "$DIR/redis.log" --dir "$DIR" >/dev/null 9>&-
    for _ in $(seq 1 100); do
      redis_running && break
      sleep 0.1
    done
    redis_running || fail "Redis did not start: see $DIR/redis.log"
  fi
}

write_env() {
  {
    echo "DATABASE_URL=postgres://postgres@127.0.0.1:$(cat "$DIR/postgres.port")/$DATABASE"
    echo "REDIS_URL=redis://127.0.0.1:$(cat "$DIR/redis.port")"
  } >"$ENV_FILE"
}

command=${1:-}
case "$command" in
  start)
    mkdir -p "$DIR"
    [ -f "$DIR/.gitignore" ] || echo '*' >"$DIR/.gitignore"
    # One starter at a time: parallel test workers may all call start. The servers are started
    # with this descriptor closed (9>&-), or they would hold the lock for as long as they run.
    exec 9>"$LOCK"
    flock 9
    start_postgres
    start_redis
    write_env
    cat "$ENV_FILE"
    ;;
  stop)
    [ -d "$DIR" ] || exit 0
    exec 9>"$LOCK"
    flock 9
    if pg_running; then as_owner "$(pg_bin pg_ctl)" -D "$PGDATA" -m fast -w stop >/dev/null; fi
    if redis_running; then redis-cli -h 127.0.0.1 -p "$(cat "$DIR/redis.port")" shutdown nosave >/dev/null 2>&1 || true; fi
    rm -f "$ENV_FILE"
    echo "stopped"
    ;;
  status)
    status=0
    if pg_running; then echo "postgresql: running on 127.0.0.1:$(cat "$DIR/postgres.port")"; else echo "postgresql: stopped"; status=1; fi
    if redis_running; then echo "redis: running on 127.0.0.1:$(cat "$DIR/redis.port")"; else echo "redis: stopped"; status=1; fi
    exit "$status"
    ;;
  *)
    echo "usage: scripts/services.sh start|stop|status" >&2
    exit 2
    ;;
esac
