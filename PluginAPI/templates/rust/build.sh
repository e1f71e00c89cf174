#!/usr/bin/env bash
# Builds the plugin and assembles a loadable bundle in ./bundle: plugin.json + lib__LIB_NAME__.so.
# Uses cargo when it is installed, otherwise plain rustc (the plugin has no dependencies).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"
lib="lib__LIB_NAME__.so"

if command -v cargo >/dev/null 2>&1; then
    cargo build --release --offline
    built="${CARGO_TARGET_DIR:-target}/release/$lib"
elif command -v rustc >/dev/null 2>&1; then
    mkdir -p target/release
    rustc --edition 2021 --crate-type cdylib --crate-name __LIB_NAME__ -O \
        -o "target/release/$lib" src/lib.rs
    built="target/release/$lib"
else
    echo "error: neither cargo nor rustc is installed; get Rust from https://rustup.rs" >&2
    exit 1
fi

rm -rf bundle
mkdir bundle
cp plugin.json bundle/
cp "$built" "bundle/$lib"
echo "$(pwd)/bundle"
