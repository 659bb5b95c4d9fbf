#!/usr/bin/env bash
# Installs the system programs the tests and the demo need (GnuPG; Dovecot IMAP and OpenSSL for the
# IMAP tests), only when they are missing. A second run installs nothing and returns at once.
set -euo pipefail
need=()
command -v gpg >/dev/null 2>&1 || need+=(gnupg)
command -v gpg-agent >/dev/null 2>&1 || need+=(gpg-agent)
command -v gpgconf >/dev/null 2>&1 || need+=(gpgconf)
# dovecot lives in /usr/sbin, which is not on every non-root PATH.
PATH="$PATH:/usr/sbin:/sbin"
if ! command -v dovecot >/dev/null 2>&1 || ! command -v doveadm >/dev/null 2>&1; then
    need+=(dovecot-imapd) # pulls dovecot-core, which has both programs
fi
command -v openssl >/dev/null 2>&1 || need+=(openssl)
if [ ${#need[@]} -eq 0 ]; then
    exit 0
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
    sudo="sudo"
fi

# The tests start their own throwaway Dovecot; the system service is not wanted. Debian's postinst tries to
# start it and fails the install when it cannot (no init system, port 143 taken, ...). When the machine has
# no policy-rc.d of its own, put one in place for the length of this install that refuses to start dovecot
# only (exit 101 = "action forbidden"), and remove it afterwards. An existing policy-rc.d is left alone.
policy=/usr/sbin/policy-rc.d
own_policy=0
remove_policy() {
    if [ "$own_policy" -eq 1 ]; then
        $sudo rm -f "$policy"
    fi
}
trap remove_policy EXIT
if [[ " ${need[*]} " == *" dovecot-imapd "* ]] && [ ! -e "$policy" ]; then
    printf '#!/bin/sh\n# temporary, from triage-tui scripts/install-system-deps.sh\n[ "$1" = dovecot ] && exit 101\nexit 0\n' |
        $sudo tee "$policy" >/dev/null
    $sudo chmod 0755 "$policy"
    own_policy=1
fi

echo "installing system packages: ${need[*]}" >&2
$sudo apt-get update -qq
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}"
