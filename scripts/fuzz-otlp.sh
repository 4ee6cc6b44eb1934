#!/usr/bin/env bash
# Fuzzes the OTLP metrics decoders (protobuf, JSON, gzip) and name translation with libFuzzer and AddressSanitizer.
#
#   scripts/fuzz-otlp.sh [seconds=60]
#
# Builds with swiftc directly (no SwiftPM) into .build-fuzz/, seeds the corpus from valid requests,
# then runs for the given time. Exits non-zero if the fuzzer finds a crash, leak or failed check;
# the input that did it is saved under fuzz-artifacts/ (reproduce: .build-fuzz/otlp-fuzz <file>).
set -euo pipefail

seconds="${1:-60}"
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$root/.build-fuzz"
corpus="$out/corpus/otlp"
artifacts="$root/fuzz-artifacts"
swiftc="${SWIFTC:-swiftc}"
# Per-process memory cap; the fuzz limits keep a single request under a few MiB.
rss_limit_mb="${FUZZ_RSS_LIMIT_MB:-2048}"
# Longest generated input; the seeds are under 2 KiB.
max_len="${FUZZ_MAX_LEN:-16384}"

mkdir -p "$out/core-otlp" "$corpus" "$artifacts"
flags=(-O -g -parse-as-library -sanitize=fuzzer,address)

echo "building OspreyCore (fuzz flags)"
"$swiftc" "${flags[@]}" -module-name OspreyCore -emit-module -emit-library -static \
    -emit-module-path "$out/core-otlp/OspreyCore.swiftmodule" -o "$out/core-otlp/libOspreyCore.a" \
    "$root"/Sources/OspreyCore/*.swift

echo "building otlp-fuzz"
otlp="$root/Sources/Ingest/OTLP"
"$swiftc" "${flags[@]}" -module-name OTLPFuzz -I "$out/core-otlp" -L "$out/core-otlp" -lOspreyCore \
    -I "$root/Sources/CZlib" -lz \
    "$root/Sources/Ingest/RemoteWrite/ProtobufWire.swift" \
    "$otlp/OTLPModel.swift" "$otlp/OTLPProtobufReader.swift" "$otlp/OTLPProtobufDecoder.swift" \
    "$otlp/OTLPJSONDecoder.swift" "$root/Sources/Ingest/Exposition/Gzip.swift" "$otlp/OTLPNaming.swift" \
    "$root/Tests/IngestTests/OTLPProtoEncoder.swift" "$root/Fuzz/OTLPFuzz.swift" \
    -o "$out/otlp-fuzz"

OSPREY_FUZZ_WRITE_SEEDS="$corpus" "$out/otlp-fuzz"
echo "corpus: $(ls "$corpus" | wc -l) inputs in $corpus"

echo "fuzzing for ${seconds}s"
status=0
"$out/otlp-fuzz" "$corpus" \
    -max_total_time="$seconds" -rss_limit_mb="$rss_limit_mb" -max_len="$max_len" \
    -artifact_prefix="$artifacts/" -print_final_stats=1 || status=$?
if [ "$status" -ne 0 ]; then
    echo "FUZZ FAILURE (exit $status): see the input saved in $artifacts/" >&2
    exit "$status"
fi
echo "fuzzing finished without findings"
