#!/usr/bin/env bash
# Trains every model docs/results.md reports, in order of importance, at one equal budget
# (3 epochs on the whole GMD train split; no code prior, which reconstruction does not use).
# The shipped weights themselves come from the 15-epoch command in models/README.md.
# Usage: GROOVE_CACHE=/tmp/gcache bash scripts/table1_runs.sh ../shared/data/gmd runs/table1
set -euo pipefail
data=${1:?GMD folder}
out=${2:-runs/table1}
epochs=${EPOCHS:-3}
mkdir -p "$out"
run() {  # name, then groove train options
  local name=$1; shift
  [ -f "$out/$name/model.pt" ] || [ -f "$out/$name/classifier.pt" ] && return 0
  echo "$(date -u +%FT%TZ) start $name: groove train $*"
  groove train --data "$data" --out "$out/$name" --device cpu "$@" > "$out/$name.out" 2>&1
  echo "$(date -u +%FT%TZ) done $name"
}
run classifier --model classifier --epochs 10
for seed in 0 1 2; do
  run "pocketvae-s$seed" --model pocketvae --epochs "$epochs" --seed "$seed" --prior-epochs 0
done
run onestep --model onestep --epochs "$epochs"
run twostep-vae --model twostep-vae --epochs "$epochs"
run vq --model pocketvae --epochs "$epochs" --no-genre --no-patterns --prior-epochs 0
run vq-genres --model pocketvae --epochs "$epochs" --no-patterns --prior-epochs 0
# more seeds for the two Gaussian baselines, the cheapest to train (vq and vq-genres keep one)
for seed in 1 2; do
  run "onestep-s$seed" --model onestep --epochs "$epochs" --seed "$seed"
  run "twostep-vae-s$seed" --model twostep-vae --epochs "$epochs" --seed "$seed"
done
