#!/usr/bin/env bash
# Builds the first-party plugins of Plugins/ into loadable bundles (plugin.json + library)
# under .build/market-plugins/<id>/. Usage: scripts/build-plugins.sh [debug|release] [id ...]
# With ids, only those plugins are built (the others stay as they were).
# MARKET_COVERAGE=1 (scripts/test.sh) builds the Swift plugins with --enable-code-coverage, as the
# test command builds everything else, so that their shared modules are not compiled twice.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
config="${1:-debug}"
shift || true
only=" $* "
# Whether plugin $1 is to be built this run.
wanted() { [ "$only" = "  " ] || [[ "$only" == *" $1 "* ]]; }
out="$root/.build/market-plugins"
export PATH="/opt/swift/usr/bin:$PATH"
mkdir -p "$out"

bundle() { # id library-path
    rm -rf "$out/$1.tmp" && mkdir -p "$out/$1.tmp"
    cp "$2" "$out/$1.tmp/"
    sed -n p "$root/Plugins/$1/plugin.json" > "$out/$1.tmp/plugin.json"
    rm -rf "$out/$1" && mv "$out/$1.tmp" "$out/$1"
}

# C: the header only; everything but the entry point hidden.
if wanted textkit; then
    cc -std=c11 -O2 -fPIC -shared -fvisibility=hidden -Wall -Wextra -Werror \
        -I"$root/PluginAPI/include" "$root/Plugins/textkit/textkit.c" -o "$out/libtextkit.so"
    bundle textkit "$out/libtextkit.so"
fi
if wanted echo; then
    cc -std=c11 -O2 -fPIC -shared -fvisibility=hidden -Wall -Wextra -Werror \
        -I"$root/PluginAPI/include" "$root/Plugins/echo/echo.c" -o "$out/libecho.so"
    bundle echo "$out/libecho.so"
fi
if wanted posthog; then
    cc -std=c11 -D_POSIX_C_SOURCE=200809L -O2 -fPIC -shared -fvisibility=hidden -Wall -Wextra -Werror \
        -I"$root/PluginAPI/include" "$root"/Plugins/posthog/*.c -o "$out/libposthog.so" -lpthread
    bundle posthog "$out/libposthog.so"
fi

# Rust: no crates, so plain rustc is enough.
rust_flags=(-O)
[ "$config" = debug ] && rust_flags=(-C debuginfo=1)
if wanted dice; then
    rustc --edition 2021 --crate-type cdylib "${rust_flags[@]}" -o "$out/libdice.so" "$root/Plugins/dice/src/lib.rs"
    bundle dice "$out/libdice.so"
fi

# Swift: built by the package with the host's own toolchain, which the bundle records.
toolchain="swift-$(swift --version 2>&1 | sed -nE 's/.*Swift version ([0-9]+\.[0-9]+(\.[0-9]+)?).*/\1/p' | head -1)"
swift_flags=(-c "$config")
[ "${MARKET_COVERAGE:-}" = 1 ] && swift_flags+=(--enable-code-coverage)
bin="$(cd "$root" && swift build "${swift_flags[@]}" --show-bin-path)"
swift_plugin() { # id product
    wanted "$1" || return 0
    (cd "$root" && swift build "${swift_flags[@]}" --product "$2" >/dev/null)
    cp "$bin/lib$2.so" "$out/lib$1.so"
    bundle "$1" "$out/lib$1.so"
    sed -i -E "s/\"toolchain\": *\"[^\"]*\"/\"toolchain\": \"$toolchain\"/" "$out/$1/plugin.json"
}
swift_plugin notes NotesPlugin
swift_plugin openai OpenAIPlugin
swift_plugin anthropic AnthropicPlugin
swift_plugin mcp MCPPlugin
swift_plugin webhooks WebhooksPlugin
swift_plugin amplitude AmplitudePlugin
swift_plugin crm CRMPlugin
swift_plugin amocrm AmoCRMPlugin
swift_plugin bitrix24 Bitrix24Plugin
swift_plugin hubspot HubSpotPlugin

rm -f "$out"/lib*.so
echo "Built plugins into $out: $(ls "$out" | tr '\n' ' ')"
