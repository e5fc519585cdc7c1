#!/usr/bin/env bash
# Provides the images fooltest's Dockerfile builds FROM, debian:bookworm-slim
# and golang:1.26-bookworm, on a Docker daemon that may not reach Docker Hub.
#
#   scripts/build-base-images.sh [--rebuild] [--arm64-rootfs]
#
# For each image, in order: keep it if the daemon has it; load it from the
# cache; pull it from Docker Hub; or, when Docker Hub is unreachable, build a
# stand-in:
#   debian:bookworm-slim   debootstrap (minbase) from the Debian mirror the
#                          host's apt uses, trimmed like the official slim image
#   golang:1.26-bookworm   that image plus the C toolchain and git, and the Go
#                          distribution from the Go module proxy
#                          (golang.org/toolchain, checked against the checksum
#                          database by `go mod download`)
# Stand-ins carry what this host needs to reach the network: its CA bundle
# (including a TLS-intercepting proxy's CA), its apt Acquire settings, its
# GOPROXY/GOSUMDB/GOFLAGS, npm registry and proxy variables, so that
# `docker build` behaves here as on a GitHub runner. They are saved under the cache (FOOLTEST_E2E_CACHE, default
# ~/.cache/fooltest-e2e) so later runs only load them.
#
# --arm64-rootfs provides, instead of the images, the root file system of an arm64
# debian:bookworm-slim stand-in, as a tar file in the cache whose path it
# prints: debootstrap --foreign from the same mirror, its second stage run
# under QEMU user emulation (binfmt_misc must have qemu-aarch64 registered,
# as scripts/multiarch-image.sh does). A Docker engine without the containerd
# image store holds one platform per tag, so the caller makes an image of it
# in a registry (scripts/multiarch-image.sh, with crane).
#
# Needs: docker (DOCKER_HOST pointing at the daemon; not for --arm64-rootfs),
# and for stand-ins root, debootstrap and go. --rebuild discards cached stand-ins and builds them anew.
set -euo pipefail

SUITE=bookworm
GO_VERSION=${FOOLTEST_GO_VERSION:-1.26.11}
SLIM=debian:bookworm-slim
GOLANG=golang:1.26-bookworm

cache=${FOOLTEST_E2E_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/fooltest-e2e}/base-images
rebuild=false
arm64=false
for arg in "$@"; do
  case "$arg" in
    --rebuild) rebuild=true ;;
    --arm64-rootfs) arm64=true ;;
    *) echo "usage: $0 [--rebuild] [--arm64-rootfs]" >&2; exit 2 ;;
  esac
done

log() { echo "build-base-images: $*" >&2; }
have() { docker image inspect "$1" >/dev/null 2>&1; }
tarball() { echo "$cache/$(echo "$1" | tr ':/' '__').tar"; }

mkdir -p "$cache"
work=$(mktemp -d)
# A failed debootstrap second stage may leave /proc or /sys mounted in its
# root: unmount before removing anything.
trap 'awk -v r="$work/" '"'"'index($2, r) == 1 { print $2 }'"'"' /proc/mounts | sort -r | xargs -r -n1 umount -l; rm -rf "$work"' EXIT

# apt_mirror prints the first URI the host's apt uses for suites named like
# $1 (bookworm, bookworm-security), from deb822 or one-line sources.
apt_mirror() {
  local suite=$1 f
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    awk -v s="$suite" '
      /^URIs:/   { uri = $2 }
      /^Suites:/ { for (i = 2; i <= NF; i++) if ($i == s) found = uri }
      /^$/       { if (found) { print found; exit } uri = "" }
      END        { if (found) print found }' "$f" | head -n1
  done | head -n1 | grep . && return
  grep -hsE "^deb[[:space:]]" /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
    | sed -E 's/\[[^]]*\]//' | awk -v s="$suite" '$3 == s { print $2; exit }' | grep . && return
  case "$suite" in
    *-security) echo http://deb.debian.org/debian-security ;;
    *) echo http://deb.debian.org/debian ;;
  esac
}

