#!/usr/bin/env bash
# Builds a self-contained folder that runs the CUDA checks on a GPU host with no Java or Maven:
#   OUTDIR/jre/                     jlinked Temurin 25 runtime (needs only glibc 2.17 on the host)
#   OUTDIR/app/*.jar                moe4j-cuda and moe4j-tensor
#   OUTDIR/lib/*.jar                JCuda, JCublas (natives stripped of the unused NVPTX compiler), test deps
#   OUTDIR/test-classes/            the cuda module's tests (GPU tests are tagged "gpu")
#   OUTDIR/junit-platform-console-standalone.jar
#   OUTDIR/run-gpu-checks.sh        environment checks, smoke test, GPU tests, GEMM benchmark -> $OUT
# Usage: cuda/make-gpu-bundle.sh OUTDIR     (e.g. /work/main/bundle, which git ignores)
# Env: MOE4J_TARGET (build folder name, default target-bundle), JDK25 (default the Temurin 25 path),
#      MVN_OFFLINE=0 to let Maven download (default offline once the repository is primed).
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 OUTDIR" >&2; exit 2; }
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
out="$(mkdir -p "$1" && cd "$1" && pwd)"
target="${MOE4J_TARGET:-target-bundle}"
jdk="${JDK25:-/usr/lib/jvm/temurin-25-jdk-amd64}"
junit_platform=1.14.1   # the platform of JUnit 5.14.1 (parent pom junit.version)
offline=-o; [ "${MVN_OFFLINE:-1}" = 0 ] && offline=
mvn_q() { mvn -q -B $offline -Dmoe4j.target="$target" "$@"; }

echo "bundle: building cuda and tensor jars, test classes and the dependency folder ($target)"
rm -rf "$out/app" "$out/lib" "$out/test-classes" "$out/jre"
mkdir -p "$out/app" "$out/lib"
# One reactor run, so the cuda module resolves moe4j-tensor from the reactor, not a repository.
(cd "$root" && mvn_q -pl cuda -am package dependency:copy-dependencies -DskipTests -DincludeScope=test \
    -DexcludeGroupIds=io.moe4j,org.junit.jupiter,org.junit.platform -DoutputDirectory="$out/lib")
cp "$root/cuda/$target"/moe4j-cuda-*.jar "$root/tensor/$target"/moe4j-tensor-*.jar "$out/app/"
cp -r "$root/cuda/$target/test-classes" "$out/test-classes"
for j in "$out"/lib/jcuda-natives-*.jar; do # 24 MB of NVPTX compiler we never call
    zip -q -d "$j" 'lib/libJNvPTXCompiler*' 'lib/libJNvrtc*' >/dev/null || true
done
(cd "$root" && mvn_q dependency:copy -Dartifact=org.junit.platform:junit-platform-console-standalone:$junit_platform \
    -DoutputDirectory="$out" -Dmdep.stripVersion=true)

echo "bundle: jlink runtime from $jdk"
# java.xml: the JUnit console launcher writes its XML reports with StAX. zip-6: keeps the whole
# bundle under the 64 MiB a device run can carry (71 MiB runtime uncompressed, 48 MiB compressed).
"$jdk/bin/jlink" --add-modules java.base,java.logging,jdk.incubator.vector,jdk.unsupported,java.xml \
    --strip-debug --no-header-files --no-man-pages --compress zip-6 --output "$out/jre"

cp "$here/run-gpu-checks.sh" "$out/run-gpu-checks.sh"
chmod +x "$out/run-gpu-checks.sh"
du -sh "$out" | sed 's/^/bundle: size /'
echo "bundle: ready; on the GPU host run: bash $(basename "$out")/run-gpu-checks.sh \"\$OUT\""
