#!/usr/bin/env bash
# Installs the reference validators the tests run with Node.js (tests/node/package.json, pinned by its lock file):
# the CSAF reference validator and GitHub's published OpenAPI description. Node.js and npm come from apt when
# missing. A second run with the same lock file installs nothing and returns at once.
set -euo pipefail
cd "$(dirname "$0")/../tests/node"
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        sudo="sudo"
    fi
    echo "installing system packages: nodejs npm" >&2
    $sudo apt-get update -qq
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs npm
fi
stamp=node_modules/.installed-lock
if [ -f "$stamp" ] && cmp -s package-lock.json "$stamp"; then
    exit 0
fi
# --ignore-scripts: nothing from the registry runs at install time.
npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
cp package-lock.json "$stamp"
