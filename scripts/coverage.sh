#!/usr/bin/env bash
# The coverage gate of the test command: line coverage of the host and the SDK, one line per
# module, from the profiles the instrumented test runs wrote (docs/decisions.md, "Quality gates").
#
# `swift test --enable-code-coverage` leaves the profiles of a run in <scratch>/debug/codecov
# (one per process: the test runners, the `market` children, the plugins they load) and deletes
# them when the next run starts; `--fold NAME` merges them (llvm-profdata merge -sparse) into
# <scratch>/coverage/NAME.profdata after each run. The report merges those, reads the coverage
# mapping of the test bundle and of what the tests start or load from the same build (the market
# executable, the plugin libraries) with llvm-cov export, and counts the lines of each folder
# under Host/ and PluginAPI/ that Package.swift makes a target; the event bus (Host/Store/Events)
# is counted apart from the rest of MarketStore. Generated sources, .build*/, Tests/ and Plugins/
# are left out. The table goes to standard output and <scratch>/test-logs/coverage.txt, every
# file's figures to <scratch>/test-logs/coverage-files.txt.
#
# It fails, naming each one, when a gated module covers less than 70% of its lines.
#
# Usage, after `swift build --build-tests --enable-code-coverage` (scripts/test.sh does all this):
#   scripts/coverage.sh [--scratch-path .build] --fold NAME   after each `swift test --skip-build
#                                                            --enable-code-coverage --filter ...`
#   scripts/coverage.sh [--scratch-path .build]               the table and the gate
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
export PATH="/opt/swift/usr/bin:$PATH"

scratch=.build
fold=""
while [ $# -gt 0 ]; do
    case "$1" in
        --scratch-path) scratch="${2:?--scratch-path needs a folder}"; shift 2 ;;
        --fold) fold="${2:?--fold needs a name}"; shift 2 ;;
        *) echo "usage: scripts/coverage.sh [--scratch-path .build] [--fold NAME]" >&2; exit 2 ;;
    esac
done
bin="$scratch/debug"
profiles="$scratch/coverage"
logs="$scratch/test-logs"
bundle="$bin/marketPackageTests.xctest"
shopt -s nullglob

