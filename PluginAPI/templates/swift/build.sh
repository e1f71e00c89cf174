#!/usr/bin/env bash
# Builds the loadable bundle in ./bundle with the Swift toolchain on PATH. The host must run
# the same toolchain: plugin.json records it.
set -euo pipefail
cd "$(dirname "$0")"
swift build -c release --product __TYPE_NAME__
mkdir -p bundle
cp "$(swift build -c release --show-bin-path)/lib__TYPE_NAME__.so" bundle/lib__LIB_NAME__.so
toolchain="swift-$(swift --version 2>&1 | sed -nE 's/.*Swift version ([0-9]+\.[0-9]+(\.[0-9]+)?).*/\1/p' | head -1)"
sed -E "s/\"toolchain\": *\"[^\"]*\"/\"toolchain\": \"$toolchain\"/" plugin.json > bundle/plugin.json
echo "Built $(pwd)/bundle"
