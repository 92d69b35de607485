#!/usr/bin/env bash
# Short libFuzzer sessions over every parser: scratch corpus first (libFuzzer writes there), the
# committed seeds second. Any crash fails the run and leaves its input in build/fuzz/.
set -euo pipefail
cd "$(dirname "$0")/../.."
secs=${1:-60}
for f in build/fuzz/fuzz_*; do
    [ -x "$f" ] || continue
    name=${f#build/fuzz/fuzz_}
    mkdir -p "build/fuzz/corpus-$name" "tests/fuzz/corpus/$name"
    echo "fuzz $name for ${secs}s" >&2
    (cd build/fuzz && "./fuzz_$name" -max_total_time="$secs" -print_final_stats=1 "corpus-$name" \
        "../../tests/fuzz/corpus/$name" 2>"fuzz_$name.log") ||
        { tail -40 "build/fuzz/fuzz_$name.log" >&2; exit 1; }
    grep -E 'stat::number_of_executed_units' "build/fuzz/fuzz_$name.log" >&2 || true
done
