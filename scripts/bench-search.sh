#!/usr/bin/env bash
# Prints how many evaluations fooltest's searches need until every class of
# a classifier reaches a confidence threshold: the median over seeds for the
# paper's algorithm and fooltest's default, with each encoding, on every
# model it finds: the embedded LeNet, the MNIST and CIFAR-10 models in
# ../shared/models (each with the preset its MODEL.md documents), and the
# harder variants scripts/train-variants.py trains into testdata/models,
# and public MNIST models from GitHub copied into the model cache (see the
# list below). A model that is absent is skipped with a note.
#
# MNIST models must bring every class to 0.9999, CIFAR-10 models to 0.99.
# mnist-tanh-ls, whose Tanh layer keeps every class below 0.99, gets a second
# row at 0.85, which a white-box gradient ascent takes every class past.
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
# ImageNet models (1000 classes) never get every class there, and one run
# takes minutes to hours, so they are measured only when NAME_PATTERN is
# given and names them (scripts/bench-search.sh imagenet): a second table
# counts the classes each run brings to 0.99 within IMAGENET_CAP
# evaluations, one cell per seed. They are MobileNetV2 int8 from
# ../shared/models and the float network scripts/dequantize-model.py
# derives from it into the model cache (absent until built; the note says
# how).
#
# Usage: scripts/bench-search.sh [NAME_PATTERN]
#   NAME_PATTERN (a grep -E pattern) limits the models measured.
# Environment: SEEDS (5), CAP (100000), BATCH (64), ENCODINGS ("direct"),
# ALGORITHMS ("paper default"), MNIST_THRESHOLD (0.9999),
# CIFAR_THRESHOLD (0.99), LOGDIR (none: per-seed lines go to stderr; set,
# each run's full output is kept there); for ImageNet models IMAGENET_SEEDS
# (1), IMAGENET_CAP (30000), IMAGENET_ENCODINGS ("both"), batch 8;
# FOOLTEST_MODEL_CACHE (~/.cache/fooltest-models) where derived models are.
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
imagenet_seeds=${IMAGENET_SEEDS:-1}
imagenet_cap=${IMAGENET_CAP:-30000}
imagenet_encodings=${IMAGENET_ENCODINGS:-both}
cache=${FOOLTEST_MODEL_CACHE:-$HOME/.cache/fooltest-models}

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
	"mnist-tanh-ls (ours), to 0.85|$own/mnist-tanh-ls.onnx|raw01|0.85"
	# Public MNIST models from GitHub, not in ../shared/models: copy each
	# file (repository, commit, path) to $cache/github/NAME.onnx to measure
	# it; docs/measurements.md ("Seven MNIST models from GitHub") has their
	# sha256 and why each preset.
	#   ccoltong1215-{lenet,custom,lenet-regulized}: ccoltong1215/simple-lenet5-torch-mnist
	#     3eaa251, lenet.onnx, custom.onnx, lenet_regulized.onnx
	#   michbogos-mnist: michbogos/mnist-experiments d770f8e, mnist.onnx
	#   ram6ces-mnist: ram6ces/mnist 4e006c0, mnist.onnx
	#   andreygermanov-mnist: AndreyGermanov/pytorch_onnx_exporter 17b3c36, mnist.onnx
	#   frenz86-mnist: Frenz86/mnistonnx 79ce015, mnist.onnx
	"ccoltong1215-lenet (GitHub)|$cache/github/ccoltong1215-lenet.onnx|mnist|$mnist_t"
	"ccoltong1215-custom (GitHub)|$cache/github/ccoltong1215-custom.onnx|mnist|$mnist_t"
	"ccoltong1215-lenet-regulized (GitHub)|$cache/github/ccoltong1215-lenet-regulized.onnx|mnist|$mnist_t"
	"michbogos-mnist (GitHub)|$cache/github/michbogos-mnist.onnx|mnist|$mnist_t"
	"ram6ces-mnist (GitHub)|$cache/github/ram6ces-mnist.onnx|mnist|$mnist_t"
	"andreygermanov-mnist (GitHub)|$cache/github/andreygermanov-mnist.onnx|raw01|$mnist_t"
	"frenz86-mnist (GitHub)|$cache/github/frenz86-mnist.onnx|raw255|$mnist_t"
	"cifar10-keras-anshaj|$shared/cifar10-keras-anshaj/cifar10_model.onnx|raw01|$cifar_t"
	"cifar10-resnet8-lawrence|$shared/cifar10-resnet8-lawrence/ic_raw.onnx|cifar10|$cifar_t"
	"cifar10-resnet8-int8-lawrence|$shared/cifar10-resnet8-int8-lawrence/ic_quantized_int8.onnx|cifar10|$cifar_t"
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

