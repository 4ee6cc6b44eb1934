#!/usr/bin/env bash
# Fuzzes the exposition parsers (Prometheus text 0.0.4, OpenMetrics) and gzip with libFuzzer and AddressSanitizer.
#
#   scripts/fuzz-exposition.sh [seconds=60]
#
# Builds with swiftc directly (no SwiftPM) into .build-fuzz/, seeds the corpus from valid payloads of both
# formats, plain and gzipped,
# then runs for the given time. Exits non-zero if the fuzzer finds a crash, leak or failed check;
# the input that did it is saved under fuzz-artifacts/ (reproduce: .build-fuzz/exposition-fuzz <file>).
set -euo pipefail

seconds="${1:-60}"
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$root/.build-fuzz"
corpus="$out/corpus/exposition"
artifacts="$root/fuzz-artifacts"
swiftc="${SWIFTC:-swiftc}"
# Per-process memory cap; the fuzz limits keep a single input under a few MiB (gzip output at most 1 MiB).
rss_limit_mb="${FUZZ_RSS_LIMIT_MB:-2048}"
# Longest generated input; the seeds are about 2 KiB.
max_len="${FUZZ_MAX_LEN:-16384}"

mkdir -p "$out/core" "$corpus" "$artifacts"
flags=(-O -g -parse-as-library -sanitize=fuzzer,address)

echo "building OspreyCore (fuzz flags)"
"$swiftc" "${flags[@]}" -module-name OspreyCore -emit-module -emit-library -static \
    -emit-module-path "$out/core/OspreyCore.swiftmodule" -o "$out/core/libOspreyCore.a" \
    "$root"/Sources/OspreyCore/*.swift

echo "building exposition-fuzz"
"$swiftc" "${flags[@]}" -module-name ExpositionFuzz -I "$out/core" -I "$root/Sources/CZlib" -L "$out/core" -lOspreyCore \
    "$root"/Sources/Ingest/Exposition/*.swift "$root/Sources/Ingest/RemoteWrite/ByteValidation.swift" \
    "$root/Fuzz/ExpositionFuzz.swift" \
    -o "$out/exposition-fuzz"

OSPREY_FUZZ_WRITE_SEEDS="$corpus" "$out/exposition-fuzz"
echo "corpus: $(ls "$corpus" | wc -l) inputs in $corpus"

echo "fuzzing for ${seconds}s"
status=0
"$out/exposition-fuzz" "$corpus" \
    -max_total_time="$seconds" -rss_limit_mb="$rss_limit_mb" -max_len="$max_len" \
    -artifact_prefix="$artifacts/" -print_final_stats=1 || status=$?
if [ "$status" -ne 0 ]; then
    echo "FUZZ FAILURE (exit $status): see the input saved in $artifacts/" >&2
    exit "$status"
fi
echo "fuzzing finished without findings"
