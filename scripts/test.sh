#!/usr/bin/env bash
# The test command: installs what is missing, builds everything, builds the first-party
# plugins from source, and runs every test.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
export PATH="/opt/swift/usr/bin:$PATH"

scripts/setup.sh
swift build --build-tests
swift build --product PluginKitProbe
scripts/build-plugins.sh
swift test --skip-build
