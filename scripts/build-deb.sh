#!/usr/bin/env bash
# Builds the Debian packages (docs/packaging.md) into build/deb/:
#   postgresql-15-learnerscore_<VERSION>-1_amd64.deb   the extension
#   learnerscore-cli_<VERSION>-1_amd64.deb             the `learnerscore` command
# with the standard PostgreSQL tooling (debhelper + pg_buildext from
# postgresql-server-dev-all), out of a copy of the tree in build/deb/learnerscore-<VERSION>, so the
# source tree gets no build products. The version is VERSION's: debian/changelog
# is written here, in the copy, and is not kept in the repository.
# Needs the build dependencies: scripts/install-deps.sh --build.
#   scripts/build-deb.sh              (or: make deb)
#   scripts/build-deb.sh --source-id  prints the digest of the files a build would copy;
#                                     build/deb/source-id holds the one of the last build
#                                     (tests/e2e/deb_package.sh reuses packages that match)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
OUT=${LS_DEB_OUT:-$ROOT/build/deb}
JOBS=${JOBS:-$(nproc)}
VERSION=$(tr -d '[:space:]' <VERSION)
REVISION=1
[[ $VERSION =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || { echo "VERSION '$VERSION' is not MAJOR.MINOR.PATCH" >&2; exit 1; }
command -v dpkg-buildpackage >/dev/null && command -v pg_buildext >/dev/null && command -v dh >/dev/null || {
  echo "dpkg-buildpackage, dh or pg_buildext missing: run scripts/install-deps.sh --build" >&2; exit 1; }

# The files git knows (tracked, or new and not ignored), so local build products
# (build/, *.o, generated SQL) never reach the package; NUL-separated.
source_files() {
  if git -C "$ROOT" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    git -C "$ROOT" ls-files -z --cached --others --exclude-standard |
      while IFS= read -r -d '' f; do [ -f "$f" ] && printf '%s\0' "$f"; done
  else
    find . \( -path ./build -o -path ./.git \) -prune -o -type f \
      ! -name '*.o' ! -name '*.so' ! -name '*.d' -printf '%P\0' | sort -z
  fi
}
source_id() { source_files | xargs -0 sha256sum | sha256sum | cut -c1-16; }
if [ "${1:-}" = --source-id ]; then source_id; exit 0; fi

SRC=$OUT/learnerscore-$VERSION   # dpkg-buildpackage writes the packages to its parent, $OUT
mkdir -p "$OUT"
rm -rf "$OUT"/learnerscore-*/ "$OUT/source-id" "$OUT"/*.deb "$OUT"/*.ddeb "$OUT"/*.changes "$OUT"/*.buildinfo
mkdir -p "$SRC"

ID=$(source_id)
source_files | tar --null -T - -cf - | tar -xf - -C "$SRC"

# debian/changelog from VERSION: the only place the version is written. Its date
# is the last commit's, so two builds of one commit are the same package.
DATE=$(git -C "$ROOT" log -1 --format=%cD 2>/dev/null || date -R)
cat >"$SRC/debian/changelog" <<EOF
learnerscore ($VERSION-$REVISION) unstable; urgency=medium

  * learnerscore $VERSION (the upstream changes: /usr/share/doc/<package>/changelog.gz).

 -- learnerscore maintainers <maintainers@learnerscore.invalid>  $DATE
EOF

# Apache ECharts (embedded by the CLI's report command, cmake/echarts.cmake): fetched from the npm
# registry once, outside the package build, which then reads the tarball (checked there against its
# pinned SHA-256) and needs no network.
ECHARTS_VERSION=$(sed -n 's/^set(LS_ECHARTS_VERSION \([0-9.]*\))$/\1/p' cmake/echarts.cmake)
ECHARTS_TGZ=$OUT/echarts-$ECHARTS_VERSION.tgz
if [ ! -s "$ECHARTS_TGZ" ]; then
  cached=$(ls "$ROOT"/build/*/third_party/echarts-"$ECHARTS_VERSION"/echarts-"$ECHARTS_VERSION".tgz 2>/dev/null | head -1 || true)
  if [ -n "$cached" ]; then cp "$cached" "$ECHARTS_TGZ"
  else (cd "$OUT" && npm pack "echarts@$ECHARTS_VERSION" --silent >/dev/null); fi
fi
mkdir -p "$SRC/debian/third_party" && cp "$ECHARTS_TGZ" "$SRC/debian/third_party/"

echo "== building learnerscore $VERSION-$REVISION packages in $SRC (log: $OUT/build.log)"
start=$(date +%s)
# nocheck: the regression suite runs in scripts/test-all.sh, the package test is
# tests/e2e/deb_package.sh; noautodbgsym: no -dbgsym packages next to the two.
if ! (cd "$SRC" && DEB_BUILD_OPTIONS="nocheck noautodbgsym parallel=$JOBS" \
        dpkg-buildpackage -b -us -uc) >"$OUT/build.log" 2>&1; then
  tail -60 "$OUT/build.log"
  echo "dpkg-buildpackage failed; the full log: $OUT/build.log, the copy: $SRC" >&2
  exit 1
fi
rm -rf "$SRC"
echo "$ID" >"$OUT/source-id"
echo "== built in $(( $(date +%s) - start )) s:"
ls -1 "$OUT"/*.deb
