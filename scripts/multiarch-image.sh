#!/usr/bin/env bash
# The release image for linux/amd64 and linux/arm64, built, run and pushed
# here the way .github/workflows/release.yml does it on GitHub:
#
#   sudo scripts/multiarch-image.sh
#
#   1. builds the Dockerfile for both platforms in one Buildx build (arm64 is
#      cross-compiled in an amd64 build stage; QEMU only runs the arm64
#      runtime stage's apt-get), with BuildKit's provenance attestation;
#   2. pushes it as one index to a registry on 127.0.0.1;
#   3. pulls each platform by the index's digest and runs `fooltest version`
#      and the embedded demo in it (arm64 under QEMU), checking the CPU it
#      runs on, the ONNX Runtime it loads, the demo's exit code and report;
#   4. prints each platform's image size (compressed in the registry and
#      unpacked) and the time of `docker run --rm IMAGE version` with the
#      image in place (the best of five).
#
# What it sets up, and tears down again:
#   - the private Docker engine of scripts/e2e-action.sh (scripts/lib/dockerd.sh)
#     with the same cache, to run the images;
#   - QEMU user emulation for arm64: Debian's qemu-user-static, registered
#     with binfmt_misc (fix-binary mode, so it works inside containers) unless
#     it already is; the registration, and the binfmt_misc mount, are removed
#     again when this script made them;
#   - a registry on 127.0.0.1 (go-containerregistry's, `crane registry
#     serve`) holding the base images and the result; crane pushes and
#     inspects;
#   - BuildKit's buildkitd on a private socket, running build steps with runc
#     in the host's network, with the registry as its Docker Hub mirror, and
#     Buildx as a Docker CLI plugin in a private DOCKER_CONFIG (remote driver:
#     this buildkitd, so no BuildKit image is needed);
#   - the base images: scripts/build-base-images.sh provides
#     golang:1.26-bookworm and debian:bookworm-slim for amd64, and an arm64
#     debian:bookworm-slim root file system (debootstrap, second stage under
#     QEMU); this script pushes them to the registry, debian as a
#     two-platform index.
# Buildx, buildkitd, buildctl and crane, pinned in internal/tools/citools, are
# built from the Go module proxy into the cache (FOOLTEST_E2E_CACHE, default ~/.cache/fooltest-e2e), which
# also keeps BuildKit's build cache, so later runs rebuild only what changed.
#
# Not checked here: the SBOM attestation, which needs BuildKit's SBOM scanner
# image from Docker Hub (release.yml adds it on GitHub).
#
# FOOLTEST_E2E_LOGS=DIR keeps the logs (dockerd, buildkitd, registry, build).
set -euo pipefail

PLATFORMS=(linux/amd64 linux/arm64)
# The image as release.yml names it, in the local registry.
REPOSITORY=fooltest/fooltest

started=$(date +%s)
root=$(cd "$(dirname "$0")/.." && pwd)
cache=${FOOLTEST_E2E_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/fooltest-e2e}
export FOOLTEST_E2E_CACHE=$cache

log() { echo "multiarch-image: $*" >&2; }
die() { log "FAIL: $*"; exit 1; }
elapsed() { echo "$(($(date +%s) - $1))s"; }

[ "$(id -u)" = 0 ] || die "run as root: the script starts a Docker daemon and buildkitd and registers QEMU with binfmt_misc"
command -v go >/dev/null || die "go is needed to build Buildx, BuildKit and crane"
[ "$(uname -m)" = x86_64 ] || die "this script builds on x86-64 and emulates arm64"
missing=()
command -v dockerd >/dev/null || missing+=(docker.io)
command -v runc >/dev/null || missing+=(runc)
command -v debootstrap >/dev/null || missing+=(debootstrap)
[ -x /usr/bin/qemu-aarch64-static ] || missing+=(qemu-user-static)
# shellcheck source=scripts/lib/packages.sh
. "$root/scripts/lib/packages.sh"
packages_install ${missing[@]+"${missing[@]}"} || die "the packages above are needed"

mkdir -p "$cache/bin"
exec 9>"$cache/lock"
flock -n 9 || die "another run holds $cache/lock"

