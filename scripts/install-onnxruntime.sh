#!/usr/bin/env bash
# Installs the ONNX Runtime shared library that fooltest loads at run time.
#
#   scripts/install-onnxruntime.sh [--os linux|darwin] [--arch x64|arm64] [PREFIX]
#
# --os and --arch pick the library's system and CPU: the machine's own by
# default; --arch arm64 provisions a cross-compiled linux/arm64 image from an
# x86-64 build stage, and --os darwin fetches and checks macOS's library on
# any machine. PREFIX defaults to ./third_party/onnxruntime (git-ignored). The
# library ends up at PREFIX/lib/libonnxruntime.so, or
# PREFIX/lib/libonnxruntime.dylib on macOS. Every download is checked against
# a pinned sha256, and a prefix that already holds the right library is left
# alone, so the script is safe to run on every build.
#
# Provisioned: Linux x86-64 and arm64, macOS arm64 (Apple silicon). ONNX
# Runtime 1.29.0 publishes no macOS x86-64 library, in onnxruntime-node or as
# a release archive, so on an Intel Mac the script says so and stops.
#
# Sources, tried in order (FOOLTEST_ORT_SOURCE=npm|release forces one):
#   npm      npm pack onnxruntime-node@1.29.0 (reachable where only the npm
#            registry is); the archive and the library in it are both pinned.
#   release  the official GitHub release archive (curl), pinned too.
set -euo pipefail

ORT_VERSION=1.29.0
# sha256 of package/bin/napi-v6/linux/<arch>/libonnxruntime.so.1 in onnxruntime-node@1.29.0.
NPM_LIB_SHA256_linux_x64=89688f5cf51c7e31befbb7b9101bc027799009b18d1baa9a5b1146a72e69538d
NPM_LIB_SHA256_linux_arm64=a27d21126db312aa8f02f3d5eaebe466e991f51f469882e6d0407d5a8b64afda
# sha256 of package/bin/napi-v6/darwin/arm64/libonnxruntime.1.dylib in
# onnxruntime-node@1.29.0 (43,888,264 bytes; libonnxruntime.1.29.0.dylib there
# is the same file).
NPM_LIB_SHA256_darwin_arm64=3e4c63909e9fc6648c93c68741c1ccf1e3d89218dd1d6a7d4f3d629ffc7f9918
# sha256 of onnxruntime-node-1.29.0.tgz as the npm registry serves it.
NPM_TGZ_SHA256=cfdfb45ec4044b1fdca43e5d2e180fb6817e649ff8ad1e0dfc90e18e51b67037
# sha256 of the official release archives onnxruntime-linux-<x64|aarch64>-1.29.0.tgz,
# as the v1.29.0 release publishes them (11,082,880 bytes for x64).
RELEASE_TGZ_SHA256_linux_x64=c3fddc4f139a045b0c4902c57410f0694f1c2fdf9b6939fbe38b1aeae7cd14ba
RELEASE_TGZ_SHA256_linux_arm64=e1799098ebc054b370f6176a450f158720f297818c613e5dc99b92e2ec82346f
# sha256 of onnxruntime-osx-arm64-1.29.0.tgz from the v1.29.0 release, pinned
# without downloading it: it is the value that several independent projects
# pin for that asset, projects that pin the two Linux values above too. A wrong
# pin only makes this fallback refuse the archive; the npm source comes first.
RELEASE_TGZ_SHA256_darwin_arm64=d0706fc34f315d8c88639d0a8c81f2e09e815f282cabed3493c06a054352cf92

log() { echo "install-onnxruntime: $*" >&2; }

# sha256sum is GNU's; macOS has shasum instead.
sha() {
  if command -v sha256sum >/dev/null; then
    sha256sum "$1" | cut -d' ' -f1
  else
    shasum -a 256 "$1" | cut -d' ' -f1
  fi
}

os= arch=
case "$(uname -s)" in
  Linux) os=linux ;;
  Darwin) os=darwin ;;
esac
case "$(uname -m)" in
  x86_64) arch=x64 ;;
  aarch64 | arm64) arch=arm64 ;;
esac
while [ $# -gt 0 ]; do
  case "$1" in
    --os) os=${2:-}; shift 2 || shift ;;
    --arch) arch=${2:-}; shift 2 || shift ;;
    *) break ;;
  esac
