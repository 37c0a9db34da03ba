#!/usr/bin/env bash
# A throw-away PostgreSQL 15 cluster for tests: the extension is installed into
# a private copy of the PostgreSQL installation (DESTDIR), and the server runs as
# the `postgres` account (when we are root) on a Unix socket in a temporary
# directory, with no TCP listener. Nothing touches the system installation.
#
#   scripts/pg-sandbox.sh start <dir>   builds+installs learnerscore and the test-only learnerscore_test
#                                       into <dir>/pg, starts, writes <dir>/env
#   scripts/pg-sandbox.sh tree <dir>    only the private tree with learnerscore (no cluster; scripts/demo.sh),
#                                       writes <dir>/env with LS_PG_BINDIR
#   scripts/pg-sandbox.sh stop <dir>    stops the cluster and removes its directory under /tmp
#                                       (cluster and tree copy)
set -euo pipefail
cmd=${1:?start|tree|stop}; dir=${2:?dir}
SYS_PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
SRC=$(cd "$(dirname "$0")/.." && pwd)
as_pg() { if [ "$(id -u)" -eq 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi; }

mkdir -p "$dir"; dir=$(cd "$dir" && pwd)
# The server account must be able to reach the binaries and the data directory,
# which a checkout under /root or a 0700 temp dir does not allow: keep them in a
# world-traversable directory under /tmp keyed by the sandbox path.
real="${LS_SANDBOX_ROOT:-/tmp}/learnerscore-sandbox-$(printf %s "$dir" | md5sum | cut -c1-12)"

pkglib=$($SYS_PG_CONFIG --pkglibdir); share=$($SYS_PG_CONFIG --sharedir); bindir=$($SYS_PG_CONFIG --bindir)
root="$real/pg"
# The private tree: a copy of the system's PostgreSQL 15 (binaries, lib, share)
# with learnerscore installed into it (DESTDIR); PostgreSQL finds share/ and lib/
# relative to its binary, so the copy is relocatable.
make_tree() {
  mkdir -p "$real"; chmod 755 "$real"
  if [ ! -d "$root$bindir" ]; then
    mkdir -p "$root$(dirname "$pkglib")" "$root$(dirname "$share")"
    cp -a "$(dirname "$bindir")/." "$root$(dirname "$bindir")/"
    cp -a "$share" "$root$(dirname "$share")/"
  fi
  make -C "$SRC" -s install DESTDIR="$root" PG_CONFIG="$SYS_PG_CONFIG" >/dev/null
}

case "$cmd" in
tree)
  make_tree
  echo "export LS_PG_BINDIR=$root$bindir" >"$dir/env"
  echo "== private PostgreSQL tree with learnerscore: $root$bindir"
  ;;
start)
  make_tree
  # The test-only extension learnerscore_test (tests/extension/): into the sandbox only.
  make -C "$SRC/tests/extension" -s install DESTDIR="$root" PG_CONFIG="$SYS_PG_CONFIG" >/dev/null
  run="$real/run"; mkdir -p "$run"
  if [ "$(id -u)" -eq 0 ]; then chown -R postgres:postgres "$run"; fi
  port=$(( 20000 + (RANDOM % 20000) ))
  as_pg "$root$bindir/initdb" -D "$run/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 --no-sync >"$run/initdb.log"
  as_pg "$root$bindir/pg_ctl" -D "$run/data" -l "$run/server.log" -w \
      -o "-p $port -k $run -c listen_addresses='' -c fsync=off -c max_parallel_workers_per_gather=2" start >/dev/null
  cat >"$dir/env" <<ENV
export PGHOST=$run PGPORT=$port PGUSER=postgres PGDATABASE=postgres
export LS_PG_BINDIR=$root$bindir
export LS_PG_LOG=$run/server.log
ENV
  echo "== throw-away cluster up: socket $run port $port"
  ;;
stop)
  if [ -f "$real/run/data/postmaster.pid" ]; then
    as_pg "$root$bindir/pg_ctl" -D "$real/run/data" -m fast -w stop >/dev/null || true
  fi
  # The private copy of the PostgreSQL tree (~110 MB) goes too: the next start
  # copies it again (a second or two), so stop/start cycles still work.
  rm -rf "$real"
  echo "== throw-away cluster stopped, $real removed"
  ;;
*) echo "usage: $0 start|tree|stop <dir>" >&2; exit 2 ;;
esac
