#!/usr/bin/env bash
# Installs the system packages Market needs to build and test, when they are missing.
set -euo pipefail

packages=(libcurl4-openssl-dev libarchive-dev libpq-dev postgresql pkg-config python3 prometheus gdb)

# The tests run a real MCP server from the official Python SDK (mcp 2.x) and schemathesis (4.x)
# against the live server; the test command's secret scan is detect-secrets (1.x); the webhooks
# tests verify signatures with the standardwebhooks library (1.x, "v1") and cryptography's
# Ed25519 ("v1a", which standardwebhooks does not verify). When this
# python3 lacks them and will not take them (Debian marks its Python externally managed), they go
# into a virtual environment in .build-python, which scripts/test.sh and scripts/run.sh put first
# on PATH. Arguments, as "module:requirement", add tools for one caller (scripts/audit.sh).
python_modules=("mcp.server.mcpserver:mcp>=2,<3" "schemathesis:schemathesis>=4,<5" "detect_secrets:detect-secrets>=1.5,<2"
                "standardwebhooks:standardwebhooks>=1.1,<2" "cryptography:cryptography>=42")

# scripts/audit.sh asks what this script may install, to list and check it.
case "${1:-}" in
    --list-system-packages) printf '%s\n' "${packages[@]}" rustc python3-venv; exit 0 ;;
    --list-python-requirements) for entry in "${python_modules[@]}"; do echo "${entry#*:}"; done; exit 0 ;;
esac
python_modules+=("$@")

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
    others=()
    for package in "${filtered[@]}"; do [ "$package" = prometheus ] || others+=("$package"); done
    [ ${#others[@]} -eq 0 ] || DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${others[@]}" >/dev/null
    if [ ${#others[@]} -ne ${#filtered[@]} ]; then
        # The metrics tests run prometheus and promtool on their own loopback port, config and data
        # folder. Without recommends: no node exporter. Debian starts a system prometheus on :9090
        # at install, which nothing here asked for: stopped and disabled when this script installed
        # it (an operator's own prometheus is left alone).
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends prometheus >/dev/null
        if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
            $SUDO systemctl disable --now prometheus >/dev/null 2>&1 || true
        elif [ -x /etc/init.d/prometheus ]; then
            $SUDO /etc/init.d/prometheus stop >/dev/null 2>&1 || true
            $SUDO update-rc.d prometheus disable >/dev/null 2>&1 || true
        fi
    fi
fi

venv="$(cd "$(dirname "$0")/.." && pwd)/.build-python"
python="python3"
[ -x "$venv/bin/python3" ] && python="$venv/bin/python3"
wanted=()
for entry in "${python_modules[@]}"; do
    "$python" -c "import ${entry%%:*}" >/dev/null 2>&1 || wanted+=("${entry#*:}")
done
if [ ${#wanted[@]} -gt 0 ]; then
    echo "Installing Python packages: ${wanted[*]}"
    if ! "$python" -m pip install --quiet --disable-pip-version-check "${wanted[@]}" 2>/dev/null; then
        if ! python3 -m venv "$venv" >/dev/null 2>&1; then
            SUDO=""
            [ "$(id -u)" -eq 0 ] || SUDO="sudo"
            $SUDO apt-get update -qq
            DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq python3-venv >/dev/null
            python3 -m venv "$venv"
        fi
        "$venv/bin/python3" -m pip install --quiet --disable-pip-version-check "${wanted[@]}"
    fi
fi

command -v swift >/dev/null 2>&1 || [ -x /opt/swift/usr/bin/swift ] || {
    echo "error: Swift 6.3 is not installed; put its toolchain on PATH (e.g. /opt/swift/usr/bin)" >&2
    exit 1
}
