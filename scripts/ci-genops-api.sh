#!/usr/bin/env bash
# This repository is genops' first user: every published package's public API (and contract schemas) is
# diffed against its committed baseline (packages/*/api/), and the check fails when the pending
# changesets declare a smaller bump than the diff requires. After a release: genops api snapshot --all.
set -euo pipefail
cd "$(dirname "$0")/.."
node packages/genops/bin/genops.mjs api check --all
