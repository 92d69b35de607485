#!/usr/bin/env bash
# Installs the Debian 12 packages that building, running and testing need, when any is missing.
# As root it runs apt-get; otherwise it prints the exact apt-get line and stops.
set -euo pipefail

PACKAGES=(
    # build
    gcc make pkg-config binutils libc6-dev
    libh2o-evloop-dev libjwt-dev libssl-dev libmariadb-dev libjansson-dev libcurl4-openssl-dev libcrypt-dev
    libargon2-dev
    # run: the private demo database, certificates
    mariadb-server mariadb-client openssl ca-certificates curl
    # test: TAP runner, HTTP/2 load and checks, WordPress's own code for test vectors, fuzzing
    perl nghttp2-client php-cli wordpress clang libclang-rt-14-dev docker-compose jq iproute2 procps util-linux
    # bench: WordPress's REST API side by side (common/scripts/wordpress.sh)
    nginx php-fpm php-mysql
    # test: independent JOSE/OAuth libraries from npm (tests/node); npm below; the browser playwright-core drives
    nodejs chromium
    # test: a real SMTP server on loopback that receives apid's mail (tests/smtp_catcher.py)
    python3-aiosmtpd
)

missing=()
for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# Debian's npm, unless a nodejs build that ships its own npm is installed (they conflict)
command -v npm >/dev/null 2>&1 || missing+=(npm)
[ ${#missing[@]} -eq 0 ] && exit 0

line="apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
    echo "Missing packages. Run as root:" >&2
    echo "  apt-get update && $line" >&2
    exit 1
fi
echo "Installing: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# policy-rc.d keeps the system's own MariaDB service from being started: we run a private one.
if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
$line >/dev/null
