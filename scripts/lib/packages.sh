# Sourced by the scripts that set up their own tools on a Debian host
# (scripts/e2e-action.sh, scripts/multiarch-image.sh):
#
#   . scripts/lib/packages.sh
#   packages_install PACKAGE...   # returns non-zero, saying why, when apt-get fails
#
# Installs the named Debian packages with apt-get, quietly and without
# recommended packages; with no names it does nothing. The caller decides
# which packages are missing, by the commands it needs.
packages_install() {
  [ $# -gt 0 ] || return 0
  echo "installing $* with apt-get" >&2
  if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null; }; then
    echo "could not install $*" >&2
    return 1
  fi
}
