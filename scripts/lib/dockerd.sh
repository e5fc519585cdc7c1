# Sourced by the scripts that need a Docker engine (scripts/e2e-action.sh,
# scripts/multiarch-image.sh): starts Debian's dockerd as root on a private
# socket with no iptables rules and no bridge, so it leaves the host's
# network alone, and stops it again. Its data (images, build cache) stays in
# CACHE/docker; its socket, exec root and log in RUN.
#
#   . scripts/lib/dockerd.sh
#   dockerd_start CACHE RUN     # exports DOCKER_HOST; dies when it cannot
#   ...
#   dockerd_stop                # in the caller's EXIT trap
#
# Socket paths are limited to 108 bytes: keep RUN short (mktemp -d /tmp/x.XXXXXX).
# The caller holds CACHE/lock (flock) so that no two daemons share a data root.

dockerd_pid=
dockerd_cache=
dockerd_run=

# dockerd_start CACHE RUN starts the daemon and waits until it answers.
dockerd_start() {
  dockerd_cache=$1 dockerd_run=$2
  dockerd --data-root "$dockerd_cache/docker" --exec-root "$dockerd_run/exec" \
    --host "unix://$dockerd_run/docker.sock" --pidfile "$dockerd_run/docker.pid" \
    --iptables=false --bridge=none >"$dockerd_run/dockerd.log" 2>&1 &
  dockerd_pid=$!
  export DOCKER_HOST=unix://$dockerd_run/docker.sock
  local _
  for _ in $(seq 60); do
    docker info >/dev/null 2>&1 && break
    if ! kill -0 "$dockerd_pid" 2>/dev/null; then
      tail -n 20 "$dockerd_run/dockerd.log" >&2
      echo "dockerd exited" >&2
      return 1
    fi
    sleep 1
  done
  docker info >/dev/null 2>&1 || { tail -n 20 "$dockerd_run/dockerd.log" >&2; echo "dockerd did not answer within 60s" >&2; return 1; }
  # Containers an interrupted run left behind would be reused: start clean.
  docker ps -aq | xargs -r docker rm -f >/dev/null
  docker volume prune -f >/dev/null
}

# dockerd_stop removes the daemon's containers, stops it, and unmounts what
# it leaves mounted: its network namespace in the exec root, and its data
# root bind-mounted on itself. Safe to call when it never started.
dockerd_stop() {
  if [ -n "$dockerd_pid" ] && kill -0 "$dockerd_pid" 2>/dev/null; then
    docker ps -q 2>/dev/null | xargs -r docker rm -f >/dev/null 2>&1 || true
    kill "$dockerd_pid"
    local _
    for _ in $(seq 60); do kill -0 "$dockerd_pid" 2>/dev/null || break; sleep 0.5; done
    kill -0 "$dockerd_pid" 2>/dev/null && echo "dockerd $dockerd_pid did not stop" >&2
  fi
  dockerd_pid=
  [ -n "$dockerd_run" ] || return 0
  awk -v r="$dockerd_run/" -v d="$dockerd_cache/docker" 'index($2, r) == 1 || $2 == d || index($2, d "/") == 1 { print $2 }' /proc/mounts \
    | sort -r | xargs -r -n1 umount -l
}
