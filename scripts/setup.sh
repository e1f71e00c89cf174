#!/usr/bin/env bash
# Installs the system packages Market needs to build and test, when they are missing.
set -euo pipefail

packages=(libcurl4-openssl-dev libarchive-dev libpq-dev postgresql pkg-config python3)
command -v rustc >/dev/null 2>&1 || packages+=(rustc)

missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
# python3 and rustc may come from outside Debian's packages; a working command is enough.
filtered=()
for package in "${missing[@]}"; do
    case "$package" in
        python3) command -v python3 >/dev/null 2>&1 || filtered+=("$package") ;;
        *) filtered+=("$package") ;;
    esac
done

if [ ${#filtered[@]} -gt 0 ]; then
    echo "Installing system packages: ${filtered[*]}"
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${filtered[@]}" >/dev/null
fi

# The MCP bridge's tests run a real MCP server from the official Python SDK.
if ! python3 -c "import mcp.server.mcpserver" >/dev/null 2>&1; then
    echo "Installing the Python MCP SDK (mcp 2.x)"
    python3 -m pip install --quiet --disable-pip-version-check "mcp>=2,<3"
fi

# The server's tests run schemathesis against the live server and docs/openapi.yaml.
if ! python3 -c "import schemathesis" >/dev/null 2>&1; then
    echo "Installing schemathesis (4.x)"
    python3 -m pip install --quiet --disable-pip-version-check "schemathesis>=4,<5"
fi

command -v swift >/dev/null 2>&1 || [ -x /opt/swift/usr/bin/swift ] || {
    echo "error: Swift 6.3 is not installed; put its toolchain on PATH (e.g. /opt/swift/usr/bin)" >&2
    exit 1
}
