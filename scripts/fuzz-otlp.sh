#!/usr/bin/env bash
# Fuzzes the OTLP metrics decoders (protobuf, JSON, gzip) and name translation with libFuzzer and
# AddressSanitizer.
#
#   scripts/fuzz-otlp.sh [seconds=60]
#
# Exits non-zero on a crash, leak or failed check (reproduce: .build-fuzz/otlp-fuzz <saved input>).
set -euo pipefail
source "$(dirname "$0")/fuzz-lib.sh"

otlp="$root/Sources/Ingest/OTLP"
fuzz_build otlp-fuzz OTLPFuzz -I "$root/Sources/CZlib" -lz \
    "$root/Sources/Ingest/RemoteWrite/ProtobufWire.swift" \
    "$otlp/OTLPModel.swift" "$otlp/OTLPProtobufReader.swift" "$otlp/OTLPProtobufDecoder.swift" \
    "$otlp/OTLPJSONDecoder.swift" "$root/Sources/Ingest/Exposition/Gzip.swift" "$otlp/OTLPNaming.swift" \
    "$root/Tests/IngestTests/OTLPProtoEncoder.swift" "$root/Fuzz/OTLPFuzz.swift"
fuzz_run otlp-fuzz "${1:-60}"