done
case "$os/$arch" in
  linux/x64 | linux/arm64 | darwin/arm64) ;;
  darwin/x64) log "ONNX Runtime ${ORT_VERSION} publishes no macOS x86-64 library (neither onnxruntime-node nor the release has one); build ONNX Runtime ${ORT_VERSION} from source and set ONNXRUNTIME_LIB to its libonnxruntime.dylib"; exit 3 ;;
  /* | linux/ | darwin/) log "only Linux (x86-64, arm64) and macOS (arm64) are provisioned by this script; install ONNX Runtime ${ORT_VERSION} yourself and set ONNXRUNTIME_LIB"; exit 3 ;;
  linux/* | darwin/*) log "--arch must be x64 or arm64, not $arch"; exit 2 ;;
  *) log "--os must be linux or darwin, not $os"; exit 2 ;;
esac
npm_lib_sha256_var=NPM_LIB_SHA256_${os}_$arch
NPM_LIB_SHA256=${!npm_lib_sha256_var}
release_sha256_var=RELEASE_TGZ_SHA256_${os}_$arch
RELEASE_TGZ_SHA256=${!release_sha256_var}
if [ "$os" = darwin ]; then
  # The npm package's library and the one the release archive holds.
  npm_lib="package/bin/napi-v6/darwin/$arch/libonnxruntime.1.dylib"
  release_name="onnxruntime-osx-arm64-${ORT_VERSION}"
  release_lib="lib/libonnxruntime.${ORT_VERSION}.dylib"
  lib_name=libonnxruntime.dylib
  # A Linux library may share the prefix; its .arch stays x64 or arm64.
  tag=darwin-$arch
else
  npm_lib="package/bin/napi-v6/linux/$arch/libonnxruntime.so.1"
  case "$arch" in
    x64) release_name="onnxruntime-linux-x64-${ORT_VERSION}" ;;
    arm64) release_name="onnxruntime-linux-aarch64-${ORT_VERSION}" ;;
  esac
  release_lib="lib/libonnxruntime.so.${ORT_VERSION}"
  lib_name=libonnxruntime.so
  tag=$arch
fi
RELEASE_URL="https://github.com/microsoft/onnxruntime/releases/download/v${ORT_VERSION}/${release_name}.tgz"

root=$(cd "$(dirname "$0")/.." && pwd)
prefix=${1:-$root/third_party/onnxruntime}
lib="$prefix/lib/$lib_name"

# .arch is absent in prefixes installed before arm64 was provisioned: x64.
if [ -f "$lib" ] && [ -f "$prefix/lib/.sha256" ] && [ "$(sha "$lib")" = "$(cat "$prefix/lib/.sha256")" ] \
  && [ "$(cat "$prefix/lib/.arch" 2>/dev/null || echo x64)" = "$tag" ]; then
  log "ONNX Runtime ${ORT_VERSION} ($tag) already at $lib"
  echo "$lib"
  exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$prefix/lib"

from_npm() {
  command -v npm >/dev/null || { log "npm not found"; return 1; }
  (cd "$work" && npm pack --silent "onnxruntime-node@${ORT_VERSION}" >/dev/null) || return 1
  local tgz="$work/onnxruntime-node-${ORT_VERSION}.tgz"
  [ "$(sha "$tgz")" = "$NPM_TGZ_SHA256" ] || { log "checksum mismatch for $(basename "$tgz")"; return 1; }
  tar -xzf "$tgz" -C "$work" "$npm_lib"
  local so="$work/$npm_lib"
  [ "$(sha "$so")" = "$NPM_LIB_SHA256" ] || { log "checksum mismatch for $npm_lib"; return 1; }
  install -m 0644 "$so" "$lib.tmp"
}

from_release() {
  command -v curl >/dev/null || { log "curl not found"; return 1; }
  local tgz="$work/ort.tgz"
  curl -fsSL --retry 3 -o "$tgz" "$RELEASE_URL" || return 1
  [ "$(sha "$tgz")" = "$RELEASE_TGZ_SHA256" ] || { log "checksum mismatch for $RELEASE_URL"; return 1; }
  tar -xzf "$tgz" -C "$work"
  install -m 0644 "$work/$release_name/$release_lib" "$lib.tmp"
}

case "${FOOLTEST_ORT_SOURCE:-auto}" in
  npm) from_npm ;;
  release) from_release ;;
  auto) from_npm || from_release ;;
  *) log "FOOLTEST_ORT_SOURCE must be npm or release"; exit 2 ;;
esac || { log "could not fetch ONNX Runtime ${ORT_VERSION}; install it by hand and set ONNXRUNTIME_LIB"; exit 3; }

sha "$lib.tmp" > "$prefix/lib/.sha256"
echo "$tag" > "$prefix/lib/.arch"
mv "$lib.tmp" "$lib"
log "installed ONNX Runtime ${ORT_VERSION} ($tag) at $lib"
echo "$lib"