# SwiftPM names each process's profile by binary and pid (…%m.%p.profraw), so processes never
# merge into one file as they exit: with %m alone they were seen to corrupt it (counters of 10^19
# in the `market` profile of the CLI tests, where many run at once).
if [ -n "$fold" ]; then
    raw=("$bin/codecov"/*.profraw)
    [ ${#raw[@]} -gt 0 ] || exit 0
    mkdir -p "$profiles"
    inputs=("${raw[@]}")
    [ -f "$profiles/$fold.profdata" ] && inputs+=("$profiles/$fold.profdata")
    if llvm-profdata merge -sparse --failure-mode=any "${inputs[@]}" -o "$profiles/$fold.profdata.new"; then
        mv "$profiles/$fold.profdata.new" "$profiles/$fold.profdata"
        rm -f "${raw[@]}"
    else
        # Kept for the report, which then fails on them too.
        for file in "${raw[@]}"; do mv "$file" "$profiles/$fold-$(basename "$file" | tr ' ' '-')"; done
        echo "coverage: the profiles of $fold could not be merged" >&2
        exit 1
    fi
    exit 0
fi

[ -f "$bundle" ] || {
    echo "coverage: no test bundle at $bundle; build with \`swift build --build-tests --enable-code-coverage\`" >&2
    exit 1
}
profiles_in=("$profiles"/*.profdata "$profiles"/*.profraw)
[ ${#profiles_in[@]} -gt 0 ] || {
    echo "coverage: no profiles in $profiles; run the tests, each followed by scripts/coverage.sh --fold NAME" >&2
    exit 1
}
# Profiles of other binaries are merged too: the tests start `market` and load the plugins.
objects=()
for object in "$bin/market" "$bin"/lib*.so; do objects+=(-object "$object"); done
merged="$profiles/merged"
mkdir -p "$logs" "$merged"

llvm-profdata merge -sparse --failure-mode=any "${profiles_in[@]}" -o "$merged/all.profdata"
llvm-cov export -summary-only -instr-profile="$merged/all.profdata" "$bundle" "${objects[@]}" >"$merged/summary.json" || {
    echo "coverage: llvm-cov could not read the coverage mapping; was the build made with --enable-code-coverage?" >&2
    exit 1
}
targets="$(swift package --scratch-path "$scratch" dump-package)"

python3 - "$root" "$merged/summary.json" "$logs/coverage.txt" "$logs/coverage-files.txt" "$targets" <<'EOF'
import json, os, sys

root, summary, table_path, files_path, package = sys.argv[1:]
# The compiler may have been given the checkout's path with or without its symbolic links.
roots = {root + "/", os.path.realpath(root) + "/"}
minimum = 70.0
# The modules the gate holds to the minimum, by folder.
gated = ["Host/Runtime", "Host/Hosting", "Host/Registry", "Host/Store", "Host/Store/Events", "Host/Bot", "Host/Telegram"]

# A folder's name is its target's; the event bus is a folder of MarketStore, counted apart.
names = {t["path"]: t["name"] for t in json.loads(package)["targets"] if t.get("path")}
names["Host/Store/Events"] = "event bus"
folders = sorted((f for f in names if f.startswith(("Host/", "PluginAPI"))), key=len, reverse=True)

modules, files = {}, []
for entry in json.load(open(summary))["data"][0]["files"]:
    prefix = next((r for r in roots if entry["filename"].startswith(r)), None)
    if prefix is None:
        continue
    path = entry["filename"][len(prefix):]
    folder = next((f for f in folders if path.startswith(f + "/")), None)
    if folder is None:
        continue
    lines = entry["summary"]["lines"]
    counted = modules.setdefault(folder, [0, 0])
    counted[0] += lines["covered"]
    counted[1] += lines["count"]
    files.append((lines["count"] - lines["covered"], path, lines["covered"], lines["count"]))

def percent(covered, count):
    return 100.0 * covered / count if count else 100.0

rows = [f"Line coverage by module (covered lines / lines); * is held to {minimum:.0f}%:"]
failures = []
for folder in sorted(modules, key=lambda f: (not f.startswith("Host/"), f)):
    covered, count = modules[folder]
    mark = "*" if folder in gated else " "
    rows.append(f"{mark} {names[folder]:<18} {folder:<28} {covered:>6} / {count:<6} {percent(covered, count):5.1f}%")
    if folder in gated and percent(covered, count) < minimum:
        failures.append(f"{names[folder]} ({folder}) {percent(covered, count):.1f}%")
for folder in gated:
    if folder not in modules:
        failures.append(f"{names.get(folder, folder)} ({folder}) has no coverage data")
total = [sum(c[0] for c in modules.values()), sum(c[1] for c in modules.values())]
rows.append(f"  {'all of the above':<18} {'':<28} {total[0]:>6} / {total[1]:<6} {percent(*total):5.1f}%")
if "Host/Store/Events" in modules:
    rows.append("MarketStore's line leaves out Host/Store/Events, the event bus, which has its own.")

text = "\n".join(rows) + "\n"
open(table_path, "w").write(text)
print(text, end="")
with open(files_path, "w") as out:
    out.write("Lines not covered, covered / lines, file; most uncovered first\n")
    for missed, path, covered, count in sorted(files, key=lambda f: (-f[0], f[1])):
        out.write(f"{missed:>6}  {covered:>6} / {count:<6} {path}\n")
if failures:
    for failure in failures:
        print(f"coverage: below {minimum:.0f}%: {failure}", file=sys.stderr)
    print(f"coverage: write tests for what these modules leave untested (per file: {files_path})", file=sys.stderr)
    sys.exit(1)
EOF
