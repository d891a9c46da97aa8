#!/usr/bin/env bash
# The evaluation in docs/results.md: the bundled model, plus every model scripts/table1_runs.sh trained.
# Usage: GROOVE_CACHE=/tmp/gcache bash scripts/evaluate_all.sh ../shared/data/gmd runs/table1 docs/eval
set -euo pipefail
data=${1:?GMD folder}
runs=${2:-runs/table1}
out=${3:-docs/eval}
models=()
for name in pocketvae-s0 pocketvae-s1 pocketvae-s2 vq-genres vq twostep-vae twostep-vae-s1 twostep-vae-s2 \
            onestep onestep-s1 onestep-s2; do
  [ -f "$runs/$name/model.pt" ] && models+=(--model "$name=$runs/$name/model.pt")
done
groove evaluate --data "$data" --out "$out" --force "${models[@]}"
