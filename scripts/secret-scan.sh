#!/usr/bin/env bash
# The secret scan of the test command: detect-secrets over every tracked file, against the
# reviewed baseline .secrets.baseline at the root. It fails on any finding that the baseline does
# not hold as reviewed and harmless ("is_secret": false), so a new token, key or password in the
# tree stops the run until someone has looked at it.
#
#   scripts/secret-scan.sh            check the tree (what scripts/test.sh runs)
#   scripts/secret-scan.sh --update   rescan into the baseline, keeping earlier reviews; then
#                                     review the new findings with `detect-secrets audit
#                                     .secrets.baseline` and commit the baseline
#
# Before the real scan it proves that it can fail: it plants a fake key in a throwaway repository
# and expects the same check to refuse it.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
baseline="$root/.secrets.baseline"

# setup.sh installs detect-secrets, into .build-python when the system Python refuses packages.
PATH="$root/.build-python/bin:$PATH"
command -v detect-secrets >/dev/null 2>&1 || {
    echo "error: detect-secrets is not installed; run scripts/setup.sh" >&2
    exit 1
}

# Scans the tracked files of the repository in $1 with the settings of the baseline $2, and
# prints every finding that is not reviewed as harmless there. Exits 0 when there is none, 1 when
# there are some, 2 when the scan itself failed.
unreviewed_findings() {
    local repo="$1" reviewed="$2" scratch
    scratch="$(mktemp)"
    cp "$reviewed" "$scratch"
    # With --baseline the scan rewrites the copy: new findings come in without a review, the
    # reviews of known ones (matched by file, type and hash, not line) are kept.
    if ! (cd "$repo" && detect-secrets scan --baseline "$scratch"); then
        rm -f "$scratch"
        return 2
    fi
    local status=0
    python3 - "$scratch" <<'EOF' || status=$?
import json, sys
results = json.load(open(sys.argv[1]))["results"]
bad = [(path, f) for path, findings in results.items() for f in findings if f.get("is_secret") is not False]
for path, f in bad:
    verdict = "marked as a real secret" if f.get("is_secret") else "not reviewed"
    print(f"  {path}:{f['line_number']}: {f['type']} ({verdict})")
sys.exit(1 if bad else 0)
EOF
    rm -f "$scratch"
    return $status
}

if [ "${1:-}" = "--update" ]; then
    cd "$root"
    detect-secrets scan --baseline "$baseline"
    echo "Baseline rescanned. Review the new findings: detect-secrets audit .secrets.baseline"
    exit 0
fi

# Self-check: a planted fake AWS key (built here in pieces, so this file holds none) must be found.
planted="$(mktemp -d)"
trap 'rm -rf "$planted"' EXIT
git -C "$planted" init -q
printf 'aws_access_key_id = %s%s\n' "AKIA" "QYLPMN5HHHFPZAM2" >"$planted/leak.txt"
git -C "$planted" add leak.txt
status=0
unreviewed_findings "$planted" "$baseline" >/dev/null || status=$?
if [ "$status" -ne 1 ]; then
    echo "error: the secret scan did not find a planted fake key; detect-secrets is not working" >&2
    exit 1
fi

status=0
findings="$(unreviewed_findings "$root" "$baseline")" || status=$?
if [ "$status" -eq 2 ]; then
    echo "error: detect-secrets failed to scan the tree (see above)" >&2
    exit 1
elif [ "$status" -ne 0 ]; then
    cat >&2 <<EOF
error: the secret scan found secrets that the reviewed baseline (.secrets.baseline) does not allow:
$findings
A real secret: remove it from the tree (and rotate it if it was ever pushed).
A test fixture or something that is no secret: scripts/secret-scan.sh --update, then
detect-secrets audit .secrets.baseline to mark each finding, and commit .secrets.baseline.
EOF
    exit 1
fi
echo "secret scan: no unreviewed findings in $(git -C "$root" ls-files | wc -l) tracked files"
