#!/usr/bin/env bash
# The Debian packages as a DBA uses them (docs/packaging.md): builds them with
# scripts/build-deb.sh (or reuses build/deb/ when it was built from the same
# files), checks their metadata, installs them with `apt-get install ./…deb`,
# checks that `dpkg -L` lists only the expected files, starts a throw-away
# cluster from the SYSTEM binaries (/usr/lib/postgresql/15/bin: the package's
# files are the only learnerscore there), and runs CREATE EXTENSION, the
# upgrade from 0.1.0, a train + predict (logistic and XGBoost), and the
# packaged CLI (--help, generate, load). Leaves the system as it found it:
# the packages purged, the cluster stopped, its directory removed.
# Needs root (apt-get, the postgres account): exit 77 (skipped) otherwise.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || skip "needs root (apt-get install, initdb as postgres)"
PGBIN=/usr/lib/postgresql/15/bin
[ -x "$PGBIN/initdb" ] || skip "no PostgreSQL 15 server in $PGBIN (scripts/install-deps.sh)"
VERSION=$(tr -d '[:space:]' <VERSION)
EXT_PKG=postgresql-15-learnerscore
CLI_PKG=learnerscore-cli
OUT=$ROOT/build/deb
EXT_DEB=$OUT/${EXT_PKG}_${VERSION}-1_amd64.deb
CLI_DEB=$OUT/${CLI_PKG}_${VERSION}-1_amd64.deb
for p in $EXT_PKG $CLI_PKG; do
  if dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
    skip "$p is already installed on this machine; this test does not touch an existing installation"
  fi
done

# -- build, or reuse the packages built from the same files earlier in this run
if [ -f "$EXT_DEB" ] && [ -f "$CLI_DEB" ] && [ -f "$OUT/source-id" ] &&
   [ "$(cat "$OUT/source-id")" = "$(scripts/build-deb.sh --source-id)" ]; then
  echo "== reusing the packages in build/deb (built from the same files)"
else
  JOBS=${JOBS:-2} scripts/build-deb.sh
fi
[ -f "$EXT_DEB" ] && [ -f "$CLI_DEB" ] || fail "scripts/build-deb.sh did not make $EXT_DEB and $CLI_DEB"

# -- metadata: version from VERSION, run-time dependencies declared, none from the test stack
field() { dpkg-deb -f "$1" "$2"; }
for deb in "$EXT_DEB" "$CLI_DEB"; do
  [ "$(field "$deb" Version)" = "$VERSION-1" ] || fail "$(basename "$deb"): Version $(field "$deb" Version), VERSION says $VERSION"
  [ "$(field "$deb" Architecture)" = amd64 ] || fail "$(basename "$deb"): Architecture $(field "$deb" Architecture)"
done
EXT_DEPENDS=$(field "$EXT_DEB" Depends); CLI_DEPENDS=$(field "$CLI_DEB" Depends)
echo "$EXT_PKG Depends: $EXT_DEPENDS"
echo "$CLI_PKG Depends: $CLI_DEPENDS"
depends_on() { tr ',|' '\n\n' <<<"$1" | awk '{print $1}' | grep -qxF "$2"; }  # Depends-field package
for d in postgresql-15 libxgboost0 libstdc++6 libc6; do
  depends_on "$EXT_DEPENDS" $d || fail "$EXT_PKG does not depend on $d"
done
for d in libpq5 libssl3 libstdc++6 libc6; do
  depends_on "$CLI_DEPENDS" $d || fail "$CLI_PKG does not depend on $d"
done
TEST_STACK='gtest|benchmark|python|clang|sklearn|-dev( |,|$)'
if grep -Eq "$TEST_STACK" <<<"$EXT_DEPENDS, $CLI_DEPENDS"; then fail "a package depends on the test or build stack"; fi
if scripts/install-deps.sh --runtime --print | grep -Eq "$TEST_STACK"; then
  fail "install-deps.sh --runtime names a test or build package: $(scripts/install-deps.sh --runtime --print | tr '\n' ' ')"
fi
echo "ok: version $VERSION-1, run-time dependencies declared, nothing from the test stack"

# -- install; undo everything at exit
WORK=$(mktemp -d /tmp/ls-deb-XXXXXX)
chmod 755 "$WORK"
# Files of an earlier `make install` into the system tree belong to no package: dpkg
# would take them over and the purge remove them. Keep them aside and put them back.
mapfile -t STRAY < <(ls -d /usr/share/postgresql/15/extension/learnerscore* /usr/lib/postgresql/15/lib/learnerscore.so \
                            /usr/bin/learnerscore 2>/dev/null || true)
