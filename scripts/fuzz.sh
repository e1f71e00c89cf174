#!/usr/bin/env bash
# Fuzzes the parsers that read what others send (Tests/Fuzz): plugin manifests, registry
# metadata, package archives, Telegram updates, server-sent events. Each harness is built with
# libFuzzer (coverage-guided; its dependencies instrumented too) into .build-fuzz and run for a
# bounded time from its seeds (Tests/Fuzz/Seeds/<harness>) and the corpus it grew before.
#
# An input that crashes a harness is written to Tests/Fuzz/Crashers/<harness>/ and the run
# fails: commit the file, fix the parser, and FuzzCorpusTests replays it from then on as a
# regression test. The file is also printed in base64, for a run on a machine you cannot reach.
#
# Usage: scripts/fuzz.sh [seconds per harness, default 20] [harness ...]
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
export PATH="/opt/swift/usr/bin:$PATH"
seconds="${1:-20}"
shift || true
harnesses=("$@")
[ ${#harnesses[@]} -gt 0 ] || harnesses=(FuzzManifest FuzzRegistryMetadata FuzzPackageArchive FuzzTelegramUpdate FuzzServerSentEvents)
build="$root/.build-fuzz"

mkdir -p "$build"
failed=0
for harness in "${harnesses[@]}"; do
    echo "== $harness: building with libFuzzer"
    (cd "$root" && MARKET_FUZZ=1 swift build --build-path "$build" --product "$harness" \
        >"$build/$harness.build.log" 2>&1) || {
        cat "$build/$harness.build.log"
        echo "fuzz: $harness did not build" >&2
        exit 1
    }
    corpus="$build/corpus/$harness"
    crashers="$root/Tests/Fuzz/Crashers/$harness"
    mkdir -p "$corpus" "$crashers"
    log="$build/$harness.run.log"
    # -rss_limit_mb and -timeout make a runaway input a finding, not a hung run.
    if "$build/debug/$harness" -max_total_time="$seconds" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048 \
        -artifact_prefix="$crashers/" "$corpus" "$root/Tests/Fuzz/Seeds/$harness" >"$log" 2>&1; then
        runs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+).*/\1/p' "$log" | tail -1)
        rate=$(( ${runs:-0} / seconds ))
        echo "fuzz: $harness ran ${runs:-0} inputs in ${seconds} s (${rate}/s), corpus $(ls "$corpus" | wc -l) inputs, no crash"
    else
        failed=1
        tail -40 "$log"
        for crasher in "$crashers"/*; do
            [ -f "$crasher" ] || continue
            echo "fuzz: $harness crashed on $crasher (base64 follows; keep it in Tests/Fuzz/Crashers/$harness):"
            base64 -w 0 "$crasher"
            echo
        done
    fi
done
exit "$failed"
