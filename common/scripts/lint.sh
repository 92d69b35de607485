#!/usr/bin/env bash
# Static checks: the banned-function list, cppcheck, clang-tidy.
set -uo pipefail
cd "$(dirname "$0")/../.."
rc=0
banned=$(grep -nE '\b(strcpy|strcat|sprintf|vsprintf|atoi|atol|rand|srand|strtok|gets)\s*\(' \
    common/*.c common/*.h authd/*.c authd/*.h apid/*.c apid/*.h 2>/dev/null)
if [ -n "$banned" ]; then echo "banned functions:"; echo "$banned"; rc=1; fi
cppcheck --quiet --error-exitcode=1 --enable=warning,portability --inline-suppr --std=c11 -D_GNU_SOURCE \
    -DH2O_USE_LIBUV=0 -I. --suppress=missingIncludeSystem --suppress=unknownMacro common authd apid || rc=1
if command -v clang-tidy >/dev/null; then
    for f in common/*.c authd/*.c apid/*.c; do
        clang-tidy --quiet -checks='-*,clang-analyzer-*,-clang-analyzer-security.insecureAPI.DeprecatedOrUnsafeBufferHandling,bugprone-*,-bugprone-easily-swappable-parameters,-bugprone-reserved-identifier' \
            "$f" -- -std=c17 -D_GNU_SOURCE -DH2O_USE_LIBUV=0 -I. $(pkg-config --cflags libh2o-evloop libmariadb jansson) \
            2>/dev/null | grep -E 'warning:|error:' && rc=1
    done
fi
exit $rc
