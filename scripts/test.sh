#!/usr/bin/env bash
# The test command: installs what is missing, scans the tree for secrets, builds everything,
# builds the first-party plugins from source, and runs every test.
#
# Test targets run one after another (the tests inside a target run in parallel): several
# targets start PostgreSQL clusters and time leases and deadlines, and on two cores all of them
# at once starve each other. `scripts/test.sh StoreTests ServerTests` runs only those targets.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
export PATH="/opt/swift/usr/bin:$PATH"

scripts/setup.sh
# Python packages the system would not take live here (see setup.sh).
[ -x .build-python/bin/python3 ] && export PATH="$root/.build-python/bin:$PATH"
# Before anything is built: no secret enters the tree unreviewed (docs/decisions.md, "Quality gates").
scripts/secret-scan.sh
swift build --build-tests
swift build --product PluginKitProbe
scripts/build-plugins.sh

if [ $# -gt 0 ]; then
    targets=("$@")
else
    read -r -a targets <<<"$(swift package dump-package | python3 -c \
        "import json, sys; print(' '.join(t['name'] for t in json.load(sys.stdin)['targets'] if t['type'] == 'test'))")"
fi

failed=()
for target in "${targets[@]}"; do
    printf '\n== %s\n' "$target"
    swift test --skip-build --filter "^$target\\." || failed+=("$target")
done

if [ ${#failed[@]} -gt 0 ]; then
    echo "failed: ${failed[*]}" >&2
    exit 1
fi
echo "every test target passed: ${targets[*]}"
