#!/usr/bin/env bash
# Run the cargo-fuzz targets, one at a time, at low priority.
#
#   fuzz/run.sh TARGET|all SECONDS
#
# Needs the nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz --locked`).
# Seeds: the small committed ones in fuzz/seeds/<target>/, plus seeds generated here from the
# corpus scenarios (corpus-gen) and ../shared/data (or $SCOMTRIAGE_SHARED) into fuzz/corpus/,
# which libFuzzer also grows. Logs go to fuzz/logs/<target>.log; the last line of each run
# (target, seconds, execs/s, cov, ft, corpus size, crash or not) is appended to
# fuzz/logs/summary.tsv. A crash leaves its input in fuzz/artifacts/<target>/: copy it to
# tests/fuzz_regressions/<target>/ once fixed.
#
# Environment: FUZZ_RSS_MB (default 2048), FUZZ_NICE (default 19), FUZZ_JOBS is not offered on
# purpose: the machine is shared, one fuzz job at a time.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/.." && pwd)"
targets=(certificate pkcs7 reg certstore evtx evtx_filtered json_members zip_bundle analyze)

# Longest input libFuzzer builds per target (keep in step with make_seeds.py).
max_len() {
    case "$1" in
        certificate | certstore) echo 16384 ;;
        pkcs7 | json_members) echo 65536 ;;
        reg) echo 131072 ;;
        evtx | evtx_filtered) echo 200000 ;;
        zip_bundle | analyze) echo 262144 ;;
        *) echo "unknown target $1" >&2; exit 2 ;;
    esac
}

if [ $# -ne 2 ]; then
    echo "usage: fuzz/run.sh TARGET|all SECONDS   (targets: ${targets[*]})" >&2
    exit 2
fi
which="$1"
seconds="$2"
if [ "$which" = all ]; then
    run=("${targets[@]}")
else
    max_len "$which" >/dev/null
    run=("$which")
fi

shared="${SCOMTRIAGE_SHARED:-$repo/../shared}/data"
nice_level="${FUZZ_NICE:-19}"
rss_mb="${FUZZ_RSS_MB:-2048}"

cd "$here"
mkdir -p logs corpus artifacts

if [ ! -f corpus/.generated ]; then
    echo "run.sh: generating seeds (corpus-gen + $shared)"
    bundles="$(mktemp -d)"
    (cd "$repo" && nice -n 10 cargo run --quiet -p scomtriage-corpus --bin corpus-gen -- "$bundles" >/dev/null)
    python3 "$here/make_seeds.py" "$bundles" "$shared" corpus
    rm -rf "$bundles"
    touch corpus/.generated
fi

build_target=()
[ "$which" = all ] || build_target=("$which")
nice -n 10 cargo +nightly fuzz build -O --debug-assertions "${build_target[@]}"
status=0
for t in "${run[@]}"; do
    mkdir -p "corpus/$t" "seeds/$t" "artifacts/$t"
    log="logs/$t.log"
    echo "run.sh: $t for ${seconds}s (log: fuzz/$log)"
    start=$(date +%s)
    set +e
    extra=()
    # The filtered EVTX target starts from the same logs as the plain one.
    [ "$t" = evtx_filtered ] && extra=("seeds/evtx")
    nice -n "$nice_level" cargo +nightly fuzz run -O --debug-assertions "$t" "corpus/$t" "seeds/$t" "${extra[@]}" -- \
        -max_total_time="$seconds" -rss_limit_mb="$rss_mb" -max_len="$(max_len "$t")" \
        -timeout=30 -print_final_stats=1 -artifact_prefix="artifacts/$t/" >"$log" 2>&1
    rc=$?
    set -e
    end=$(date +%s)
    # Final stats: "stat::number_of_executed_units: N", "stat::average_exec_per_sec: N";
    # coverage from the last status line ("cov: N ft: N corp: N/...").
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | tail -n1 | awk '{print $2}')
    eps=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | tail -n1 | awk '{print $2}')
    rss=$(grep -o 'stat::peak_rss_mb: *[0-9]*' "$log" | tail -n1 | awk '{print $2}')
    last=$(grep -E '#[0-9]+.*cov: ' "$log" | tail -n1)
    cov=$(echo "$last" | grep -o 'cov: [0-9]*' | awk '{print $2}')
    ft=$(echo "$last" | grep -o 'ft: [0-9]*' | awk '{print $2}')
    corp=$(echo "$last" | grep -o 'corp: [0-9]*' | awk '{print $2}')
    verdict=ok
    if [ $rc -ne 0 ]; then
        verdict="CRASH(rc=$rc): $(ls -t "artifacts/$t" | head -n1)"
        status=1
    fi
    printf '%s\t%s\t%ss\t%s execs\t%s exec/s\tcov %s\tft %s\tcorpus %s\tpeak %s MB\t%s\n' \
        "$(date -u +%FT%TZ)" "$t" "$((end - start))" "${execs:-?}" "${eps:-?}" "${cov:-?}" "${ft:-?}" \
        "${corp:-?}" "${rss:-?}" "$verdict" | tee -a logs/summary.tsv
done
exit $status
