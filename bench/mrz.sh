#!/usr/bin/env bash
# MRZ parsing: ghiseu (criterion) against the Python `mrz` package, same inputs,
# same run. Prints ns per document for each and the ratio.
set -euo pipefail
cd "$(dirname "$0")/.."
t=${CARGO_TARGET_DIR:-target}
venv=$t/bench-venv
[ -x "$venv/bin/pip" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q mrz
py=$("$venv/bin/python" bench/mrz_python.py)
cargo bench --bench mrz -- --noplot 2>/dev/null | tee $t/mrz-bench.txt >/dev/null
printf "%-5s %12s %12s %8s\n" kind "ghiseu ns" "python ns" ratio
while read -r name pyns; do
  # criterion prints: "parse TD2   time:   [a b c]" with units; take the middle estimate.
  line=$(grep -A1 "^parse $name" $t/mrz-bench.txt | grep -o 'time: *\[[^]]*\]' | head -1)
  read -r _ _ _ mid unit _ <<<"$(echo "$line" | tr '[]' '  ')"
  case "$unit" in ns) ns=$mid ;; µs|us) ns=$(echo "$mid*1000" | bc -l) ;; ms) ns=$(echo "$mid*1000000" | bc -l) ;; *) ns=$mid ;; esac
  printf "%-5s %12.0f %12.0f %7.0fx\n" "$name" "$ns" "$pyns" "$(echo "$pyns/$ns" | bc -l)"
done <<<"$py"
