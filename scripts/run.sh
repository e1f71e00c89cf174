#!/usr/bin/env bash
# The main command: installs what is missing, builds the host and the three example plugins
# (C, Rust, Swift), then loads each with dlopen and calls its tools and sends it an event.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
export PATH="/opt/swift/usr/bin:$PATH"

scripts/setup.sh
swift build --product market
scripts/build-plugins.sh
market="$(swift build --show-bin-path)/market"
plugins="$root/.build/market-plugins"
export MARKET_HOME="${MARKET_HOME:-$root/.build/market-home}"

step() { printf '\n\033[1m$ market %s\033[0m\n' "$*"; "$market" "$@"; }

step plugin inspect "$plugins/textkit"
step plugin call "$plugins/textkit" word_count '{"text":"Market loads plugins written in C, Rust and Swift."}'
step plugin inspect "$plugins/dice"
step plugin call "$plugins/dice" roll '{"count":3,"sides":20}'
step plugin inspect "$plugins/notes"
step plugin call "$plugins/notes" note_add '{"text":"try market new --lang swift my-plugin"}'
step plugin call "$plugins/notes" note_list
step plugin deliver "$plugins/notes" lead.created '{"name":"Ada"}'
step plugin call "$plugins/notes" events_seen

cat <<DONE

The host ($market) loaded three plugins from $plugins.
Next: scaffold your own with \`$market new --lang swift|c|rust NAME\` (see docs/plugin-authors.md).
DONE
