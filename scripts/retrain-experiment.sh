#!/usr/bin/env bash
# Nguyen, Yosinski & Clune (CVPR 2015), section 3.3, with fooltest's demo
# LeNet: retrain with an extra "fooling images" class and search again.
#
#   scripts/retrain-experiment.sh [OUT_DIR]     (default /tmp/fooltest-retrain)
#
# Round 0 is the embedded demo LeNet (internal/demo/lenet.onnx). For round
# r = 1..ROUNDS:
#   1. collect: search round r-1's model on the digit classes 0-9 once per
#      collection seed with --export-dataset; every fooled class leaves one
#      fooling image in that run's dataset/ folder;
#   2. train:   scripts/retrain-fooling.py trains round r's 11-class model on
#      MNIST plus every fooling image collected so far (rounds 0..r-1);
#   3. judge:   fooltest run --model round_r --baseline round_{r-1} (and, from
#      round 2, --baseline round_0), both searched on classes 0-9 with the
#      same settings; the exit code is the regression gate's verdict;
#   4. score:   each round's own score with the same settings, no baseline.
# results.md in OUT_DIR is the table; everything else there is raw output.
# fooltest's --baseline only compares models with the same number of
# classes, so round 0 is judged against the 11-class rounds as
# round0-11.onnx: the demo LeNet with an 11th output of probability 0
# (retrain-fooling.py --pad), whose search is checked to be the demo's.
# A rerun with the same OUT_DIR reuses the collected datasets and trained
# models it finds there; delete OUT_DIR to start over.
#
# Environment (defaults in brackets):
#   FOOLTEST [/tmp/fooltest-i15]  ROUNDS [2]  SEEDS [200] collection runs per round
#   COLLECT_EVALS [20000]  COLLECT_THRESHOLD [0.99]
#   JUDGE_EVALS [20000]  REPEATS [5]  JUDGE_SEED [1]  EPOCHS [3]
#   ONNXRUNTIME_LIB [/work/main/third_party/onnxruntime/lib/libonnxruntime.so]
# All fooltest runs use --threads 1 and --max-evals (with a --budget far
# above what they need), which makes them reproducible.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=${1:-/tmp/fooltest-retrain}
FOOLTEST=${FOOLTEST:-/tmp/fooltest-i15}
ROUNDS=${ROUNDS:-2}
SEEDS=${SEEDS:-200}
COLLECT_EVALS=${COLLECT_EVALS:-20000}
COLLECT_THRESHOLD=${COLLECT_THRESHOLD:-0.99}
JUDGE_EVALS=${JUDGE_EVALS:-20000}
REPEATS=${REPEATS:-5}
JUDGE_SEED=${JUDGE_SEED:-1}
EPOCHS=${EPOCHS:-3}
BUDGET=${BUDGET:-20m}
export ONNXRUNTIME_LIB=${ONNXRUNTIME_LIB:-/work/main/third_party/onnxruntime/lib/libonnxruntime.so}
PY=/usr/bin/python3

