#!/usr/bin/env bash
# The shipped models/pocketvae.pt, from the Groove MIDI Dataset, in three stages.
# Usage: GROOVE_CACHE=/tmp/gcache bash scripts/train_shipped.sh ../shared/data/gmd runs
#
# 1. SKEL, NOTE and the code prior: groove 0.1's joint run (40 min on 2 CPU cores; the command is
#    in models/README.md). Its weights are models/pocketvae.pt at commit 334376c; this script takes
#    them from there unless runs/base-v1-pocketvae.pt exists.
# 2. The feel stage: new VEL and TIME modules (binned heads, free bits) on the frozen NOTE module.
# 3. The genre guesser for --genre auto, added to the stage-2 checkpoint; then exported.
# 4. drumify's and the fills' conditional models (models/drumify.pt, models/fills.pt), side by
#    side with one thread each (20 and 12 min on 2 CPU cores).
# 5. --notes add's decorator (models/decorate.pt): 17 min with one thread beside another job.
set -euo pipefail
data=${1:?GMD folder}
runs=${2:-runs}
mkdir -p "$runs"
base="$runs/base-v1-pocketvae.pt"
[ -f "$base" ] || git show 334376c:models/pocketvae.pt > "$base"
groove train --data "$data" --out "$runs/feel-v2" --model feel --weights "$base" --epochs 12 --device cpu --seed 0
groove train --data "$data" --out "$runs/guesser-v2" --model guesser --weights "$runs/feel-v2/model.pt" \
    --epochs 10 --device cpu --seed 0 --export models
OMP_NUM_THREADS=1 groove train --data "$data" --out "$runs/drumify-v2" --model drumify --epochs 20 --device cpu \
    --export models &
OMP_NUM_THREADS=1 groove train --data "$data" --out "$runs/fills-v2" --model fills --epochs 60 --device cpu \
    --export models &
wait
OMP_NUM_THREADS=1 groove train --data "$data" --out "$runs/decorate" --model decorate --epochs 30 --device cpu \
    --export models
