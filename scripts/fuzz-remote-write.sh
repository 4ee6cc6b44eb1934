#!/usr/bin/env bash
# Fuzzes the remote write decoder (snappy + protobuf) with libFuzzer and AddressSanitizer.
#
#   scripts/fuzz-remote-write.sh [seconds=60]
#
# Builds with swiftc directly (no SwiftPM) into .build-fuzz/, seeds the corpus from valid requests,
# then runs for the given time. Exits non-zero if the fuzzer finds a crash, leak or failed check;
# the input that did it is saved under fuzz-artifacts/ (reproduce: .build-fuzz/remote-write-fuzz <file>).
set -euo pipefail

seconds="${1:-60}"
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$root/.build-fuzz"
corpus="$out/corpus/remote-write"
artifacts="$root/fuzz-artifacts"
swiftc="${SWIFTC:-swiftc}"
# Per-process memory cap; the fuzz limits keep a single request under a few MiB.
rss_limit_mb="${FUZZ_RSS_LIMIT_MB:-2048}"
# Longest generated input; the seeds are a few KiB.
max_len="${FUZZ_MAX_LEN:-16384}"

mkdir -p "$out/core" "$corpus" "$artifacts"
flags=(-O -g -parse-as-library -sanitize=fuzzer,address)

echo "building OspreyCore (fuzz flags)"
"$swiftc" "${flags[@]}" -module-name OspreyCore -emit-module -emit-library -static \
    -emit-module-path "$out/core/OspreyCore.swiftmodule" -o "$out/core/libOspreyCore.a" \
    "$root"/Sources/OspreyCore/*.swift

echo "building remote-write-fuzz"
"$swiftc" "${flags[@]}" -module-name RemoteWriteFuzz -I "$out/core" -L "$out/core" -lOspreyCore \
    "$root"/Sources/Ingest/RemoteWrite/*.swift "$root/Fuzz/RemoteWriteFuzz.swift" \
    -o "$out/remote-write-fuzz"

OSPREY_FUZZ_WRITE_SEEDS="$corpus" "$out/remote-write-fuzz"
echo "corpus: $(ls "$corpus" | wc -l) inputs in $corpus"

echo "fuzzing for ${seconds}s"
status=0
"$out/remote-write-fuzz" "$corpus" \
    -max_total_time="$seconds" -rss_limit_mb="$rss_limit_mb" -max_len="$max_len" \
    -artifact_prefix="$artifacts/" -print_final_stats=1 || status=$?
if [ "$status" -ne 0 ]; then
    echo "FUZZ FAILURE (exit $status): see the input saved in $artifacts/" >&2
    exit "$status"
fi
echo "fuzzing finished without findings"
