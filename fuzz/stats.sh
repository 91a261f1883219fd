#!/usr/bin/env bash
# Print a Markdown table of the last run of each fuzz target from fuzz/logs/<target>.log
# (libFuzzer's final stats and its last status line), for docs/robustness.md.
set -u
cd "$(dirname "$0")"
echo "| target | seconds | runs | execs/s | cov at start → end | ft at start → end | corpus | peak RSS MB | result |"
echo "|---|---|---|---|---|---|---|---|---|"
for t in certificate pkcs7 reg certstore evtx evtx_filtered json_members zip_bundle analyze; do
    l="logs/$t.log"
    [ -f "$l" ] || { echo "| $t | not run | | | | | | | |"; continue; }
    num() { grep -o "$1 *[0-9]*" "$l" | tail -n1 | awk '{print $NF}'; }
    secs=$(grep -o 'Done [0-9]* runs in [0-9]* second' "$l" | tail -n1 | awk '{print $5}')
    runs=$(num 'stat::number_of_executed_units:')
    eps=$(num 'stat::average_exec_per_sec:')
    rss=$(num 'stat::peak_rss_mb:')
    init=$(grep -o 'INITED cov: [0-9]* ft: [0-9]*' "$l" | tail -n1)
    last=$(grep -E '#[0-9]+.*cov: ' "$l" | tail -n1)
    cov0=$(echo "$init" | awk '{print $3}'); ft0=$(echo "$init" | awk '{print $5}')
    cov1=$(echo "$last" | grep -o 'cov: [0-9]*' | awk '{print $2}')
    ft1=$(echo "$last" | grep -o 'ft: [0-9]*' | awk '{print $2}')
    corp=$(echo "$last" | grep -o 'corp: [0-9]*/[0-9]*[a-zA-Z]*' | awk '{print $2}')
    result="no crash"
    if grep -q 'ERROR: libFuzzer\|==ERROR\|panicked at' "$l"; then result="CRASH (see log)"; fi
    if [ -z "$secs" ]; then result="running or stopped early"; fi
    echo "| $t | ${secs:-?} | ${runs:-?} | ${eps:-?} | ${cov0:-?} → ${cov1:-?} | ${ft0:-?} → ${ft1:-?} | ${corp:-?} | ${rss:-?} | $result |"
done
