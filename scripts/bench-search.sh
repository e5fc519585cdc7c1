#!/usr/bin/env bash
# Prints how many evaluations fooltest's searches need until every class of
# a classifier reaches a confidence threshold: the median over seeds for the
# paper's algorithm and fooltest's default, with each encoding, on every
# model it finds: the embedded LeNet, the MNIST and float CIFAR-10 models in
# ../shared/models (each with the preset its MODEL.md documents), and the
# harder variants scripts/train-variants.py trains into testdata/models.
# A model that is absent is skipped with a note.
#
# MNIST models must bring every class to 0.9999, CIFAR-10 models to 0.99.
# A class the search marks as looking unreachable (its confidence stopped
# far below the threshold against a ceiling the model's outputs show, or it
# is dead) does not count: a cell is then the evaluations until every other
# class reached the threshold, and the last column names such classes
# (those marked in most seeds, with the lowest ceiling seen). Runs that hit
# the evaluation cap show ">cap".
#
# Evaluation counts are deterministic for a seed and a generation unit, so
# they compare across machines where timings do not. The batch is pinned
# (models with a fixed batch keep theirs).
#
# Usage: scripts/bench-search.sh [NAME_PATTERN]
#   NAME_PATTERN (a grep -E pattern) limits the models measured.
# Environment: SEEDS (5), CAP (100000), BATCH (64), ENCODINGS ("direct"),
# ALGORITHMS ("paper default"), MNIST_THRESHOLD (0.9999),
# CIFAR_THRESHOLD (0.99), LOGDIR (none: per-seed lines go to stderr; set,
# each run's full output is kept there).
set -euo pipefail

cd "$(dirname "$0")/.."
seeds=${SEEDS:-5}
cap=${CAP:-100000}
batch=${BATCH:-64}
encodings=${ENCODINGS:-direct}
algorithms=${ALGORITHMS:-paper default}
mnist_t=${MNIST_THRESHOLD:-0.9999}
cifar_t=${CIFAR_THRESHOLD:-0.99}
pattern=${1:-.}
logdir=${LOGDIR:-}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
GOEXPERIMENT=${GOEXPERIMENT-simd} go build -o "$tmp/benchsearch" ./internal/tools/benchsearch

shared=../shared/models
own=testdata/models
# name|path|preset|threshold
candidates=(
	"embedded LeNet|demo|raw01|$mnist_t"
	"mnist-zoo8|$shared/mnist-zoo8/mnist-8.onnx|raw01|$mnist_t"
	"mnist-zoo12|$shared/mnist-zoo12/mnist-12.onnx|raw01|$mnist_t"
	"mnist-cnn-andrewrgarcia|$shared/mnist-cnn-andrewrgarcia/mnist_model.onnx|pm1|$mnist_t"
	"mnist-cnn-baskov|$shared/mnist-cnn-baskov/mnist-load.onnx|pm1|$mnist_t"
	"mnist-extdata-zuramai|$shared/mnist-extdata-zuramai/mnist.onnx|pm1|$mnist_t"
	"mnist-mlp-ohhmkar|$shared/mnist-mlp-ohhmkar/mnist.onnx|raw01|$mnist_t"
	"mnist-mlp-zackproser|$shared/mnist-mlp-zackproser/mnist_model.onnx|mnist|$mnist_t"
	"mnist-nhwc-wuhan-sm|$shared/mnist-nhwc-wuhan-sm/mnist-sm.onnx|raw01|$mnist_t"
	"mnist-flat-ls (ours)|$own/mnist-flat-ls.onnx|raw01|$mnist_t"
	"mnist-20px-norm (ours)|$own/mnist-20px-norm.onnx|raw255|$mnist_t"
	"mnist-tanh-ls (ours)|$own/mnist-tanh-ls.onnx|raw01|$mnist_t"
	"cifar10-keras-anshaj|$shared/cifar10-keras-anshaj/cifar10_model.onnx|raw01|$cifar_t"
	"cifar10-resnet8-lawrence|$shared/cifar10-resnet8-lawrence/ic_raw.onnx|cifar10|$cifar_t"
	"cifar10-tutorial-refrain7|$shared/cifar10-tutorial-refrain7/cifar_net.onnx|pm1|$cifar_t"
)
models=()
for m in "${candidates[@]}"; do
	IFS='|' read -r name path _ _ <<<"$m"
	grep -qE -- "$pattern" <<<"$name" || continue
	if [[ $path != demo && ! -f $path ]]; then
		echo "note: $name ($path) is absent; skipped" >&2
		continue
	fi
	models+=("$m")
done

header="| model | preset | threshold |"
rule="| --- | --- | ---: |"
for enc in $encodings; do
	for alg in $algorithms; do
		header+=" $alg $enc |"
		rule+=" ---: |"
	done
done
header+=" looks unreachable |"
rule+=" --- |"
echo "Evaluations until every class reaches the threshold (median of $seeds seeds, cap $cap, batch $batch)"
echo
echo "$header"
echo "$rule"
for m in "${models[@]}"; do
	IFS='|' read -r name path preset threshold <<<"$m"
	row="| $name | $preset | $threshold |"
	unreachable=()
	for enc in $encodings; do
		for alg in $algorithms; do
			log="$tmp/run.log"
			if [[ -n $logdir ]]; then
				mkdir -p "$logdir"
				log="$logdir/$(printf '%s' "$name" | tr -c 'A-Za-z0-9-' '_')-$alg-$enc.log"
			fi
			"$tmp/benchsearch" -model "$path" -preset "$preset" -algorithm "$alg" -encoding "$enc" \
				-seeds "$seeds" -max-evals "$cap" -threshold "$threshold" -batch "$batch" >"$log"
			med=$(sed -n 's/^median evaluations to all: //p' "$log")
			un=$(sed -n 's/^looks unreachable: //p' "$log")
			row+=" $med |"
			[[ $un != none ]] && unreachable+=("$alg $enc: $un")
			# Per-seed lines go to stderr, for the record.
			grep -E '^(seed|  looks)' "$log" | sed "s/^/$name $alg $enc: /" >&2
		done
	done
	if ((${#unreachable[@]} == 0)); then
		row+=" none |"
	else
		joined=$(printf '%s / ' "${unreachable[@]}")
		row+=" ${joined% / } |"
	fi
	echo "$row"
done
