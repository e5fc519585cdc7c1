#!/usr/bin/env bash
# Prints how many evaluations fooltest's searches need until every class of
# an MNIST classifier reaches a confidence threshold: the median over seeds
# for the paper's algorithm and fooltest's default, with each encoding, on
# the embedded LeNet and (when ../shared/models is present) the ONNX Model
# Zoo's mnist-8. Runs that hit the evaluation cap show ">cap".
#
# Evaluation counts are deterministic for a seed and a batch size, so they
# compare across machines where timings do not. The batch is pinned for that
# reason (models with a fixed batch, like mnist-8's 1, keep theirs).
#
# Usage: scripts/bench-search.sh
# Environment: SEEDS (5), CAP (100000), THRESHOLD (0.9999), BATCH (64),
# ENCODINGS ("direct cppn"), ALGORITHMS ("paper default").
set -euo pipefail

cd "$(dirname "$0")/.."
seeds=${SEEDS:-5}
cap=${CAP:-100000}
threshold=${THRESHOLD:-0.9999}
batch=${BATCH:-64}
encodings=${ENCODINGS:-direct cppn}
algorithms=${ALGORITHMS:-paper default}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
GOEXPERIMENT=${GOEXPERIMENT-simd} go build -o "$tmp/benchsearch" ./internal/attack/benchsearch

models=("embedded LeNet|demo|raw01")
zoo=../shared/models/mnist-zoo8/mnist-8.onnx
if [[ -f $zoo ]]; then
	models+=("mnist-zoo8|$zoo|raw01")
else
	echo "note: $zoo is absent; only the embedded LeNet is measured" >&2
fi

header="| model |"
rule="| --- |"
for enc in $encodings; do
	for alg in $algorithms; do
		header+=" $alg $enc |"
		rule+=" ---: |"
	done
done
echo "Evaluations until every class reaches $threshold (median of $seeds seeds, cap $cap, batch $batch)"
echo
echo "$header"
echo "$rule"
for m in "${models[@]}"; do
	IFS='|' read -r name path preset <<<"$m"
	row="| $name |"
	for enc in $encodings; do
		for alg in $algorithms; do
			log="$tmp/$alg-$enc.log"
			"$tmp/benchsearch" -model "$path" -preset "$preset" -algorithm "$alg" -encoding "$enc" \
				-seeds "$seeds" -max-evals "$cap" -threshold "$threshold" -batch "$batch" >"$log"
			med=$(sed -n 's/^median evaluations to all: //p' "$log")
			row+=" $med |"
			# Per-seed lines go to stderr, for the record.
			grep '^seed' "$log" | sed "s/^/$name $alg $enc: /" >&2
		done
	done
	echo "$row"
done
