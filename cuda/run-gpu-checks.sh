#!/usr/bin/env bash
# Runs inside a bundle made by cuda/make-gpu-bundle.sh, on the GPU host. Writes to OUTDIR
# (argument, else $OUT, else ./gpu-out): env.txt, smoke.txt, gpu-tests.txt + junit/ (XML),
# gemm-bench.txt and summary.txt (one line per step with its exit status).
set -u
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-${OUT:-$PWD/gpu-out}}"
mkdir -p "$out"
java="$here/jre/bin/java"
cp="$(printf '%s:' "$here"/app/*.jar "$here"/lib/*.jar)" # explicit: JUnit's --class-path does not expand '*'
cp="${cp%:}"
tmp="$(mktemp -d)"   # JCuda unpacks its native libraries into java.io.tmpdir
jflags=(--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Djava.io.tmpdir="$tmp" -Xss8m -Xmx8g)
summary="$out/summary.txt"
: > "$summary"
step() { # step NAME FILE CMD... : runs CMD with output to FILE, records the status
    local name="$1" file="$2"; shift 2
    echo "== $name" | tee -a "$out/progress.txt"
    "$@" > "$out/$file" 2>&1
    local rc=$?
    echo "$name: exit $rc ($file)" | tee -a "$summary"
}

env_checks() {
    echo "# host"; uname -a; (ldd --version 2>&1 | head -1) || true
    echo "# nvidia-smi"; nvidia-smi || echo "nvidia-smi failed"
    echo "# nvidia-smi -q (driver, CUDA, compute mode)"; nvidia-smi -q 2>/dev/null | grep -E "Driver Version|CUDA Version|Product Name|Compute Mode|MIG Mode" -A1 | head -30
    echo "# ldconfig -p | grep cuda/cublas/nvrtc"; ldconfig -p | grep -Ei "libcuda|cublas|nvrtc|cudart" || echo "none in ldconfig"
    echo "# pip nvidia/*/lib folders"; pip_nvidia_libs | while read -r d; do echo "$d"; ls "$d" | head -20; done
    echo "# java"; "$java" -version 2>&1
}

pip_nvidia_libs() { # lib folders of the pip nvidia-* wheels (PyTorch's CUDA libraries)
    for py in python3 python; do
        command -v "$py" >/dev/null 2>&1 || continue
        "$py" - <<'PY' 2>/dev/null && return
import importlib.util, os, glob
spec = importlib.util.find_spec("nvidia")
if spec and spec.submodule_search_locations:
    for root in spec.submodule_search_locations:
        for d in sorted(glob.glob(os.path.join(root, "*", "lib"))):
            print(d)
PY
    done
}

# JCublas2 needs libcublas.so.12: where a pip wheel has it, let the loader find it.
for d in $(pip_nvidia_libs); do
    if ls "$d"/libcublas.so.12* >/dev/null 2>&1 || ls "$d"/libcublasLt.so.12* >/dev/null 2>&1; then
        export LD_LIBRARY_PATH="$d${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    fi
done

step "environment" env.txt env_checks
step "smoke" smoke.txt "$java" "${jflags[@]}" -cp "$cp" io.moe4j.cuda.CudaSmoke
step "gpu tests" gpu-tests.txt "$java" "${jflags[@]}" -jar "$here/junit-platform-console-standalone.jar" execute \
    --class-path "$here/test-classes:$cp" --scan-class-path "$here/test-classes" --include-tag gpu \
    --reports-dir "$out/junit" --details tree --disable-banner --disable-ansi-colors
step "gemm benchmark" gemm-bench.txt "$java" "${jflags[@]}" -cp "$cp" io.moe4j.cuda.GemmBenchmark 10
rm -rf "$tmp"
echo "== done; results in $out"
cat "$summary"
