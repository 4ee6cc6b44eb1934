# Shared by scripts/fuzz-*.sh (sourced, not run): builds a libFuzzer + AddressSanitizer target with swiftc
# directly (no SwiftPM) into .build-fuzz/, seeds its corpus from valid inputs, and fuzzes for a set time.
# A crash, leak or failed check exits non-zero; the input that did it is saved under fuzz-artifacts/.

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$root/.build-fuzz"
artifacts="$root/fuzz-artifacts"
swiftc="${SWIFTC:-swiftc}"
# Per-process memory cap; each target's limits keep a single input under a few MiB.
rss_limit_mb="${FUZZ_RSS_LIMIT_MB:-2048}"
# Longest generated input; every target's seeds are a few KiB at most.
max_len="${FUZZ_MAX_LEN:-16384}"
flags=(-O -g -parse-as-library -sanitize=fuzzer,address)
mkdir -p "$out/core" "$artifacts"

# OspreyCore with fuzz flags, built once and reused while no OspreyCore source is newer than it.
fuzz_build_core() {
    local lib="$out/core/libOspreyCore.a"
    if [ -f "$lib" ] && [ -z "$(find "$root/Sources/OspreyCore" -name '*.swift' -newer "$lib")" ]; then
        return
    fi
    echo "building OspreyCore (fuzz flags)"
    "$swiftc" "${flags[@]}" -module-name OspreyCore -emit-module -emit-library -static \
        -emit-module-path "$out/core/OspreyCore.swiftmodule" -o "$lib" \
        "$root"/Sources/OspreyCore/*.swift
}

# fuzz_build NAME MODULE SOURCES… [extra swiftc flags]: the fuzz binary .build-fuzz/NAME.
fuzz_build() {
    local name="$1" module="$2"
    shift 2
    fuzz_build_core
    echo "building $name"
    "$swiftc" "${flags[@]}" -module-name "$module" -I "$out/core" -L "$out/core" -lOspreyCore "$@" -o "$out/$name"
}

# fuzz_run NAME SECONDS: seeds .build-fuzz/corpus/<NAME without -fuzz> from the target's valid inputs, then fuzzes.
fuzz_run() {
    local name="$1" seconds="$2" corpus="$out/corpus/${1%-fuzz}" status=0
    mkdir -p "$corpus"
    OSPREY_FUZZ_WRITE_SEEDS="$corpus" "$out/$name"
    echo "corpus: $(ls "$corpus" | wc -l) inputs in $corpus"
    echo "fuzzing for ${seconds}s"
    "$out/$name" "$corpus" \
        -max_total_time="$seconds" -rss_limit_mb="$rss_limit_mb" -max_len="$max_len" \
        -artifact_prefix="$artifacts/" -print_final_stats=1 || status=$?
    if [ "$status" -ne 0 ]; then
        echo "FUZZ FAILURE (exit $status): see the input saved in $artifacts/" >&2
        exit "$status"
    fi
    echo "fuzzing finished without findings"
}
