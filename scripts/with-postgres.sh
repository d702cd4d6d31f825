#!/usr/bin/env bash
# Runs a command with a throwaway PostgreSQL server: `scripts/with-postgres.sh npm test`.
#
# The server lives in a temporary directory, listens on 127.0.0.1 only at a free port (and on a
# Unix socket in that directory), has one superuser `postgres` whose password is random, and is
# stopped and deleted when the command ends, whatever its outcome. The command sees its URL in
# CELLSEARCH_TEST_PG (postgres://postgres:<password>@127.0.0.1:<port>/cellsearch_test) and the
# pg_ctl data directory and binaries in CELLSEARCH_TEST_PG_DATA and CELLSEARCH_TEST_PG_BIN (for
# tests that restart the server); the
# script's exit status is the command's.
#
# The Debian binaries are used (initdb, pg_ctl, postgres: on the PATH or in
# /usr/lib/postgresql/<version>/bin); where they are missing, `apt-get install -y postgresql`
# first. PostgreSQL refuses to run as root: as root (CI), the server runs as the `postgres` user.
set -euo pipefail

if [ $# -eq 0 ]; then
  echo "usage: $0 command [args...]" >&2
  exit 2
fi

find_bin() {
  if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
    dirname "$(command -v pg_ctl)"
    return 0
  fi
  local d
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then
      echo "$d"
      return 0
    fi
  done
  return 1
}

if ! BIN=$(find_bin); then
  echo "with-postgres: PostgreSQL binaries not found; installing the Debian package" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq postgresql >&2
  BIN=$(find_bin) || { echo "with-postgres: initdb/pg_ctl still not found after installing postgresql" >&2; exit 1; }
fi

# As root, everything the server touches belongs to `postgres` and runs as it.
if [ "$(id -u)" = 0 ]; then
  if ! id postgres >/dev/null 2>&1; then
    echo "with-postgres: running as root but there is no 'postgres' user to run the server as" >&2
    exit 1
  fi
  as_server() { runuser -u postgres -- "$@"; }
else
  as_server() { "$@"; }
fi

DIR=$(mktemp -d "${TMPDIR:-/tmp}/cellsearch-pg.XXXXXX")
chmod 700 "$DIR"
[ "$(id -u)" = 0 ] && chown postgres: "$DIR"
DATA="$DIR/data"
STARTED=0

cleanup() {
  local status=$?
  if [ "$STARTED" = 1 ]; then
    as_server "$BIN/pg_ctl" stop -D "$DATA" -m immediate -s >/dev/null 2>&1 || true
  fi
  rm -rf "$DIR"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# A random password: the server checks passwords (scram) on TCP, as a real one does, so tests of
# a wrong password mean something. Local socket connections (this script's own) are trusted.
PASSWORD=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
printf '%s\n' "$PASSWORD" >"$DIR/pwfile"
[ "$(id -u)" = 0 ] && chown postgres: "$DIR/pwfile"
as_server "$BIN/initdb" -D "$DATA" -U postgres --pwfile="$DIR/pwfile" --auth-local=trust --auth-host=scram-sha-256 \
  --encoding=UTF8 --locale=C.UTF-8 >"$DIR/initdb.log" 2>&1 || { cat "$DIR/initdb.log" >&2; exit 1; }
rm -f "$DIR/pwfile"

# A free port: the kernel picks one; another process could take it before the server binds, so
# a failed start is retried on another.
free_port() { node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }
for attempt in 1 2 3 4 5; do
  PORT=$(free_port)
  if as_server "$BIN/pg_ctl" start -D "$DATA" -w -t 60 -s -l "$DIR/server.log" \
    -o "-c listen_addresses=127.0.0.1 -p $PORT -k $DIR -c fsync=off -c max_connections=200"; then
    STARTED=1
    break
  fi
done
if [ "$STARTED" != 1 ]; then
  echo "with-postgres: the server did not start" >&2
  cat "$DIR/server.log" >&2 || true
  exit 1
fi

PSQL=$(command -v psql || echo "$BIN/psql")
"$PSQL" -h "$DIR" -p "$PORT" -U postgres -d postgres -qAt -c 'CREATE DATABASE cellsearch_test' >/dev/null

export CELLSEARCH_TEST_PG="postgres://postgres:$PASSWORD@127.0.0.1:$PORT/cellsearch_test"
export CELLSEARCH_TEST_PG_DATA="$DATA"
export CELLSEARCH_TEST_PG_BIN="$BIN"
echo "with-postgres: $("$BIN/pg_ctl" --version) on 127.0.0.1:$PORT (data in $DATA)" >&2

set +e
"$@"
status=$?
set -e
exit "$status"
