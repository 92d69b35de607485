#!/usr/bin/env bash
# Stops both daemons the way an operator does (SIGTERM) and fails on an unclean exit, a sanitizer
# report or an error line in their logs. Runs last.
source "$(dirname "$0")/lib.sh"
T=$CARTMAN_TEST_DIR

for d in authd apid; do
    pid=$(cat "$T/$d.pid")
    kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && { kill -KILL "$pid"; st=1; } || st=0
    ok $st "$d stops within 10 s of SIGTERM"
    grep -q "stopped" "$T/$d.log"; ok $? "$d logs an orderly shutdown"
    reports=$(grep -E 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|SUMMARY: ' "$T/$d.log" | head -5)
    is "$reports" "" "$d log has no sanitizer report"
    errors=$(grep -E '^[0-9TZ:.-]+ error ' "$T/$d.log" | grep -v 'database is unreachable' | head -5)
    is "$errors" "" "$d log has no unexpected error lines"
    : >"$T/$d.pid"
done
done_testing
