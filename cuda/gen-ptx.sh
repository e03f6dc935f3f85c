#!/usr/bin/env bash
# Compiles every kernel source cuda/src/main/cuda/*.cu to PTX (ISA 9.0 from nvcc 13, target
# compute_80 so any Ampere/Hopper GPU JIT-compiles it) and writes it where the backend loads it:
#   cuda/src/main/resources/io/moe4j/cuda/ptx/NAME.ptx
# Usage: cuda/gen-ptx.sh [OUTDIR]     (OUTDIR defaults to that resource folder)
# NVCC=/path/to/nvcc overrides the nvcc on PATH. The PTX is committed; re-run after editing a .cu
# file (CudaPtxCurrencyTest fails when the two disagree and nvcc is present).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
src="$here/src/main/cuda"
out="${1:-$here/src/main/resources/io/moe4j/cuda/ptx}"
nvcc="${NVCC:-nvcc}"
command -v "$nvcc" >/dev/null 2>&1 || { echo "gen-ptx: nvcc not found (set NVCC=/path/to/nvcc)" >&2; exit 2; }
mkdir -p "$out"
cd "$src" # relative names only, so no absolute path can reach the PTX
jobs="${GEN_PTX_JOBS:-$(nproc 2>/dev/null || echo 2)}"
pids=()
for cu in *.cu; do
    name="${cu%.cu}"
    "$nvcc" -ptx -arch=compute_80 -std=c++17 -o "$out/$name.ptx" "$cu" &
    pids+=($!)
    if [ "${#pids[@]}" -ge "$jobs" ]; then wait "${pids[0]}"; pids=("${pids[@]:1}"); fi
done
for p in "${pids[@]}"; do wait "$p"; done
ls "$out"/*.ptx | sed 's/^/gen-ptx: wrote /'
