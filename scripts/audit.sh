#!/usr/bin/env bash
# The dependency audit (docs/operations.md, "Dependency audit"): lists every dependency Market
# builds or installs, with versions, and flags those with known advisories where an advisory
# source is reachable. It uses the network, so the test command does not run it.
#
#   scripts/audit.sh             resolve, refresh the package lists, list and check; exits 1 when
#                                a dependency is flagged
#   scripts/audit.sh --offline   list what is resolved and installed now, check nothing
#
# What is checked:
# - Debian packages (those scripts/setup.sh installs and their direct dependencies): flagged when
#   the configured security suite (e.g. bookworm-security) has a newer version than the one
#   installed, i.e. a Debian security advisory is fixed upstream and not applied here.
# - Python tools (those setup.sh installs, with their dependencies): pip-audit against PyPI's
#   vulnerability data; a package pip-audit could not look up is reported as not checked.
# - Swift packages (Package.resolved): listed only. No Swift advisory source is reachable from
#   the project's machines, so they are not checked; say so rather than pass them.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
export PATH="/opt/swift/usr/bin:$PATH"

offline=false
[ "${1:-}" = "--offline" ] && offline=true
flagged=0

if ! $offline; then
    scripts/setup.sh "pip_audit:pip-audit>=2,<3"
    swift package resolve >/dev/null
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
fi
[ -x .build-python/bin/python3 ] && PATH="$root/.build-python/bin:$PATH"

echo "== Swift packages (Package.resolved)"
if [ -f Package.resolved ]; then
    python3 - Package.resolved <<'EOF'
import json, sys
pins = json.load(open(sys.argv[1]))["pins"]
for pin in sorted(pins, key=lambda p: p["identity"]):
    state = pin["state"]
    print(f"  {pin['identity']:<32} {state.get('version') or state.get('branch') or '-':<12} {pin['location']}")
print(f"  {len(pins)} packages; advisories: not checked (no Swift advisory source is reachable from here)")
EOF
else
    echo "  Package.resolved is missing: run swift package resolve (or this script without --offline)"
fi

echo "== Debian packages (scripts/setup.sh and their direct dependencies)"
named=()
while read -r package; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" && named+=("$package")
done < <(scripts/setup.sh --list-system-packages)
# The direct dependencies carry the libraries that run (libpq5 under libpq-dev, postgresql-15
# under postgresql); alternatives ("a | b") count the one installed.
mapfile -t debian < <(
    { printf '%s\n' "${named[@]}"
      dpkg-query -W -f='${Depends},${Pre-Depends}\n' "${named[@]}" | tr ',|' '\n\n' | sed 's/([^)]*)//; s/:any//; s/ //g'
    } | sort -u | while read -r package; do
        [ -n "$package" ] && dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" && echo "$package"
    done
)
for package in "${debian[@]}"; do
    installed="$(dpkg-query -W -f='${Version}' "$package")"
    verdict="no security update pending"
    $offline && verdict="not checked (--offline)"
    if ! $offline; then
        # The candidate and the suites offering it, from apt's policy of this package.
        read -r candidate suites < <(LC_ALL=C apt-cache policy "$package" | awk '
            /^  Candidate:/ { candidate = $2; next }
            /^ \*\*\* / { current = $2; next }
            /^     [^ ]/ { current = $1; next }
            /^        [0-9]+ / && current == candidate { suites = suites " " $3 }
            END { print candidate, suites }')
        if [ "$candidate" != "$installed" ] && [[ "$suites" == *-security* ]]; then
            verdict="FLAGGED: security update $candidate pending (${suites# })"
            flagged=$((flagged + 1))
        fi
    fi
    printf '  %-32s %-28s %s\n' "$package" "$installed" "$verdict"
done

echo "== Python tools (scripts/setup.sh and their dependencies)"
pins="$(mktemp)"
trap 'rm -f "$pins"' EXIT
# The installed distributions the tools need, walked through their declared requirements.
mapfile -t requirements < <(scripts/setup.sh --list-python-requirements)
python3 - "$pins" "${requirements[@]}" <<'EOF'
import re, sys
from importlib import metadata
try:
    from packaging.requirements import Requirement
except ImportError:
    Requirement = None

def name_of(spec):
    return re.split(r"[ ;<>=!~\[(]", spec.strip(), maxsplit=1)[0]

def applies(spec):
    if Requirement is None or ";" not in spec:
        return ";" not in spec
    try:
        return Requirement(spec).marker.evaluate({"extra": ""})
    except Exception:
        return False

seen, missing, todo = {}, [], [name_of(spec) for spec in sys.argv[2:]]
while todo:
    name = todo.pop()
    key = re.sub(r"[-_.]+", "-", name).lower()
    if key in seen:
        continue
    try:
        dist = metadata.distribution(name)
    except metadata.PackageNotFoundError:
        seen[key] = None
        missing.append(name)
        continue
    seen[key] = dist.version
    todo += [name_of(spec) for spec in (dist.requires or []) if applies(spec)]
with open(sys.argv[1], "w") as pins:
    for key, version in sorted(seen.items()):
        if version:
            pins.write(f"{key}=={version}\n")
for name in missing:
    print(f"  {name:<32} not installed (run scripts/setup.sh)")
EOF
if $offline; then
    sed 's/==/ /' "$pins" | while read -r name version; do printf '  %-32s %-28s %s\n' "$name" "$version" "not checked (--offline)"; done
else
    report="$(mktemp)"
    pip-audit -r "$pins" --no-deps --disable-pip --progress-spinner off -f json -o "$report" >/dev/null 2>&1 || true
    python3 - "$report" "$pins" <<'EOF' || flagged=$((flagged + $?))
import json, sys
try:
    report = json.load(open(sys.argv[1]))
except (OSError, ValueError):
    report = {"dependencies": []}
found = {d["name"].lower(): d for d in report.get("dependencies", [])}
bad = 0
for line in open(sys.argv[2]):
    name, version = line.strip().split("==")
    entry = found.get(name)
    if entry is None:
        verdict = "not checked (pip-audit gave no answer)"
    elif entry.get("skip_reason"):
        verdict = "not checked (no advisory data reachable for it)"
    elif entry.get("vulns"):
        bad += 1
        verdict = "FLAGGED: " + ", ".join(f"{v['id']} (fixed in {', '.join(v.get('fix_versions') or ['-'])})" for v in entry["vulns"])
    else:
        verdict = "no known advisory"
    print(f"  {name:<32} {version:<28} {verdict}")
sys.exit(min(bad, 100))
EOF
    rm -f "$report"
fi

echo "== $flagged flagged"
[ "$flagged" -eq 0 ]