# host_apt_conf prints the host's apt settings that decide whether the
# mirror can be reached at all: proxies and the date checks a frozen
# snapshot mirror needs off.
host_apt_conf() {
  grep -hsE '^[[:space:]]*Acquire::(https?::Proxy|Check-Valid-Until|Check-Date|Retries)' /etc/apt/apt.conf /etc/apt/apt.conf.d/* || true
}

# slim_rootfs ARCH ROOT bootstraps a trimmed Debian for ARCH (amd64, or
# arm64 through QEMU) in ROOT.
slim_rootfs() {
  local arch=$1 root=$2 mirror security
  mirror=$(apt_mirror "$SUITE")
  security=$(apt_mirror "$SUITE-security")
  if [ "$arch" = amd64 ]; then
    log "debootstrap $SUITE from $mirror"
    debootstrap --variant=minbase "$SUITE" "$root" "$mirror" >"$work/debootstrap.log" 2>&1 \
      || { tail -n 20 "$work/debootstrap.log" >&2; log "debootstrap failed"; return 1; }
  else
    [ -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ] \
      || { log "qemu-aarch64 is not registered with binfmt_misc: cannot run the $arch second stage"; return 1; }
    log "debootstrap --foreign --arch $arch $SUITE from $mirror (second stage under QEMU)"
    { debootstrap --foreign --arch "$arch" --variant=minbase "$SUITE" "$root" "$mirror" \
        && chroot "$root" /debootstrap/debootstrap --second-stage; } >"$work/debootstrap.log" 2>&1 \
      || { tail -n 20 "$work/debootstrap.log" >&2; log "debootstrap failed"; return 1; }
  fi

  rm -f "$root/etc/apt/sources.list"
  cat >"$root/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $mirror
Suites: $SUITE $SUITE-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $security
Suites: $SUITE-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  host_apt_conf >"$root/etc/apt/apt.conf.d/90host-network"
  # What the official slim image does: no docs, man pages or translations,
  # and apt leaves no package cache behind.
  cat >"$root/etc/dpkg/dpkg.cfg.d/docker" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
EOF
  cat >"$root/etc/apt/apt.conf.d/docker-clean" <<'EOF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOF
  echo 'Acquire::Languages "none";' >"$root/etc/apt/apt.conf.d/docker-no-languages"
  find "$root/usr/share/doc" -mindepth 2 ! -name copyright -delete 2>/dev/null || true
  rm -rf "$root"/usr/share/{man,info,locale,groff,lintian}/* "$root"/var/lib/apt/lists/* \
    "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb "$root"/var/log/*.log "$root"/tmp/*

  # The host's trust store, so HTTPS works through an intercepting proxy;
  # the extra CAs also survive a later update-ca-certificates.
  mkdir -p "$root/etc/ssl/certs" "$root/usr/local/share/ca-certificates"
  cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"
  cp /usr/local/share/ca-certificates/*.crt "$root/usr/local/share/ca-certificates/" 2>/dev/null || true
  # What debootstrap leaves mounted in a second stage.
  awk -v r="$root/" 'index($2, r) == 1 { print $2 }' /proc/mounts | sort -r | xargs -r -n1 umount -l
}

build_slim() {
  local root=$work/slim mirror
  mirror=$(apt_mirror "$SUITE")
  slim_rootfs amd64 "$root"
  tar -C "$root" --numeric-owner -c . | docker import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["bash"]' \
    --message "fooltest stand-in for $SLIM (debootstrap $SUITE from $mirror)" - "$SLIM" >/dev/null
}

build_golang() {
  local ctx=$work/golang mod dir
  mod="golang.org/toolchain@v0.0.1-go${GO_VERSION}.linux-amd64"
  log "fetching Go ${GO_VERSION} from the module proxy ($mod)"
  # Outside any module, so the project's go.mod plays no part.
  dir=$(cd "$work" && GOFLAGS=-mod=mod go mod download -json "$mod" | sed -nE 's/^[[:space:]]*"Dir": "(.*)",?$/\1/p')
  [ -f "$dir/bin/go" ] || { log "no Go distribution in $mod"; return 1; }
  mkdir -p "$ctx"
  cp -a "$dir" "$ctx/go"
  chmod -R u+w "$ctx/go"
  # Module zips carry no file modes; the go command marks the same files
  # executable when it switches to a downloaded toolchain.
  chmod 0755 "$ctx"/go/bin/* "$ctx"/go/pkg/tool/*/*

  local goproxy gosumdb goflags npm_registry proxies=""
  goproxy=$(go env GOPROXY)
  gosumdb=$(go env GOSUMDB)
  goflags=$(go env GOFLAGS)
  npm_registry=$(npm config get registry 2>/dev/null || echo https://registry.npmjs.org/)
  local v
  for v in http_proxy https_proxy no_proxy HTTP_PROXY HTTPS_PROXY NO_PROXY; do
    [ -n "${!v:-}" ] && proxies+=" $v=\"${!v}\""
  done
  cat >"$ctx/Dockerfile" <<EOF
FROM $SLIM
# The packages of the official image's build tools (buildpack-deps:scm and
# the C toolchain cgo needs), less version control systems other than git.
RUN apt-get update \\
 && apt-get install -y --no-install-recommends ca-certificates curl wget netbase git openssh-client procps \\
      g++ gcc libc6-dev make pkg-config \\
 && rm -rf /var/lib/apt/lists/*
COPY go /usr/local/go
ENV GOLANG_VERSION=$GO_VERSION GOTOOLCHAIN=local GOPATH=/go
ENV PATH=/go/bin:/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
# This host's network settings: the official image has the same defaults
# where the internet is reachable.
ENV GOPROXY="$goproxy" GOSUMDB="$gosumdb" GOFLAGS="$goflags" NPM_CONFIG_REGISTRY="$npm_registry" \\
    NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt$proxies
RUN mkdir -p /go/src /go/bin && chmod -R 1777 /go && go version
WORKDIR /go
EOF
  log "building $GOLANG"
  # The daemon's own network is off (no bridge); apt and the proxies are
  # reached through the host's.
  DOCKER_BUILDKIT=0 docker build --network host -t "$GOLANG" "$ctx" >"$work/golang-build.log" 2>&1 \
    || { tail -n 30 "$work/golang-build.log" >&2; log "building $GOLANG failed"; return 1; }
}

# provide makes image $1 available, building it with $2 as a last resort.
provide() {
  local image=$1 build=$2 tar
  tar=$(tarball "$image")
  if $rebuild; then
    rm -f "$tar"
    docker image rm -f "$image" >/dev/null 2>&1 || true
  elif have "$image"; then
    log "$image present"
    return
  fi
  if [ -f "$tar" ]; then
    log "loading $image from $tar"
    docker load -q -i "$tar" >/dev/null
    return
  fi
  if ! $rebuild && timeout 60 docker pull -q "$image" >/dev/null 2>&1; then
    log "pulled $image from Docker Hub"
    return
  fi
  log "Docker Hub unreachable: building a stand-in for $image"
  "$build"
  docker save -o "$tar.tmp" "$image" && mv "$tar.tmp" "$tar"
  log "$image built and cached in $tar"
}

if ! $arm64; then
  provide "$SLIM" build_slim
  provide "$GOLANG" build_golang
fi

# The arm64 root file system, for a registry image (see --arm64-rootfs).
if $arm64; then
  tar=$cache/debian_bookworm-slim_arm64.rootfs.tar
  $rebuild && rm -f "$tar"
  if [ -f "$tar" ]; then
    log "arm64 $SLIM root file system present: $tar"
  else
    slim_rootfs arm64 "$work/slim-arm64"
    tar -C "$work/slim-arm64" --numeric-owner -cf "$tar.tmp" . && mv "$tar.tmp" "$tar"
    log "arm64 $SLIM root file system built: $tar"
  fi
  echo "$tar"
fi