# name|path|how to get it when absent
imagenet_candidates=(
	"imagenet-mobilenetv2-int8|$shared/imagenet-mobilenetv2-int8/mobilenetv2-12-int8.onnx|"
	"imagenet-mobilenetv2-float (derived)|$cache/mobilenetv2-12-float.onnx|build it with /usr/bin/python3 scripts/dequantize-model.py $shared/imagenet-mobilenetv2-int8/mobilenetv2-12-int8.onnx"
)
imagenet=()
if [[ -n ${1:-} ]]; then
	for m in "${imagenet_candidates[@]}"; do
		IFS='|' read -r name path how <<<"$m"
		grep -qE -- "$pattern" <<<"$name" || continue
		if [[ ! -f $path ]]; then
			echo "note: $name ($path) is absent; skipped${how:+ ($how)}" >&2
			continue
		fi
		imagenet+=("$m")
	done
fi

if ((${#models[@]} > 0)); then
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
		unreachable=() same=() runs=0
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
				runs=$((runs + 1))
				[[ $un != none ]] && unreachable+=("$alg $enc: $un") && same+=("$un")
				# Per-seed lines go to stderr, for the record.
				grep -E '^(seed|  looks)' "$log" | sed "s/^/$name $alg $enc: /" >&2
			done
		done
		if ((${#unreachable[@]} == 0)); then
			row+=" none |"
		elif ((${#unreachable[@]} == runs)) && [[ $(printf '%s\n' "${same[@]}" | sort -u | wc -l) == 1 ]]; then
			# Every search saw the same: say it once.
			row+=" ${same[0]} |"
		else
			joined=$(printf '%s / ' "${unreachable[@]}")
			row+=" ${joined% / } |"
		fi
		echo "$row"
	done
fi

((${#imagenet[@]} > 0)) || exit 0
((${#models[@]} == 0)) || echo
echo "ImageNet: classes at 0.99 within $imagenet_cap evaluations (seeds $(seq -s ' / ' 1 "$imagenet_seeds"), batch 8)"
echo
header="| model | preset |"
rule="| --- | --- |"
for enc in $imagenet_encodings; do
	for alg in $algorithms; do
		header+=" $alg $enc |"
		rule+=" ---: |"
	done
done
echo "$header"
echo "$rule"
for m in "${imagenet[@]}"; do
	IFS='|' read -r name path _ <<<"$m"
	row="| $name | imagenet |"
	for enc in $imagenet_encodings; do
		for alg in $algorithms; do
			log="$tmp/run.log"
			if [[ -n $logdir ]]; then
				mkdir -p "$logdir"
				log="$logdir/$(printf '%s' "$name" | tr -c 'A-Za-z0-9-' '_')-$alg-$enc.log"
			fi
			"$tmp/benchsearch" -model "$path" -preset imagenet -algorithm "$alg" -encoding "$enc" \
				-seeds "$imagenet_seeds" -max-evals "$imagenet_cap" -threshold 0.99 -batch 8 >"$log"
			counts=$(sed -n 's/.*>=0\.99: \([0-9]*\),.*/\1/p' "$log" | paste -sd/ | sed 's|/| / |g')
			row+=" $counts |"
			grep -E '^(seed|  classes)' "$log" | sed "s/^/$name $alg $enc: /" >&2
		done
	done
	echo "$row"
done
