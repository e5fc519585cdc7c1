#!/usr/bin/env bash
# End-to-end test of the fooltest GitHub Action: builds the action's image
# from the Dockerfile and runs the action jobs of .github/workflows/ci.yml
# (the same jobs GitHub runs) through nektos/act on a private Docker daemon,
# then checks act's log, exit codes, annotations and the step summary.
#
#   sudo scripts/e2e-action.sh [JOB...]
#
# JOBs (default: all; real-model and docker-cli only when the model exists);
# all but docker-cli are jobs of ci.yml, whose other jobs (test, lint, image)
# need GitHub and are skipped under act:
#   docker-cli       the image as a plain CLI (docker run ... run --model)
#   demo-gate-fails  the embedded demo fails the gate: outputs, reports,
#                    annotations, summary, file ownership
#   report-only      fail-on: never keeps the step green, with warnings
#   invalid-inputs   four bad inputs each exit 2 with one error annotation
#   real-model       a third-party MNIST model, annotated by its repo path
#   merge-shards     three shards of the demo (a job matrix) upload their
#                    reports to act's artifact server; a job downloads and
#                    merges them
#
# Takes about 1 minute with a warm cache (merge-shards about 20s of it), and
# 12 to 20 minutes from nothing on 2 cores (the runner image about 2 of them).
# Edits under testdata/ and scripts/ leave the action image's build cached.
#
# What it sets up, and tears down again:
#   - Debian's docker.io engine (installed with apt-get when missing), started
#     as root on a private socket with no iptables rules and no bridge
#     (scripts/lib/dockerd.sh), so it leaves the host's network alone.
#     Containers use the host's network (act's default), and so does the
#     image build.
#   - the base images, by scripts/build-base-images.sh (local stand-ins where
#     Docker Hub is unreachable);
#   - the runner image act runs jobs in (ubuntu-latest), built from
#     testdata/e2e-runner/Dockerfile: debian:bookworm-slim with Node.js and
#     @actions/artifact from the npm registry, for the JavaScript steps;
#   - act ${ACT_VERSION}, built with `go install` into the cache;
#   - a copy of the working tree (tracked and untracked, not ignored files)
#     that act runs in, plus the third-party model FOOLTEST_E2E_MODEL (default
#     ../shared/models/mnist-zoo8/mnist-8.onnx) in its e2e-models/ folder;
#     models are never copied into the repository itself.
#
# act builds a local docker action (`uses: ./`) through the daemon's API
# without a network, which cannot fetch the Go modules and packages the
# Dockerfile needs; so this script builds the image the same way with
# `docker build --network host`, under the tag act looks for, and act runs it
# (--rebuild=false). Everything else, from inputs to outputs, is act's.
#
# actions/upload-artifact and actions/download-artifact (merge-shards)
# live on GitHub, which act cannot reach here to clone them, and npm carries
# no build of them. act runs them from testdata/actions instead
# (--local-repository): stand-ins that call the same client library the
# real actions are built on, @actions/artifact 2, with the same inputs, so
# the reports do go through act's artifact server (--artifact-server-path)
# and back. They are NOT the real actions' code: what the real actions do
# beyond the library (wildcards in path, hidden files, artifact-ids, other
# repositories' runs) is not exercised. actions/checkout is skipped by act.
#
# FOOLTEST_E2E_LOGS=DIR keeps the logs (dockerd, docker build, one per act
# job) in DIR; otherwise they go with the run's scratch folder.
#
# The daemon's data (images, build cache) and the tools stay in
# FOOLTEST_E2E_CACHE (default ~/.cache/fooltest-e2e), so later runs are
# fast; delete it to start from nothing.
set -euo pipefail

ACT_VERSION=${FOOLTEST_ACT_VERSION:-v0.2.89}
# The tag act gives the image of the action at the repository root.
ACTION_IMAGE="act-dockeraction:latest"
# The runner image's tag follows its Dockerfile, so an edit rebuilds it.
RUNNER_DOCKERFILE=testdata/e2e-runner/Dockerfile
WORKFLOW=.github/workflows/ci.yml
# The artifact actions ci.yml uses, run from stand-ins (see above).
UPLOAD_ARTIFACT=actions/upload-artifact@v7
DOWNLOAD_ARTIFACT=actions/download-artifact@v8

started=$(date +%s)
root=$(cd "$(dirname "$0")/.." && pwd)
cache=${FOOLTEST_E2E_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/fooltest-e2e}
export FOOLTEST_E2E_CACHE=$cache
model=${FOOLTEST_E2E_MODEL:-$root/../shared/models/mnist-zoo8/mnist-8.onnx}

