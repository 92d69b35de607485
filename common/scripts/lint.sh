#!/usr/bin/env bash
# Static checks over the whole C tree (common/, authd/, apid/ and tests/): the banned-function list,
# cppcheck, clang-tidy.
#
# Checks left out, and why:
#   clang-analyzer-security.insecureAPI.DeprecatedOrUnsafeBufferHandling  memcpy/memset/snprintf are
#       how bounded copies are written here (C11 Annex K's _s functions are not in glibc)
#   bugprone-easily-swappable-parameters  (pool, src, len, out, &err) parsers are the house style
#   bugprone-reserved-identifier          libFuzzer's entry point and glibc's feature macros
# and in tests/ only:
#   bugprone-not-null-terminated-result   the parsers take counted strings; tests build inputs with no
#       NUL on purpose (a value of exactly the limit, one byte more)
#   clang-analyzer-optin.performance.Padding  table rows are written in reading order; a few bytes of
#       padding in a test table cost nothing
set -uo pipefail
cd "$(dirname "$0")/../.."
rc=0
banned=$(grep -nE '\b(strcpy|strcat|sprintf|vsprintf|atoi|atol|rand|srand|strtok|gets)\s*\(' \
    common/*.c common/*.h authd/*.c authd/*.h apid/*.c apid/*.h tests/*.h tests/*/*.c 2>/dev/null)
if [ -n "$banned" ]; then echo "banned functions:"; echo "$banned"; rc=1; fi
# every port a test opens stays within 500 of TEST_PORT_BASE (the list is in common/scripts/test.sh)
far=$(grep -nE '(PORT_BASE|PB) \+ [0-9]{4}' tests/integration/*.t common/scripts/*.sh)
if [ -n "$far" ]; then echo "ports 500 or more above the base (common/scripts/test.sh lists the free ones):"; echo "$far"; rc=1; fi
cppcheck --quiet --error-exitcode=1 --enable=warning,portability --inline-suppr --std=c11 -D_GNU_SOURCE \
    -DH2O_USE_LIBUV=0 -I. --suppress=missingIncludeSystem --suppress=unknownMacro common authd apid tests || rc=1
if command -v clang-tidy >/dev/null; then
    checks='-*,clang-analyzer-*,-clang-analyzer-security.insecureAPI.DeprecatedOrUnsafeBufferHandling,bugprone-*,-bugprone-easily-swappable-parameters,-bugprone-reserved-identifier'
    test_checks="$checks,-bugprone-not-null-terminated-result,-clang-analyzer-optin.performance.Padding"
    for f in common/*.c authd/*.c apid/*.c tests/unit/*.c tests/fuzz/*.c tests/tools/*.c tests/bench/*.c; do
        c=$checks
        case $f in tests/*) c=$test_checks ;; esac
        clang-tidy --quiet -checks="$c" \
            "$f" -- -std=c17 -D_GNU_SOURCE -DH2O_USE_LIBUV=0 -I. $(pkg-config --cflags libh2o-evloop libmariadb jansson) \
            2>/dev/null | grep -E 'warning:|error:' && rc=1
    done
fi
exit $rc
