#!/usr/bin/env bash
# Installs the ONNX Runtime shared library that fooltest loads at run time.
#
#   scripts/install-onnxruntime.sh [--arch x64|arm64] [PREFIX]
#
# --arch picks the library's CPU: the machine's own by default, arm64 to
# provision a cross-compiled linux/arm64 image from an x86-64 build stage.
# PREFIX defaults to ./third_party/onnxruntime (git-ignored). The library ends
# up at PREFIX/lib/libonnxruntime.so. Every download is checked against a
# pinned sha256, and a prefix that already holds the right library is left
# alone, so the script is safe to run on every build.
#
# Sources, tried in order (FOOLTEST_ORT_SOURCE=npm|release forces one):
#   npm      npm pack onnxruntime-node@1.29.0 (reachable where only the npm
#            registry is); the archive and the library in it are both pinned.
#   release  the official GitHub release archive (curl), pinned too.
set -euo pipefail

ORT_VERSION=1.29.0
# sha256 of package/bin/napi-v6/linux/<arch>/libonnxruntime.so.1 in onnxruntime-node@1.29.0.
NPM_LIB_SHA256_x64=89688f5cf51c7e31befbb7b9101bc027799009b18d1baa9a5b1146a72e69538d
NPM_LIB_SHA256_arm64=a27d21126db312aa8f02f3d5eaebe466e991f51f469882e6d0407d5a8b64afda
# sha256 of onnxruntime-node-1.29.0.tgz as the npm registry serves it.
NPM_TGZ_SHA256=cfdfb45ec4044b1fdca43e5d2e180fb6817e649ff8ad1e0dfc90e18e51b67037
# sha256 of the official release archives onnxruntime-linux-<x64|aarch64>-1.29.0.tgz,
# as the v1.29.0 release publishes them (11,082,880 bytes for x64).
RELEASE_TGZ_SHA256_x64=c3fddc4f139a045b0c4902c57410f0694f1c2fdf9b6939fbe38b1aeae7cd14ba
RELEASE_TGZ_SHA256_arm64=e1799098ebc054b370f6176a450f158720f297818c613e5dc99b92e2ec82346f

log() { echo "install-onnxruntime: $*" >&2; }
sha() { sha256sum "$1" | cut -d' ' -f1; }

arch=
case "$(uname -s)/$(uname -m)" in
  Linux/x86_64) arch=x64 ;;
  Linux/aarch64 | Linux/arm64) arch=arm64 ;;
esac
if [ "${1:-}" = --arch ]; then
  arch=${2:-}
  shift 2 || true
fi
case "$arch" in
  x64) release_arch=x64 ;;
  arm64) release_arch=aarch64 ;;
  "") log "only Linux x86-64 and arm64 are provisioned by this script; install ONNX Runtime ${ORT_VERSION} yourself and set ONNXRUNTIME_LIB"; exit 3 ;;
  *) log "--arch must be x64 or arm64, not $arch"; exit 2 ;;
esac
npm_lib_sha256_var=NPM_LIB_SHA256_$arch
NPM_LIB_SHA256=${!npm_lib_sha256_var}
release_sha256_var=RELEASE_TGZ_SHA256_$arch
RELEASE_TGZ_SHA256=${!release_sha256_var}
RELEASE_URL="https://github.com/microsoft/onnxruntime/releases/download/v${ORT_VERSION}/onnxruntime-linux-${release_arch}-${ORT_VERSION}.tgz"

root=$(cd "$(dirname "$0")/.." && pwd)
prefix=${1:-$root/third_party/onnxruntime}
lib="$prefix/lib/libonnxruntime.so"

# .arch is absent in prefixes installed before arm64 was provisioned: x64.
if [ -f "$lib" ] && [ -f "$prefix/lib/.sha256" ] && [ "$(sha "$lib")" = "$(cat "$prefix/lib/.sha256")" ] \
  && [ "$(cat "$prefix/lib/.arch" 2>/dev/null || echo x64)" = "$arch" ]; then
  log "ONNX Runtime ${ORT_VERSION} ($arch) already at $lib"
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
  tar -xzf "$tgz" -C "$work" "package/bin/napi-v6/linux/$arch/libonnxruntime.so.1"
  local so="$work/package/bin/napi-v6/linux/$arch/libonnxruntime.so.1"
  [ "$(sha "$so")" = "$NPM_LIB_SHA256" ] || { log "checksum mismatch for libonnxruntime.so.1"; return 1; }
  install -m 0644 "$so" "$lib.tmp"
}

from_release() {
  command -v curl >/dev/null || { log "curl not found"; return 1; }
  local tgz="$work/ort.tgz"
  curl -fsSL --retry 3 -o "$tgz" "$RELEASE_URL" || return 1
  [ "$(sha "$tgz")" = "$RELEASE_TGZ_SHA256" ] || { log "checksum mismatch for $RELEASE_URL"; return 1; }
  tar -xzf "$tgz" -C "$work"
  install -m 0644 "$work/onnxruntime-linux-${release_arch}-${ORT_VERSION}/lib/libonnxruntime.so.${ORT_VERSION}" "$lib.tmp"
}

case "${FOOLTEST_ORT_SOURCE:-auto}" in
  npm) from_npm ;;
  release) from_release ;;
  auto) from_npm || from_release ;;
  *) log "FOOLTEST_ORT_SOURCE must be npm or release"; exit 2 ;;
esac || { log "could not fetch ONNX Runtime ${ORT_VERSION}; install it by hand and set ONNXRUNTIME_LIB"; exit 3; }

sha "$lib.tmp" > "$prefix/lib/.sha256"
echo "$arch" > "$prefix/lib/.arch"
mv "$lib.tmp" "$lib"
log "installed ONNX Runtime ${ORT_VERSION} ($arch) at $lib"
echo "$lib"
