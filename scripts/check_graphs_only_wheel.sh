#!/usr/bin/env bash
# The wheel ships the ONNX graphs and no .pt file: torch (GROOVE_RUNTIME=torch, as --device cuda
# runs) rebuilds the bundled models from the graphs, and every mode writes the bytes a checkout's
# .pt files give on torch, same seeds. Prints the wheel's size and one line per mode. Run from the
# repository, with torch and onnx installed.
set -euo pipefail
repo=$(pwd)
work=$(mktemp -d)
pip wheel --no-deps --no-build-isolation -q -w "$work/wheel" .
ls -l "$work"/wheel/*.whl | awk '{printf "wheel: %.1f MB\n", $5 / 1e6}'
mkdir "$work/unpacked" && (cd "$work/unpacked" && python -m zipfile -e "$work"/wheel/*.whl .)
if ls "$work"/unpacked/groovecli/models/*.pt >/dev/null 2>&1; then echo "the wheel ships .pt files"; exit 1; fi
export GROOVE_RUNTIME=torch
ex=$repo/examples
run() {  # $1: where groovecli comes from, $2: output prefix
    cd "$work"
    PYTHONPATH=$1 groove humanize "$ex/funk.mid" -o "$2-add.mid" --seed 2 --notes add -q
    PYTHONPATH=$1 groove humanize "$ex/jazz.mid" -o "$2-auto.mid" --seed 4 --genre auto -q
    PYTHONPATH=$1 groove drumify "$ex/bassline.mid" -o "$2-drumify.mid" --seed 2 -q
    PYTHONPATH=$1 groove sample --genre funk -o "$2-sample.mid" --seed 2 -q
    PYTHONPATH=$1 groove fill "$ex/rock.mid" --bars 3:4 -o "$2-fill.mid" --seed 2 -q
}
run "$work/unpacked" graphs
run "$repo" checkout
for mode in add auto drumify sample fill; do
    if cmp -s "$work/graphs-$mode.mid" "$work/checkout-$mode.mid"; then echo "$mode: same bytes"; else echo "$mode: DIFFERENT"; fi
done
rm -rf "$work"
