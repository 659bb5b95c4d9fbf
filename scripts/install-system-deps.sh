#!/usr/bin/env bash
# Installs the system programs the tests and the demo need (GnuPG), only when they are missing.
set -euo pipefail
need=()
command -v gpg >/dev/null 2>&1 || need+=(gnupg)
command -v gpg-agent >/dev/null 2>&1 || need+=(gpg-agent)
command -v gpgconf >/dev/null 2>&1 || need+=(gpgconf)
if [ ${#need[@]} -eq 0 ]; then
    exit 0
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
    sudo="sudo"
fi
echo "installing system packages: ${need[*]}" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}"
