#!/usr/bin/env bash
# Fuzzes the Go template engine (lexer, parser, executor, printf, the Prometheus and Alertmanager functions)
# with libFuzzer and AddressSanitizer, seeded with templates covering the whole syntax.
#
#   scripts/fuzz-gotemplate.sh [seconds=60]
#
# Exits non-zero on a crash, hang, leak or failed check (reproduce: .build-fuzz/gotemplate-fuzz <saved input>).
set -euo pipefail
source "$(dirname "$0")/fuzz-lib.sh"

fuzz_build gotemplate-fuzz GoTemplateFuzz "$root"/Sources/GoTemplate/*.swift "$root/Fuzz/GoTemplateFuzz.swift"
fuzz_run gotemplate-fuzz "${1:-60}"
