#!/usr/bin/env bash
# Architecture as code: the reference app's committed topology diagram must match its composition.
set -euo pipefail
cd "$(dirname "$0")/.."
node packages/topology/bin/cellular.js graph apps/reference/src/composition.ts --check apps/reference/README.md --marker topology
