# Sourced by scripts/multiarch-image.sh: builds the tools pinned in
# internal/tools/citools from the Go module proxy, once, into a cache folder.
#
#   . scripts/lib/citools.sh
#   citools_build BIN NAME...   # returns non-zero when a build fails
#   "$(citool BIN NAME)" ...    # the path of a tool citools_build made
#
# NAME is one of: buildx, buildkitd, buildctl, crane. Each binary is named
# for the module's go.mod and go.sum and for this file, so a version bump or a
# change of flags builds anew; older builds stay until the cache is cleared.
# All tools build in one module with the same flags, so Go's build cache
# compiles the dependencies they share once; the names asked for in one call
# build in one `go build`, which spreads them over the cores.

citools_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../internal/tools/citools" && pwd)

# citools_package NAME prints NAME's import path.
citools_package() {
  case "$1" in
    buildx) echo github.com/docker/buildx/cmd/buildx ;;
    buildkitd | buildctl) echo "github.com/moby/buildkit/cmd/$1" ;;
    crane) echo github.com/google/go-containerregistry/cmd/crane ;;
    *) echo "citools: no tool named $1" >&2; return 1 ;;
  esac
}

# citools_version MODULE prints the version go.mod requires of MODULE.
citools_version() {
  awk -v m="$1" '$1 == m { print $2 }' "$citools_dir/go.mod"
}

# citool BIN NAME prints the path NAME has (or will have) in BIN.
citool() {
  local key
  key=$(cat "$citools_dir/go.mod" "$citools_dir/go.sum" "${BASH_SOURCE[0]}" | sha256sum | cut -c1-12)
  echo "$1/$2-$key"
}

# citools_build BIN NAME... builds the named tools that BIN lacks.
citools_build() {
  local bin=$1 name pkgs=() names=() tmp log
  shift
  for name in "$@"; do
    [ -x "$(citool "$bin" "$name")" ] && continue
    pkgs+=("$(citools_package "$name")") || return 1
    names+=("$name")
  done
  [ ${#names[@]} -eq 0 ] && return 0
  echo "citools: building ${names[*]} (internal/tools/citools)" >&2
  mkdir -p "$bin"
  tmp=$(mktemp -d "$bin/.build.XXXXXX")
  log=$tmp/build.log
  # cgo off: static binaries, and one set of compiled packages for all. The
  # versions are what their own release builds stamp in with -X.
  local ldflags
  ldflags="-X github.com/docker/buildx/version.Version=$(citools_version github.com/docker/buildx)"
  ldflags+=" -X github.com/moby/buildkit/version.Version=$(citools_version github.com/moby/buildkit)"
  if ! (cd "$citools_dir" && CGO_ENABLED=0 GOFLAGS=-mod=readonly go build -trimpath -ldflags "$ldflags" -o "$tmp/" "${pkgs[@]}") >"$log" 2>&1; then
    tail -n 20 "$log" >&2
    rm -rf "$tmp"
    echo "citools: building ${names[*]} failed" >&2
    return 1
  fi
  for name in "${names[@]}"; do
    mv "$tmp/$name" "$(citool "$bin" "$name")"
  done
  rm -rf "$tmp"
}
