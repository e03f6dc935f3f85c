#!/usr/bin/env bash
# Builds the llama2.c peer that `moe4j bench-decode` times beside moe4j.
# Usage: bench/peer/build-llama2c-peer.sh DIR
#   DIR must hold run.c from github.com/karpathy/llama2.c (commit bd18228, whose forward is
#   transformer(token, pos, ...)); run.c is not part of moe4j. fwd_bench.c (ours) #includes it.
# Writes DIR/fwd_omp (gcc -Ofast -march=native -fopenmp) and DIR/fwd_native (no OpenMP), then
#   ./moe4j bench-decode --peer-dir DIR
set -euo pipefail
dir=${1:?usage: $0 DIR-with-run.c}
[[ -f "$dir/run.c" ]] || { echo "no run.c in $dir: fetch it from github.com/karpathy/llama2.c" >&2; exit 2; }
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cp "$here/fwd_bench.c" "$dir/fwd_bench.c"
(cd "$dir" && gcc -Ofast -march=native -fopenmp fwd_bench.c -lm -o fwd_omp && gcc -Ofast -march=native fwd_bench.c -lm -o fwd_native)
echo "built $dir/fwd_omp and $dir/fwd_native"