if ((${#STRAY[@]})); then
  echo "== keeping aside ${#STRAY[@]} learnerscore files no package owns (an earlier make install)"
  tar -cpf "$WORK/stray.tar" -P "${STRAY[@]}"
fi
cleanup() {
  set +e
  if [ -f "$WORK/data/postmaster.pid" ]; then
    runuser -u postgres -- "$PGBIN/pg_ctl" -D "$WORK/data" -m immediate -w stop >/dev/null 2>&1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 purge -y -qq $EXT_PKG $CLI_PKG >/dev/null 2>&1
  [ -f "$WORK/stray.tar" ] && tar -xpf "$WORK/stray.tar" -P
  rm -rf "$WORK"
}
trap cleanup EXIT
echo "== apt-get install ./build/deb/${EXT_PKG}_… ./build/deb/${CLI_PKG}_…"
(cd "$OUT" && DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq \
   "./$(basename "$EXT_DEB")" "./$(basename "$CLI_DEB")") >"$WORK/apt.log" 2>&1 || { cat "$WORK/apt.log"; fail "apt-get install"; }
for p in $EXT_PKG $CLI_PKG; do
  dpkg-query -W -f='${Status}' "$p" | grep -q "install ok installed" || fail "$p is not installed"
done

# -- dpkg -L: only the expected files, and every expected one
EXTDIR=/usr/share/postgresql/15/extension
V='[0-9]+\.[0-9]+\.[0-9]+'
EXT_ALLOWED="^(/\.|/usr|/usr/lib|/usr/lib/postgresql|/usr/lib/postgresql/15|/usr/lib/postgresql/15/lib|/usr/lib/postgresql/15/lib/learnerscore\.so|/usr/share|/usr/share/postgresql|/usr/share/postgresql/15|$EXTDIR|$EXTDIR/learnerscore\.control|$EXTDIR/learnerscore--$V\.sql|$EXTDIR/learnerscore--$V--$V\.sql|/usr/share/doc|/usr/share/doc/$EXT_PKG|/usr/share/doc/$EXT_PKG/(copyright|changelog\.gz|changelog\.Debian\.gz|README\.md(\.gz)?))\$"
CLI_ALLOWED="^(/\.|/usr|/usr/bin|/usr/bin/learnerscore|/usr/share|/usr/share/doc|/usr/share/doc/$CLI_PKG|/usr/share/doc/$CLI_PKG/(copyright|changelog\.gz|changelog\.Debian\.gz))\$"
check_list() {  # package allowed-regex expected-path...
  local pkg=$1 allowed=$2; shift 2
  dpkg -L "$pkg" >"$WORK/$pkg.list"
  if grep -Ev "$allowed" "$WORK/$pkg.list" >"$WORK/$pkg.extra"; then
    cat "$WORK/$pkg.extra"; fail "dpkg -L $pkg lists files outside the whitelist (above)"
  fi
  for f in "$@"; do grep -qx "$f" "$WORK/$pkg.list" || fail "dpkg -L $pkg lacks $f"; done
  echo "ok: dpkg -L $pkg: $(grep -c . "$WORK/$pkg.list") entries, all expected:"
  while read -r f; do [ -d "$f" ] || echo "     $f"; done <"$WORK/$pkg.list"
}
expected_ext=(/usr/lib/postgresql/15/lib/learnerscore.so "$EXTDIR/learnerscore.control" "$EXTDIR/learnerscore--$VERSION.sql"
              "/usr/share/doc/$EXT_PKG/copyright")
for f in extension/releases/learnerscore--*.sql extension/upgrades/learnerscore--*--*.sql; do
  expected_ext+=("$EXTDIR/$(basename "$f")")
done
check_list $EXT_PKG "$EXT_ALLOWED" "${expected_ext[@]}"
check_list $CLI_PKG "$CLI_ALLOWED" /usr/bin/learnerscore /usr/share/doc/$CLI_PKG/copyright
for f in $(grep -E "^$EXTDIR/learnerscore--.*\.sql\$" "$WORK/$EXT_PKG.list"); do
  cmp -s "$f" "extension/releases/$(basename "$f")" || cmp -s "$f" "extension/upgrades/$(basename "$f")" ||
    [ "$(basename "$f")" = "learnerscore--$VERSION.sql" ] || fail "$f differs from the repository's"
done
grep -q "default_version = '$VERSION'" "$EXTDIR/learnerscore.control" || fail "the control file's default_version is not $VERSION"

# -- the packaged CLI
/usr/bin/learnerscore --help >"$WORK/help.txt" || fail "learnerscore --help exited $?"
grep -q "learnerscore $VERSION" "$WORK/help.txt" || { head -3 "$WORK/help.txt"; fail "--help does not name version $VERSION"; }
grep -Eq '^ +load' "$WORK/help.txt" || fail "--help lists no load command"
echo "ok: /usr/bin/learnerscore --help ($(wc -l <"$WORK/help.txt") lines, version $VERSION)"

# -- a throw-away cluster from the system binaries: Unix socket in $WORK, no TCP listener
chown postgres:postgres "$WORK"
as_pg() { (cd / && runuser -u postgres -- "$@"); }
as_pg "$PGBIN/initdb" -D "$WORK/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 --no-sync >"$WORK/initdb.log"
as_pg "$PGBIN/pg_ctl" -D "$WORK/data" -l "$WORK/server.log" -w \
    -o "-p 5432 -k $WORK -c listen_addresses='' -c fsync=off" start >/dev/null
export PGHOST=$WORK PGPORT=5432 PGUSER=postgres PGDATABASE=postgres
unset PGOPTIONS PGSERVICE PGPASSFILE
PSQL=("$PGBIN/psql" -X -q -A -t -v ON_ERROR_STOP=1)
[ "$("${PSQL[@]}" -c "SHOW listen_addresses")" = "" ] || fail "the cluster listens on TCP"
[ "$("${PSQL[@]}" -c "SELECT setting FROM pg_settings WHERE name = 'data_directory'")" = "$WORK/data" ] || fail "not our cluster"

"${PSQL[@]}" -c "CREATE EXTENSION learnerscore"
got=$("${PSQL[@]}" -c "SELECT extversion FROM pg_extension WHERE extname = 'learnerscore'")
[ "$got" = "$VERSION" ] || fail "CREATE EXTENSION made version '$got', not $VERSION"
so=$("${PSQL[@]}" -c "SELECT learnerscore.version()")
echo "ok: CREATE EXTENSION learnerscore -> $got; learnerscore.version() = $so"
"${PSQL[@]}" <<'SQL' >"$WORK/models.txt"
CREATE TABLE ref AS
  SELECT i AS id, (i % 7) / 3.0 AS x1, ((i * 37) % 11) / 5.0 AS x2,
         ((i * 13) % 10 < 4 + (i % 7) / 3)::int AS y
  FROM generate_series(1, 400) i;
SELECT learnerscore.train('deb_logit', 'ref', 'y', ARRAY['x1', 'x2'], 'logistic') IS NOT NULL;
SELECT learnerscore.train('deb_xgb', 'ref', 'y', ARRAY['x1', 'x2'], 'xgboost', '{"num_round": 5}') IS NOT NULL;
SELECT count(*) FILTER (WHERE p BETWEEN 0 AND 1) || ' ' || count(*) FILTER (WHERE q BETWEEN 0 AND 1)
  FROM (SELECT learnerscore.predict('deb_logit', r) AS p, learnerscore.predict('deb_xgb', r) AS q FROM ref r) s;
SQL
[ "$(tail -1 "$WORK/models.txt")" = "400 400" ] || { cat "$WORK/models.txt"; fail "train + predict"; }
echo "ok: train + predict, logistic and XGBoost (libxgboost0 loaded): 400 scores each in [0, 1]"

"${PSQL[@]}" -c "CREATE DATABASE upgrade_check"
"${PSQL[@]}" -d upgrade_check -c "CREATE EXTENSION learnerscore VERSION '0.1.0'" -c "ALTER EXTENSION learnerscore UPDATE"
got=$("${PSQL[@]}" -d upgrade_check -c "SELECT extversion FROM pg_extension WHERE extname = 'learnerscore'")
[ "$got" = "$VERSION" ] || fail "ALTER EXTENSION learnerscore UPDATE reached '$got', not $VERSION"
echo "ok: CREATE EXTENSION learnerscore VERSION '0.1.0' + ALTER EXTENSION UPDATE -> $got"

# the packaged CLI against the packaged extension: a small generated export, loaded over libpq
mkdir "$WORK/export"
/usr/bin/learnerscore generate --scenario 1t --learners 30 --seed 3 --out "$WORK/export/1t" --quiet
"${PSQL[@]}" -c "SET client_min_messages = warning" -c "CALL learnerscore.create_learning_schema('debs')"
/usr/bin/learnerscore load "$WORK/export/1t" --schema debs --dsn "host=$WORK port=5432 user=postgres dbname=postgres" >"$WORK/load.txt" ||
  { tail -20 "$WORK/load.txt"; fail "learnerscore load"; }
rows=$("${PSQL[@]}" -c "SELECT sum(loaded) FROM debs.load_log")
[ "${rows:-0}" -gt 0 ] || fail "learnerscore load loaded no rows"
echo "ok: /usr/bin/learnerscore generate + load: $rows rows in schema debs"

if grep -E 'was terminated by signal|PANIC' "$WORK/server.log"; then fail "the server crashed"; fi

# -- purge, and nothing of the packages is left
as_pg "$PGBIN/pg_ctl" -D "$WORK/data" -m fast -w stop >/dev/null
DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 purge -y -qq $EXT_PKG $CLI_PKG >"$WORK/purge.log" 2>&1 ||
  { cat "$WORK/purge.log"; fail "apt-get purge"; }
while read -r f; do
  [ -d "$f" ] || [ ! -e "$f" ] || fail "$f is still there after the purge"
done < <(cat "$WORK/$EXT_PKG.list" "$WORK/$CLI_PKG.list")
echo "ok: purged; no file of the packages is left"
echo "deb package: ok"
