#!/usr/bin/env bash
# The package as a user gets it: packs the tarball, installs it into an empty folder (dependencies from the npm
# cache that `npm ci` filled, the registry only for what is missing), and runs the installed CLI there. Checks
# that no tests, source maps or azurite ship, that the README's docs are in the package, and that `local up`
# without azurite says how to install it before it builds or starts anything.
# Usage: scripts/pack-smoke.sh   (from a checkout after `npm ci`; prints how long each step took)
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
t0=$(date +%s%N)
step() { echo "[pack-smoke] $(( ($(date +%s%N) - t0) / 1000000 )) ms: $*"; }
fail() { echo "[pack-smoke] FAIL: $*" >&2; exit 1; }
work=$(mktemp -d /tmp/dr-drill-pack-smoke.XXXXXX)
trap 'rm -rf "$work"' EXIT

step "npm pack (prepare builds dist/)"
tgz=$work/$(npm pack --silent --pack-destination "$work" | tail -n 1)
[ -f "$tgz" ] || fail "npm pack produced no tarball"
files=$(tar -tzf "$tgz")
echo "$files" | grep -qE '\.map$' && fail "the tarball ships source maps: $(echo "$files" | grep -E '\.map$' | head -3)"
echo "$files" | grep -qE '^package/(test|src|bench|\.ci|\.github)/' && fail "the tarball ships tests or sources"
echo "$files" | grep -qE '\.test\.(ts|js)$' && fail "the tarball ships test files"
for f in LICENSE README.md bin/dr-drill.js dist/cli/bin.js local/build.sh schemas/scenario.v1.schema.json; do
  echo "$files" | grep -qx "package/$f" || fail "the tarball lacks $f"
done
step "tarball $(du -k "$tgz" | cut -f1) kB, $(echo "$files" | wc -l) files"

app=$work/app
mkdir -p "$app"
cd "$app"
npm init -y >/dev/null
step "npm install the tarball into an empty folder"
npm install --prefer-offline --no-audit --no-fund --loglevel=error "$tgz" >/dev/null
[ -e node_modules/azurite ] && fail "azurite was installed: it must be a devDependency only"
step "installed: $(ls -d node_modules/* node_modules/@*/* 2>/dev/null | grep -vc '/@[^/]*$') packages, $(du -sm node_modules | cut -f1) MB"
pkg=$app/node_modules/dr-drill
cli() { "$app/node_modules/.bin/dr-drill" "$@"; }

version=$(node -p "require('$repo/package.json').version")
[ "$(cli --version)" = "$version" ] || fail "--version does not print $version"
cli --help | grep -q 'Examples:' || fail "--help has no examples"
cli completion | grep -q 'get-yargs-completions' || fail "completion prints no script"
step "--version, --help, completion"

# Every docs/ path the README names is in the package.
for doc in $(grep -oE 'docs/[a-z0-9-]+\.md' "$pkg/README.md" | sort -u); do
  [ -f "$pkg/$doc" ] || fail "README names $doc, which the package does not ship"
done

cli validate "$pkg"/scenarios/*.yaml || fail "validate of the shipped example scenarios"
step "validate $(ls "$pkg"/scenarios/*.yaml | wc -l) shipped examples"

folder=$(cd "$repo" && npx tsx scripts/report-fixture.ts "$work/reports")
cli report verify "$folder" || fail "report verify of a sealed fixture"
step "report verify of a fixture"

# From an installed package without azurite, `local up` must stop at once with the command that installs it.
set +e
out=$(DR_DRILL_LOCAL_STATE=$work/local-state PATH="$(dirname "$(command -v node)"):/usr/bin:/bin" cli local up 2>&1)
code=$?
set -e
[ "$code" = 3 ] || fail "local up without azurite exited $code (expected 3): $out"
echo "$out" | grep -q 'npm i -g azurite@' || fail "local up without azurite does not say how to install it: $out"
[ -e "$work/local-state/logs/build.log" ] && fail "local up without azurite started a build"
step "local up without azurite: exit 3 with the install command"
step "done"
