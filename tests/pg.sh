#!/usr/bin/env bash
# A throwaway PostgreSQL for the tests, from Debian's postgresql package.
#
#   tests/pg.sh start DIR PORT   initdb into DIR/data (trust auth, loopback
#                                only, socket in DIR), start it on 127.0.0.1:PORT
#                                and create the database wharf_test (ICU en-US
#                                collation by default); a DIR that holds a
#                                stopped cluster is started again as it is
#   tests/pg.sh stop DIR         stop it by the PID in its postmaster.pid
#
# As root the server runs as the `postgres` OS user (PostgreSQL refuses to
# run as root), otherwise as the calling user. Durability is off: the data
# dies with the test run anyway.
set -euo pipefail

cmd=${1:-}
dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: $0 start DIR PORT | stop DIR" >&2; exit 2; }

bindir=""
for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
  if [ -x "$d/pg_ctl" ]; then bindir=$d; break; fi
done
[ -n "$bindir" ] || { echo "pg.sh: no PostgreSQL server (apt-get install postgresql)" >&2; exit 1; }

as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$cmd" in
start)
  port=${3:?port}
  mkdir -p "$dir"
  if [ "$(id -u)" -eq 0 ]; then chown postgres: "$dir"; fi
  chmod 700 "$dir"
  # a DIR that already holds a cluster (stopped by `stop`) is started again as it
  # is: the fault tests stop and restart PostgreSQL under a running wharf
  fresh=1
  [ -f "$dir/data/PG_VERSION" ] && fresh=0
  if [ $fresh -eq 1 ]; then
    as_pg "$bindir/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 \
      --no-sync >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
  fi
  as_pg "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 start \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off \
-c full_page_writes=off -c max_connections=200" >/dev/null \
    || { cat "$dir/server.log" >&2; exit 1; }
  [ $fresh -eq 1 ] || exit 0
  # A linguistic default collation (ICU en-US), as many production databases
  # have: wharf's bytewise ordering must not depend on the database's.
  as_pg "$bindir/psql" -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -c \
    "CREATE DATABASE wharf_test TEMPLATE template0 ENCODING 'UTF8' LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C.UTF-8'" \
    >/dev/null
  ;;
stop)
  pidfile="$dir/data/postmaster.pid"
  [ -f "$pidfile" ] || exit 0
  pid=$(head -n 1 "$pidfile")
  # SIGINT is PostgreSQL's fast shutdown: roll back, disconnect, stop
  kill -INT "$pid" 2>/dev/null || exit 0
  for _ in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || exit 0
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  ;;
*)
  echo "usage: $0 start DIR PORT | stop DIR" >&2
  exit 2
  ;;
esac
