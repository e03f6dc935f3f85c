#!/usr/bin/env bash
# The README's conversion table: stories260K split into N=8 experts, top-k=2, by each construction
# method (random, clustering, sharing-inner, upcycle), with the scale factor sf = N/k = 4 and sf = 1,
# BEFORE any training. Columns: perplexity on a fixed TinyStories validation subset (the first 50
# documents, seq-len 256, stride 256, first token predicted from BOS), activated parameters and
# forward FLOPs/token at context 256, all produced with the moe4j CLI (perplexity, convert, info).
#
# Usage: eval/conversion-table.sh [OUT_DIR]      (from the repository root; needs jq)
# MOE4J overrides the CLI command, e.g. MOE4J="java --add-modules jdk.incubator.vector -cp CP io.moe4j.cli.Main"
# SHARED overrides the shared-data folder (default /work/shared).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MOE4J=${MOE4J:-"$ROOT/moe4j"}
SHARED=${SHARED:-/work/shared}
OUT=${1:-$(mktemp -d -t moe4j-convtable.XXXXXX)}
MODEL="$ROOT/assets/models/stories260K/stories260K.bin"
VAL="$SHARED/data/corpus/TinyStories/validation.jsonl.gz"
TRAIN="$SHARED/data/corpus/TinyStories/train.jsonl.gz"   # sharing-inner's importance scores (training text)
N=8 K=2 CTX=256
PPL_ARGS=(--data "$VAL" --max-docs 50 --seq-len 256 --stride 256 --json)
export MOE4J_QUIET=1

ppl() { $MOE4J perplexity --model "$1" "${PPL_ARGS[@]}" 2>>"$OUT/perplexity.log" | jq -r '.domains[0] | "\(.perplexity)\t\(.tokens)"'; }
info() { $MOE4J info --model "$1" --context "$CTX" --json | jq -r '"\(.activated_params)\t\(.total_params)\t\(.flops_per_token)"'; }
row() { # name ppl-line info-line
  IFS=$'\t' read -r p tokens <<<"$2"
  IFS=$'\t' read -r act total flops <<<"$3"
  printf '| %s | %.4f | %s | %s | %s |\n' "$1" "$p" "$act" "$total" "$flops"
}

mkdir -p "$OUT"
echo "| model | perplexity | activated params | total params | FLOPs/token (ctx $CTX) |"
echo "|---|---|---|---|---|"
row "dense stories260K" "$(ppl "$MODEL")" "$(info "$MODEL")"
for method in random clustering sharing-inner upcycle; do
  for sf in 4 1; do
    dir="$OUT/$method-sf$sf"
    extra=()
    [[ $method == sharing-inner ]] && extra=(--data "$TRAIN" --docs 64)
    [[ -d $dir ]] || $MOE4J convert --model "$MODEL" --out "$dir" --method "$method" --experts $N --top-k $K \
        --scale $sf --seed 1227 "${extra[@]}" >/dev/null 2>"$dir.log"
    row "$method $N×$K sf $sf" "$(ppl "$dir")" "$(info "$dir")"
  done
done