# Socket paths are limited to 108 bytes: keep the run folder short.
run=$(mktemp -d /tmp/fooltest-ma.XXXXXX)
# shellcheck source=scripts/lib/dockerd.sh
. "$root/scripts/lib/dockerd.sh"
buildkitd_pid=
registry_pid=
binfmt_mounted=false
binfmt_registered=false
cleanup() {
  local rc=$?
  dockerd_stop
  for pid in $buildkitd_pid $registry_pid; do
    kill "$pid" 2>/dev/null || continue
    for _ in $(seq 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
  done
  # buildkitd can leave its executors' mounts under its root when stopped
  # mid-build.
  awk -v r="$run/" -v b="$cache/buildkit/" 'index($2, r) == 1 || index($2, b) == 1 { print $2 }' /proc/mounts \
    | sort -r | xargs -r -n1 umount -l
  if $binfmt_registered; then echo -1 >/proc/sys/fs/binfmt_misc/qemu-aarch64 || log "could not remove the qemu-aarch64 binfmt_misc entry"; fi
  if $binfmt_mounted; then umount /proc/sys/fs/binfmt_misc || log "could not unmount binfmt_misc"; fi
  if [ -n "${FOOLTEST_E2E_LOGS:-}" ]; then
    mkdir -p "$FOOLTEST_E2E_LOGS"
    cp "$run"/*.log "$FOOLTEST_E2E_LOGS"/ 2>/dev/null || true
  fi
  rm -rf "$run"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- tools ---------------------------------------------------------------------
t=$(date +%s)
# shellcheck source=scripts/lib/citools.sh
. "$root/scripts/lib/citools.sh"
citools_build "$cache/bin" buildx buildkitd buildctl crane || die "could not build the tools"
crane=$(citool "$cache/bin" crane)
buildx=$(citool "$cache/bin" buildx)
buildkitd=$(citool "$cache/bin" buildkitd)
buildctl=$(citool "$cache/bin" buildctl)
log "tools ready in $(elapsed "$t")"

# --- QEMU ----------------------------------------------------------------------
if ! mountpoint -q /proc/sys/fs/binfmt_misc; then
  mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc || die "cannot mount binfmt_misc"
  binfmt_mounted=true
fi
if [ ! -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]; then
  cat /usr/lib/binfmt.d/qemu-aarch64.conf >/proc/sys/fs/binfmt_misc/register || die "cannot register qemu-aarch64 with binfmt_misc"
  binfmt_registered=true
fi
# Fix-binary mode opens the emulator now, so containers need no copy of it.
grep -q '^flags: .*F' /proc/sys/fs/binfmt_misc/qemu-aarch64 || die "qemu-aarch64 is registered without the F flag: containers cannot find the emulator"
grep -qx enabled /proc/sys/fs/binfmt_misc/qemu-aarch64 || die "the qemu-aarch64 binfmt_misc entry is disabled"

# --- the Docker daemon, and the base images ----------------------------------------
log "starting dockerd (data in $cache/docker)"
dockerd_start "$cache" "$run" || die "could not start dockerd"
t=$(date +%s)
"$root/scripts/build-base-images.sh"
arm64_rootfs=$("$root/scripts/build-base-images.sh" --arm64-rootfs)
log "base images ready in $(elapsed "$t")"

# --- the registry -----------------------------------------------------------------
mkdir -p "$run/registry"
"$crane" registry serve --address 127.0.0.1:0 --disk "$run/registry" >"$run/registry.log" 2>&1 &
registry_pid=$!
port=
for _ in $(seq 50); do
  port=$(sed -nE 's/.*serving on port ([0-9]+).*/\1/p' "$run/registry.log" | head -n 1)
  [ -n "$port" ] && break
  kill -0 "$registry_pid" 2>/dev/null || { cat "$run/registry.log" >&2; die "the registry exited"; }
  sleep 0.2
done
[ -n "$port" ] || die "the registry did not start"
reg=127.0.0.1:$port
log "registry at $reg"

t=$(date +%s)
# push_local IMAGE REF pushes an image of the Docker daemon to the registry.
# Compressing its layers takes most of the time, so the pushed image is kept
# as an OCI layout in the cache, keyed by the image's ID, and pushed from
# there next time.
push_local() {
  local id layout
  id=$(docker image inspect -f '{{.Id}}' "$1")
  layout=$cache/base-images/oci/$(echo "$1" | tr ':/' '__')
  if [ -f "$layout/.image-id" ] && [ "$(cat "$layout/.image-id")" = "$id" ]; then
    "$crane" push --insecure "$layout" "$2" >/dev/null 2>>"$run/crane.log"
    return
  fi
  docker save -o "$run/image.tar" "$1"
  "$crane" push --insecure "$run/image.tar" "$2" >/dev/null 2>>"$run/crane.log"
  rm -rf "$run/image.tar" "$layout"
  mkdir -p "$(dirname "$layout")"
  "$crane" pull --insecure --format oci "$2" "$layout.tmp" 2>>"$run/crane.log" && echo "$id" >"$layout.tmp/.image-id" && mv "$layout.tmp" "$layout"
}
push_local golang:1.26-bookworm "$reg/library/golang:1.26-bookworm"
push_local debian:bookworm-slim "$reg/library/debian:bookworm-slim-amd64"
"$crane" append --insecure --oci-empty-base -f "$arm64_rootfs" -t "$reg/library/debian:bookworm-slim-arm64-rootfs" >/dev/null 2>>"$run/crane.log"
"$crane" mutate --insecure "$reg/library/debian:bookworm-slim-arm64-rootfs" --set-platform linux/arm64 \
  --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin --cmd bash \
  -t "$reg/library/debian:bookworm-slim-arm64" >/dev/null 2>>"$run/crane.log"
"$crane" index append --insecure -m "$reg/library/debian:bookworm-slim-amd64" -m "$reg/library/debian:bookworm-slim-arm64" \
  -t "$reg/library/debian:bookworm-slim" >/dev/null 2>>"$run/crane.log"
for p in "${PLATFORMS[@]}"; do
  "$crane" manifest --insecure "$reg/library/debian:bookworm-slim" | grep -q "\"architecture\": *\"${p#linux/}\"" \
    || die "the debian:bookworm-slim index has no $p image"
done
log "base images in the registry in $(elapsed "$t")"

# --- BuildKit and Buildx ----------------------------------------------------------
cat >"$run/buildkitd.toml" <<EOF
root = "$cache/buildkit"
[worker.oci]
  enabled = true
  platforms = [ "linux/amd64", "linux/arm64" ]
  gc = true
  # Enough for both platforms' layers and Go's caches of a few builds.
  gckeepstorage = "10GB"
[worker.containerd]
  enabled = false
# Docker Hub is the local registry: FROM golang and debian resolve there.
[registry."docker.io"]
  mirrors = [ "$reg" ]
[registry."$reg"]
  http = true
  insecure = true
EOF
"$buildkitd" --config "$run/buildkitd.toml" --addr "unix://$run/buildkitd.sock" \
  --oci-worker-net host --oci-worker-binary "$(command -v runc)" >"$run/buildkitd.log" 2>&1 &
buildkitd_pid=$!
buildctl=("$buildctl" --addr "unix://$run/buildkitd.sock")
for _ in $(seq 60); do
  "${buildctl[@]}" debug workers >/dev/null 2>&1 && break
  kill -0 "$buildkitd_pid" 2>/dev/null || { tail -n 20 "$run/buildkitd.log" >&2; die "buildkitd exited"; }
  sleep 0.5
done
"${buildctl[@]}" debug workers >/dev/null 2>&1 || { tail -n 20 "$run/buildkitd.log" >&2; die "buildkitd did not answer"; }

export DOCKER_CONFIG=$run/docker-config
mkdir -p "$DOCKER_CONFIG/cli-plugins"
ln -s "$buildx" "$DOCKER_CONFIG/cli-plugins/docker-buildx"
docker buildx create --name fooltest-multiarch --driver remote "unix://$run/buildkitd.sock" >/dev/null
docker buildx version >&2

# --- the build ---------------------------------------------------------------------
version=$(cd "$root" && git describe --tags --always --dirty 2>/dev/null || echo dev)
image=$reg/$REPOSITORY:$version
platforms=$(IFS=,; echo "${PLATFORMS[*]}")
t=$(date +%s)
log "building $platforms as $image"
docker buildx build --builder fooltest-multiarch --progress plain --platform "$platforms" \
  --build-arg "FOOLTEST_VERSION=$version" --provenance mode=max \
  --output "type=image,name=$image,push=true,registry.insecure=true" \
  "$root" >"$run/build.log" 2>&1 || { tail -n 40 "$run/build.log" >&2; die "docker buildx build failed"; }
build_time=$(elapsed "$t")
log "built and pushed in $build_time"

# --- pull by digest, run -----------------------------------------------------------
digest=$("$crane" digest --insecure "$image")
ref=$reg/$REPOSITORY@$digest
log "index $ref"
index=$("$crane" manifest --insecure "$ref")
echo "$index" | grep -q '"application/vnd.oci.image.index.v1+json"' || die "$ref is not an OCI image index"
echo "$index" | grep -q '"vnd.docker.reference.type": *"attestation-manifest"' || die "the index holds no provenance attestation"

failures=0
expect() {
  local msg=$1
  shift
  if ! "$@"; then
    log "FAIL: $msg"
    failures=$((failures + 1))
  fi
}
summary=()
for p in "${PLATFORMS[@]}"; do
  arch=${p#linux/}
  local_tag=fooltest-multiarch:$arch
  docker pull -q --platform "$p" "$ref" >/dev/null || die "docker pull --platform $p $ref failed"
  docker tag "$ref" "$local_tag"
  # A Docker engine without the containerd image store keeps one image per
  # reference: the next platform's pull needs the digest reference free.
  docker rmi "$ref" >/dev/null
  got=$(docker image inspect -f '{{.Os}}/{{.Architecture}}' "$local_tag")
  expect "pulled $got for $p" [ "$got" = "$p" ]
  machine=$(docker run --rm --platform "$p" --network none --entrypoint uname "$local_tag" -m)
  want=$([ "$arch" = arm64 ] && echo aarch64 || echo x86_64)
  expect "$p image runs on $machine, want $want" [ "$machine" = "$want" ]

  # Under QEMU the arm64 image reads the x86-64 host's sysfs CPU files,
  # which ONNX Runtime's CPU probe (cpuinfo) can crash on (a SIGSEGV in
  # dlopen on some virtual machines' kernels): an empty directory there
  # makes it fall back with a warning, as on an arm64 machine it never
  # needs to.
  emu=()
  [ "$arch" = arm64 ] && emu=(--tmpfs /sys/devices/system/cpu)
  out=$(docker run --rm --platform "$p" --network none "${emu[@]}" "$local_tag" version 2>&1) || true
  echo "$out" | sed "s/^/  [$arch] /" >&2
  expect "$p: version does not report $version" grep -qF "fooltest $version" <<<"$out"
  expect "$p: the image does not load ONNX Runtime 1.29.0" grep -q "^ONNX Runtime 1.29.0" <<<"$out"
  if [ "$arch" = amd64 ]; then
    expect "$p: the renderer has no AVX2 kernels" grep -q "AVX2" <<<"$out"
  fi

  # The embedded demo: every digit is foolable, so the gate fails (exit 1).
  demo=$run/demo-$arch
  mkdir -p "$demo"
  td=$(date +%s)
  rc=0
  docker run --rm --platform "$p" --network none "${emu[@]}" -v "$demo:/work" "$local_tag" run --quiet --budget 120s --report-dir report \
    >"$run/demo-$arch.log" 2>&1 || rc=$?
  demo_time=$(elapsed "$td")
  expect "$p: the demo exited $rc, want 1 (the gate fails)" [ "$rc" = 1 ]
  expect "$p: the demo wrote no report.json with the verdict fail" grep -Eq '"verdict": *"fail"' "$demo/report/report.json"
  fooled=$(grep -oE '"fooled": *[0-9]+' "$demo/report/report.json" | head -n 1 | grep -oE '[0-9]+$' || echo 0)
  expect "$p: the demo fooled no class" [ "${fooled:-0}" -gt 0 ]
  [ "$failures" = 0 ] || tail -n 20 "$run/demo-$arch.log" >&2

  # Start-up with the image in place: the best of five.
  best=
  for _ in 1 2 3 4 5; do
    t0=$(date +%s%N)
    docker run --rm --platform "$p" --network none "${emu[@]}" "$local_tag" version >/dev/null 2>&1
    ms=$((($(date +%s%N) - t0) / 1000000))
    if [ -z "$best" ] || [ "$ms" -lt "$best" ]; then best=$ms; fi
  done
  unpacked=$(docker image inspect -f '{{.Size}}' "$local_tag")
  compressed=$("$crane" manifest --insecure --platform "$p" "$ref" | grep -oE '"size": *[0-9]+' | grep -oE '[0-9]+$' | awk '{ s += $1 } END { print s }')
  summary+=("$p: $((compressed / 1000000)) MB compressed, $((unpacked / 1000000)) MB unpacked; docker run --rm IMAGE version ${best} ms (best of 5); demo ${demo_time} (fooled ${fooled})")
done

for line in "${summary[@]}"; do log "$line"; done
log "(sizes: compressed = the platform's layers and config in the registry; unpacked = docker image inspect)"
log "build (both platforms, push) $build_time; total $(elapsed "$started")"
[ "$failures" = 0 ] || die "$failures expectation(s) failed"
log "PASS: ${PLATFORMS[*]} built, pushed as one index, pulled by digest and run"