log() { echo "e2e-action: $*" >&2; }
die() { log "FAIL: $*"; exit 1; }
elapsed() { echo "$(($(date +%s) - $1))s"; }

[ "$(id -u)" = 0 ] || die "run as root: the script starts its own Docker daemon"
command -v go >/dev/null || die "go is needed to build act and fetch the Go toolchain"
command -v git >/dev/null || die "git is needed to copy the working tree"
missing=()
command -v dockerd >/dev/null || missing+=(docker.io)
command -v debootstrap >/dev/null || missing+=(debootstrap)
# shellcheck source=scripts/lib/packages.sh
. "$root/scripts/lib/packages.sh"
packages_install ${missing[@]+"${missing[@]}"} || die "the packages above are needed"

mkdir -p "$cache/bin"
exec 9>"$cache/lock"
flock -n 9 || die "another e2e run holds $cache/lock"

# Socket paths are limited to 108 bytes: keep the run folder short.
run=$(mktemp -d /tmp/fooltest-e2e.XXXXXX)
# shellcheck source=scripts/lib/dockerd.sh
. "$root/scripts/lib/dockerd.sh"
cleanup() {
  local rc=$?
  dockerd_stop
  if [ -n "${FOOLTEST_E2E_LOGS:-}" ]; then
    mkdir -p "$FOOLTEST_E2E_LOGS"
    cp "$run"/*.log "$FOOLTEST_E2E_LOGS"/ 2>/dev/null || true
  fi
  rm -rf "$run"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- the Docker daemon -----------------------------------------------------
log "starting dockerd (data in $cache/docker)"
dockerd_start "$cache" "$run" || die "could not start dockerd"

# --- images and tools ------------------------------------------------------
t=$(date +%s)
"$root/scripts/build-base-images.sh"
log "base images ready in $(elapsed "$t")"

runner_image=fooltest-e2e-runner:$(sha256sum "$root/$RUNNER_DOCKERFILE" | cut -c1-12)
if ! docker image inspect "$runner_image" >/dev/null 2>&1; then
  t=$(date +%s)
  log "building the runner image $runner_image"
  DOCKER_BUILDKIT=0 docker build --network host -t "$runner_image" "$(dirname "$root/$RUNNER_DOCKERFILE")" \
    >"$run/runner-build.log" 2>&1 || { tail -n 30 "$run/runner-build.log" >&2; die "building the runner image failed"; }
  # Earlier runner images only take space in the cache.
  docker images --format '{{.Repository}}:{{.Tag}}' fooltest-e2e-runner | grep -vxF "$runner_image" | xargs -r docker rmi >/dev/null 2>&1 || true
  log "runner image built in $(elapsed "$t")"
fi

act=$cache/bin/act-$ACT_VERSION
if [ ! -x "$act" ]; then
  log "building act $ACT_VERSION"
  GOBIN="$run/gobin" GOFLAGS=-mod=mod go install "github.com/nektos/act@$ACT_VERSION"
  mv "$run/gobin/act" "$act"
fi

# --- the workspace act runs in ---------------------------------------------
repo=$run/repo
mkdir -p "$repo"
(cd "$root" && git ls-files -z -c -o --exclude-standard | tar --null --no-recursion --ignore-failed-read -T - -cf -) \
  | tar -C "$repo" -xf -
jobs=("$@")
if [ ${#jobs[@]} -eq 0 ]; then
  jobs=(demo-gate-fails report-only invalid-inputs merge-shards)
  if [ -f "$model" ]; then
    jobs=(docker-cli "${jobs[@]}" real-model)
  else
    log "no model at $model: skipping the docker-cli and real-model jobs"
  fi
fi
if [[ " ${jobs[*]} " == *" real-model "* || " ${jobs[*]} " == *" docker-cli "* ]]; then
  [ -f "$model" ] || die "real-model and docker-cli need $model (set FOOLTEST_E2E_MODEL)"
  mkdir -p "$repo/e2e-models"
  cp "$model" "$repo/e2e-models/mnist-8.onnx"
fi

# --- the action's image ----------------------------------------------------
t=$(date +%s)
log "building the action image from the Dockerfile"
# The classic builder does not set BuildKit's platform arguments.
DOCKER_BUILDKIT=0 docker build --network host --build-arg BUILDPLATFORM=linux/amd64 -t "$ACTION_IMAGE" "$repo" >"$run/build.log" 2>&1 \
  || { tail -n 30 "$run/build.log" >&2; die "docker build failed"; }
build_time=$(elapsed "$t")
log "image built in $build_time"

# --- the workflow ----------------------------------------------------------
mkdir -p "$run/home"
# ci.yml skips what needs GitHub when the event says act.
echo '{"act": true}' >"$run/event.json"
# run_act JOB [ACT FLAGS...] runs one job (and the jobs it needs), logging
# to $run/act-JOB.log, and returns act's exit status.
run_act() {
  local job=$1 t rc=0
  shift
  t=$(date +%s)
  (cd "$repo" && HOME="$run/home" XDG_CONFIG_HOME="$run/home/.config" XDG_CACHE_HOME="$run/home/.cache" \
    "$act" push -W "$WORKFLOW" -j "$job" -P "ubuntu-latest=$runner_image" -e "$run/event.json" \
    --pull=false --rebuild=false --container-daemon-socket - \
    --local-repository "$UPLOAD_ARTIFACT=$repo/testdata/actions/upload-artifact" \
    --local-repository "$DOWNLOAD_ARTIFACT=$repo/testdata/actions/download-artifact" \
    --artifact-server-path "$run/artifacts" "$@") >"$run/act-$job.log" 2>&1 || rc=$?
  log "act -j $job: exit $rc in $(elapsed "$t")"
  return "$rc"
}

failures=0
# expect JOB MESSAGE COMMAND...: records a failed expectation about JOB when
# COMMAND fails.
expect() {
  local job=$1 msg=$2
  shift 2
  if ! "$@"; then
    log "FAIL [$job]: $msg"
    failures=$((failures + 1))
  fi
}
# count JOB TEXT and count_re JOB REGEX print how many lines of JOB's log
# hold TEXT or match REGEX.
count() { grep -cF -- "$2" "$run/act-$1.log" || true; }
count_re() { grep -cE -- "$2" "$run/act-$1.log" || true; }
# show JOB prints a job's log, less act's complaints that the copied tree
# is no git repository.
show() {
  log "--- log of $1 ---"
  grep -vE 'not located inside a git repository|unable to get git (ref|revision)' "$run/act-$1.log" | sed 's/^/    /' >&2
}
# summary_shown JOB: the step summary act printed starts like the report.md
# the job's check step read.
summary_shown() {
  local first
  first=$(grep -oE "$1 summary starts: .*" "$run/act-$1.log" | head -n 1 | sed 's/.*summary starts: //')
  [ -n "$first" ] && grep -qF -- "Summary - $first" "$run/act-$1.log"
}
# annotations_ok JOB: between 1 and 10 class annotations, as GitHub shows
# at most 10 errors per step.
annotations_ok() {
  local n
  n=$(count_re "$1" '::error .*title=fooltest%3A (class|more)')
  [ "$n" -ge 1 ] && [ "$n" -le 10 ]
}
# on_model JOB FILE: every class annotation points at FILE, line 1.
on_model() {
  local all on
  all=$(count_re "$1" '::(error|warning) .*title=fooltest%3A (class|more)')
  on=$(($(count "$1" "::error file=$2,line=1,title=fooltest%3A") + $(count "$1" "::warning file=$2,line=1,title=fooltest%3A")))
  [ "$all" -ge 1 ] && [ "$on" = "$all" ]
}

for job in "${jobs[@]}"; do
  before=$failures
  rc=0
  # Every job but docker-cli is a job of the workflow.
  [ "$job" = docker-cli ] || run_act "$job" || rc=$?
  case "$job" in
  docker-cli)
    # The image as a plain CLI, outside Actions: arguments, a mounted
    # folder, no network.
    cli=$run/cli
    mkdir -p "$cli"
    cp "$repo/e2e-models/mnist-8.onnx" "$cli/"
    docker run --rm --network none -v "$cli:/work" "$ACTION_IMAGE" \
      run --model mnist-8.onnx --budget 5s --fail-on never --report-dir report >"$run/act-$job.log" 2>&1 || rc=$?
    docker run --rm --network none "$ACTION_IMAGE" version >>"$run/act-$job.log" 2>&1 || rc=$?
    log "docker run $ACTION_IMAGE: exit $rc"
    expect "$job" "docker run exited $rc" [ "$rc" = 0 ]
    expect "$job" "no report.json in the mounted folder" [ -s "$cli/report/report.json" ]
    expect "$job" "no junit.xml in the mounted folder" [ -s "$cli/report/junit.xml" ]
    expect "$job" "the image does not load ONNX Runtime 1.29.0" grep -q "^ONNX Runtime 1.29.0" "$run/act-$job.log"
    expect "$job" "a plain CLI run printed workflow commands" [ "$(count_re "$job" '^::')" = 0 ]
    ;;
  demo-gate-fails)
    expect "$job" "act exited $rc" [ "$rc" = 0 ]
    expect "$job" "the check step did not see a failed gate" \
      [ "$(count "$job" "demo-gate-fails outcome=failure verdict=fail")" = 1 ]
    expect "$job" "not 1 to 10 error annotations for fooled classes" annotations_ok "$job"
    expect "$job" "no notice about the demo model" [ "$(count "$job" "::notice::fooltest ran its embedded demo model")" = 1 ]
    expect "$job" "no step summary with the report" summary_shown "$job"
    ;;
  report-only)
    expect "$job" "act exited $rc" [ "$rc" = 0 ]
    expect "$job" "the check step did not see a failed gate" [ "$(count_re "$job" "report-only verdict=fail fooled=[1-9]")" = 1 ]
    expect "$job" "a report-only run made error annotations" [ "$(count "$job" "::error")" = 0 ]
    expect "$job" "a report-only run made no warnings for fooled classes" \
      [ "$(count "$job" "::warning title=fooltest%3A class ")" -ge 1 ]
    expect "$job" "no step summary with the report" summary_shown "$job"
    ;;
  invalid-inputs)
    # Each of the four matrix jobs fails its action step, so act fails.
    expect "$job" "act exited 0 though every case must fail" [ "$rc" != 0 ]
    expect "$job" "not every bad input exited 2" [ "$(count "$job" "exit with \`FAILURE\`: 2")" = 4 ]
    expect "$job" "a step exited with a code other than 2" [ "$(count_re "$job" "exit with \`FAILURE\`|exitcode '")" = 4 ]
    expect "$job" "not every bad input made one invalid-input annotation" \
      [ "$(count "$job" "::error title=fooltest%3A invalid input::")" = 4 ]
    expect "$job" "not every failed step set the verdict output to error" \
      [ "$(count_re "$job" "invalid-inputs case=[a-z-]+ verdict=error")" = 4 ]
    ;;
  real-model)
    expect "$job" "act exited $rc" [ "$rc" = 0 ]
    line=$(grep -oE 'real-model outcome=[a-z]+ verdict=[a-z]+ fooled=[0-9]+' "$run/act-$job.log" | head -n 1 || true)
    expect "$job" "the check step printed no result" [ -n "$line" ]
    fooled=$(echo "$line" | sed -n 's/.*fooled=//p')
    if [ "${fooled:-0}" -gt 0 ]; then
      expect "$job" "class annotations do not all point at e2e-models/mnist-8.onnx, line 1" \
        on_model "$job" e2e-models/mnist-8.onnx
    fi
    log "real-model: ${line:-no result}"
    ;;
  merge-shards)
    expect "$job" "act exited $rc" [ "$rc" = 0 ]
    expect "$job" "not three shards ran the action" [ "$(count_re "$job" "shard +[1-3] of 3: [0-9]+ of the 10 target classes")" = 3 ]
    expect "$job" "not three shard reports uploaded to the artifact server" \
      [ "$(count_re "$job" "Artifact fooltest-shard-[1-3] has been successfully uploaded")" = 3 ]
    expect "$job" "the merge job did not download the three shard reports" \
      [ "$(count_re "$job" "Downloading artifact fooltest-shard-[1-3] .* to .*/shards/fooltest-shard-[1-3]$")" = 3 ]
    expect "$job" "the check step did not see the merged result" \
      [ "$(count_re "$job" "merge-shards verdict=fail fooled=[1-9][0-9]* targets=10")" = 1 ]
    expect "$job" "no step summary with the merged report" summary_shown "$job"
    ;;
  *) die "unknown job $job" ;;
  esac
  if [ "$failures" != "$before" ]; then show "$job"; fi
done

size=$(docker image inspect -f '{{.Size}}' "$ACTION_IMAGE")
log "action image $ACTION_IMAGE: $((size / 1000 / 1000)) MB (built in $build_time)"
log "total time $(elapsed "$started")"
[ "$failures" = 0 ] || die "$failures expectation(s) failed"
log "PASS: ${jobs[*]}"
