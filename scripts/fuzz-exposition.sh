#!/usr/bin/env bash
# Fuzzes the exposition parsers (Prometheus text 0.0.4, OpenMetrics) and gzip with libFuzzer and
# AddressSanitizer, seeded with valid payloads of both formats, plain and gzipped.
#
#   scripts/fuzz-exposition.sh [seconds=60]
#
# Exits non-zero on a crash, leak or failed check (reproduce: .build-fuzz/exposition-fuzz <saved input>).
set -euo pipefail
source "$(dirname "$0")/fuzz-lib.sh"

fuzz_build exposition-fuzz ExpositionFuzz -I "$root/Sources/CZlib" \
    "$root"/Sources/Ingest/Exposition/*.swift "$root/Sources/Ingest/RemoteWrite/ByteValidation.swift" \
    "$root/Fuzz/ExpositionFuzz.swift"
fuzz_run exposition-fuzz "${1:-60}"
