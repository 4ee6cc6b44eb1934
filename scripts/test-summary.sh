#!/usr/bin/env bash
# Prints the closing line of `make test`: "N passed, N failed", counting swift-testing tests from the
# saved `swift test` output and the fuzz run as one more test.
set -euo pipefail
log=${1:?usage: test-summary.sh SWIFT_TEST_LOG}
line=$(grep -E "Test run with [0-9]+ tests?" "$log" | tail -n 1 || true)
[ -n "$line" ] || { echo "no swift-testing summary in $log" >&2; exit 1; }
total=$(sed -E 's/.*Test run with ([0-9]+) tests?.*/\1/' <<<"$line")
if grep -q "passed after" <<<"$line"; then failed=0; else failed=$(grep -c "^✘ Test .* failed" "$log" || true); fi
echo "tests: $((total - failed + 1)) passed, $failed failed"