mkdir -p "$out"
out=$(cd "$out" && pwd)
case "$out/" in
"$repo"/*) echo "retrain-experiment: $out is inside the repository; give a folder outside it" >&2; exit 2 ;;
esac
[ "$ROUNDS" -ge 1 ] || { echo "retrain-experiment: ROUNDS must be >= 1" >&2; exit 2; }
log=$out/commands.log
echo "# $(date -u +%FT%TZ): $0 $out" >>"$log"

# run CMD...: logs the command line, then runs it.
run() {
	printf '%q ' "$@" >>"$log"
	echo >>"$log"
	"$@"
}

# The searches that judge and score a round: digit classes only, so that
# the fooling class of a retrained model is never a target.
judge_flags=(--classes 0-9 --max-evals "$JUDGE_EVALS" --repeats "$REPEATS" --seed "$JUDGE_SEED"
	--threads 1 --budget "$BUDGET" --format json --quiet)

cp "$repo/internal/demo/lenet.onnx" "$out/round0.onnx"
run "$PY" "$repo/scripts/retrain-fooling.py" --evaluate "$out/round0.onnx" --metrics "$out/round0.train.json"
run "$PY" "$repo/scripts/retrain-fooling.py" --pad "$out/round0.onnx" "$out/round0-11.onnx"
for m in round0 round0-11; do
	run "$FOOLTEST" run --model "$out/$m.onnx" "${judge_flags[@]}" --fail-on never \
		--report-dir "$out/score-$m" >"$out/score-$m.log" 2>&1
done
# The padded model must be searched exactly like the demo.
"$PY" - "$out" <<'EOF'
import json, sys
a, b = (json.load(open(f"{sys.argv[1]}/score-{m}/report.json")) for m in ("round0", "round0-11"))
key = lambda r: [(c["index"], c.get("evaluations_to_threshold"), c["confidence"]) for c in r["classes"]]
if a["score"] != b["score"] or key(a) != key(b):
    sys.exit("round0-11.onnx is not searched like round0.onnx")
EOF

# model R: the file that stands for round R in a comparison.
model() {
	if [ "$1" -eq 0 ]; then echo "$out/round0-11.onnx"; else echo "$out/round$1.onnx"; fi
}

datasets=()
for r in $(seq 1 "$ROUNDS"); do
	prev=$((r - 1))
	echo "== round $r: collecting fooling images of round $prev ($SEEDS searches)"
	for i in $(seq 1 "$SEEDS"); do
		# Collection seeds are 1000*r + i, apart from the judging seeds.
		seed=$((1000 * r + i))
		dir=$out/collect-round$prev/seed-$seed
		mkdir -p "$out/collect-round$prev"
		datasets+=(--dataset "$dir/dataset")
		[ -f "$dir/dataset/labels.csv" ] && continue
		rc=0
		run "$FOOLTEST" run --model "$out/round$prev.onnx" --classes 0-9 \
			--threshold "$COLLECT_THRESHOLD" --max-evals "$COLLECT_EVALS" --seed "$seed" \
			--threads 1 --budget "$BUDGET" --export-dataset --format json,dataset --fail-on never \
			--quiet --report-dir "$dir" >"$dir.log" 2>&1 || rc=$?
		if [ "$rc" -ne 0 ]; then
			echo "collection run $dir failed with exit $rc; see $dir.log" >&2
			exit 1
		fi
	done
	if [ -f "$out/round$r.onnx" ] && [ -f "$out/round$r.train.json" ]; then
		echo "== round $r: reusing $out/round$r.onnx"
	else
		echo "== round $r: training"
		run "$PY" "$repo/scripts/retrain-fooling.py" "$out/round$r.onnx" "${datasets[@]}" \
			--epochs "$EPOCHS" --metrics "$out/round$r.train.json" 2>&1 | tee "$out/round$r.train.log"
		[ "${PIPESTATUS[0]}" -eq 0 ] || exit 1
	fi

	echo "== round $r: judging"
	run "$FOOLTEST" run --model "$out/round$r.onnx" "${judge_flags[@]}" --fail-on never \
		--report-dir "$out/score-round$r" >"$out/score-round$r.log" 2>&1
	bases=("$prev")
	[ "$prev" -ne 0 ] && bases+=(0)
	for b in "${bases[@]}"; do
		rc=0
		run "$FOOLTEST" run --model "$out/round$r.onnx" --baseline "$(model "$b")" \
			"${judge_flags[@]}" --report-dir "$out/judge-round$r-vs-round$b" \
			>"$out/judge-round$r-vs-round$b.log" 2>&1 || rc=$?
		echo "$rc" >"$out/judge-round$r-vs-round$b.rc"
		echo "round $r vs round $b: exit $rc"
	done
done

run "$PY" - "$out" "$ROUNDS" "$JUDGE_EVALS" "$REPEATS" "$JUDGE_SEED" <<'EOF' | tee "$out/results.md"
import json, os, sys
out, rounds, evals, repeats, seed = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
def load(p):
    with open(os.path.join(out, p)) as f:
        return json.load(f)
def fooled(rep):
    return sum(1 for c in rep.get("classes", []) if c.get("fooled"))
print(f"Scores: `--classes 0-9 --max-evals {evals} --repeats {repeats} --seed {seed} --threads 1` "
      "(higher = harder to fool; 0 = every class fooled at the first evaluation, 1 = none within the budget).\n")
print("| round | MNIST test accuracy | fooling images used (distinct) | score | fooled classes | median evals to 0.99 | vs previous round: change, difference, p, exit | vs round 0: change, difference, p, exit |")
print("|---|---|---|---|---|---|---|---|")
def verdict(r, b):
    if r == 0 or b < 0:
        return "—"
    rep = load(f"judge-round{r}-vs-round{b}/report.json")
    rc = open(os.path.join(out, f"judge-round{r}-vs-round{b}.rc")).read().strip()
    base = rep.get("baseline", {})
    return (f"{base.get('change', '?')}, {base.get('score_difference', float('nan')):+.3f}, "
            f"p={base.get('p_value', float('nan')):.3g}, exit {rc}"
            + (" (regression)" if base.get("regression") else ""))
for r in range(rounds + 1):
    t = load(f"round{r}.train.json")
    s = load(f"score-round{r}/report.json")
    used = t.get("fooling_images_distinct", 0)
    print(f"| {r} | {t['test_accuracy']:.2%} | {used} | {s['score']:.3f} | {fooled(s)}/10 | "
          f"{s.get('median_evaluations_to_threshold', '—')} | {verdict(r, r - 1)} | "
          f"{verdict(r, 0) if r >= 2 else ('same as previous' if r == 1 else '—')} |")
EOF
echo "results: $out/results.md; commands: $log"
