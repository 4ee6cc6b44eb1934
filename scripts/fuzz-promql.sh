#!/usr/bin/env bash
# Fuzzes the PromQL parser (lexer, parser, type checks, printer and pretty-printer) with libFuzzer and
# AddressSanitizer, seeded with queries covering the whole syntax.
#
#   scripts/fuzz-promql.sh [seconds=60]
#
# Exits non-zero on a crash, hang, leak or failed check (reproduce: .build-fuzz/promql-fuzz <saved input>).
set -euo pipefail
source "$(dirname "$0")/fuzz-lib.sh"

parser=(AST Value Lexer LexerLiterals Parser ParserSelectors ParserModifiers ParserTypeCheck FunctionSignatures
    Printer PrinterPretty)
fuzz_build promql-fuzz PromQLFuzz $(printf "$root/Sources/PromQL/%s.swift " "${parser[@]}") "$root/Fuzz/PromQLFuzz.swift"
fuzz_run promql-fuzz "${1:-60}"
