#!/usr/bin/env bash
# Fuzzes the remote write decoder (snappy + protobuf) with libFuzzer and AddressSanitizer.
#
#   scripts/fuzz-remote-write.sh [seconds=60]
#
# Exits non-zero on a crash, leak or failed check (reproduce: .build-fuzz/remote-write-fuzz <saved input>).
set -euo pipefail
source "$(dirname "$0")/fuzz-lib.sh"

fuzz_build remote-write-fuzz RemoteWriteFuzz \
    "$root"/Sources/Ingest/RemoteWrite/*.swift "$root/Fuzz/RemoteWriteFuzz.swift"
fuzz_run remote-write-fuzz "${1:-60}"
