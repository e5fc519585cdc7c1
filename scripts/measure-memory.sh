#!/usr/bin/env bash
# Measures fooltest's memory on a 1000-class ImageNet-size run.
#
#   scripts/measure-memory.sh [BUDGET] [MODEL]
#
# BUDGET defaults to 300s; MODEL to ../shared/models/imagenet-mobilenetv2-int8.
# Prints the peak RSS that /usr/bin/time -v reports and the RSS sampled every
# 10 s from /proc, so growth over time shows (compare the 2-minute sample
# with the last one on a 10-minute run). Set REPORT_DIR to keep the reports.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
budget=${1:-300s}
model=${2:-$root/../shared/models/imagenet-mobilenetv2-int8/mobilenetv2-12-int8.onnx}
labels=$(dirname "$model")/../imagenet-labels/imagenet_classes.txt
[ -f "$model" ] || { echo "measure-memory: no model at $model" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "measure-memory: /usr/bin/time missing (apt-get install time)" >&2; exit 3; }

"$root/scripts/install-onnxruntime.sh" >/dev/null
(cd "$root" && GOEXPERIMENT=${GOEXPERIMENT-simd} go build -o bin/fooltest ./cmd/fooltest)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# REPORT_DIR keeps the run's reports (default: a temporary folder).
report=${REPORT_DIR:-$out/report}

/usr/bin/time -v -o "$out/time.txt" "$root/bin/fooltest" run --model "$model" --preset imagenet \
  --labels "$labels" --budget "$budget" --encoding both --report-dir "$report" --quiet \
  >"$out/stdout.txt" 2>"$out/stderr.txt" &
tpid=$!
# The fooltest process is the child of time.
sleep 1
pid=$(pgrep -P "$tpid" fooltest || true)
echo "elapsed_s rss_mib"
start=$(date +%s)
while kill -0 "$tpid" 2>/dev/null; do
  if [ -n "$pid" ] && [ -r "/proc/$pid/status" ]; then
    rss=$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
    [ -n "$rss" ] && echo "$(( $(date +%s) - start )) $(( rss / 1024 ))"
  fi
  sleep 10
done
wait "$tpid" || true
grep -E "Maximum resident set size|Elapsed \(wall" "$out/time.txt"
grep -E "^fooltest: (PASS|FAIL)" "$out/stdout.txt" || tail -3 "$out/stderr.txt"
