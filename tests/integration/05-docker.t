#!/usr/bin/env bash
# docker/: no Docker engine runs on the test machines, so this checks what can be checked without one:
# the compose file validates, and every Debian package the Dockerfiles install exists in Debian 12.
source "$(dirname "$0")/lib.sh"
cd "$(dirname "$0")/../.."

# one run (docker-compose takes seconds to start): the normalised file, services at two-space indent
out=$(docker-compose -f docker/compose.yml config 2>&1)
ok $? "docker/compose.yml validates"
services=$(sed -n '/^services:/,/^[a-z]/p' <<<"$out" | grep -E '^  [a-z]+:$' | tr -d ' :' | sort | tr '\n' ' ')
is "$services" "apid authd mariadb smtp " "compose has MariaDB, authd, apid and an SMTP catcher"

for f in docker/Dockerfile.authd docker/Dockerfile.apid; do
    grep -q '^USER cartman' "$f"; ok $? "$f runs as a non-root user"
    [ "$(grep -c '^FROM debian:12' "$f")" -ge 2 ]; ok $? "$f is a multi-stage Debian 12 build"
    pkgs=$(sed -n '/apt-get install/,/rm -rf/p' "$f" | tr ' \\' '\n\n' | grep -E '^[a-z0-9][a-z0-9.+-]+$' |
        grep -vE '^(apt-get|install|rm|update|useradd|no-install-recommends|y)$' | sort -u)
    missing=$(for p in $pkgs; do apt-cache show "$p" >/dev/null 2>&1 || echo "$p"; done | tr '\n' ' ')
    is "$missing" "" "$f installs only packages that exist in Debian 12"
done
done_testing
