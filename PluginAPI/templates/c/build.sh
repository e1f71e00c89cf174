#!/usr/bin/env bash
# Builds the loadable bundle in ./bundle.
set -euo pipefail
cd "$(dirname "$0")"
make --no-print-directory
echo "Built $(pwd)/bundle"
