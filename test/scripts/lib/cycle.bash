# shellcheck shell=bash
# Helpers for test/scripts/cycle.bats: the developer scripts, from 00 to 99, against the real two-node test
# cluster of localcluster/ (control plane + node-a + node-b with kubelet, kube-proxy, CoreDNS and local storage),
# reached through its minikube shim localcluster/bin/minikube, exactly as a developer reaches minikube. 00 creates
# the shim's profile "redispair" (a fresh cluster) and 99 deletes it (the cluster goes with it).
#
#   rp::cycle::env              exports KUBECONFIG, PATH (shim and pinned kubectl first), MINIKUBE_PROFILE,
#                               KUBE_CONTEXT, XDG_STATE_HOME, CONTAINER_TOOL; starts nothing
#   rp::cycle::cluster_up       runs localcluster/cluster-up.sh (idempotent: a running cluster is reused), for
#                               the suites that need the cluster but not minikube (host-access.bats); no profile
#   rp::cycle::k ARGS...        kubectl in namespace redis of the test cluster
#   rp::cycle::password         the Redis password from Secret redis-auth
#   rp::cycle::cli HOST:PORT ARGS...   redis-cli against HOST:PORT with that password
#   rp::cycle::node_ip          minikube ip (through the shim)
#   rp::cycle::eventually SECS CMD...  retries CMD every second until it succeeds, or fails after SECS
#   rp::cycle::port_forward_running PID  PID is a live (not zombie) kubectl port-forward
#   rp::cycle::default_classes  the names of the default StorageClasses, one per line
#   rp::cycle::lock / rp::cycle::unlock   hold the test cluster's namespace "redis" for this file: another
#                               suite that deploys RedisPair "redis" (test/e2e) takes the same flock on
#                               redispair::cluster::lock_namespace, so the two never run against each other.
#                               (The lock file is in the cluster's state directory, which a new profile and
#                               99 purge: run the two suites of one instance one after the other.)

: "${RP_CYCLE_TIMEOUT:=120}"
# How long to wait for another suite to release namespace "redis", and the longest this file holds it.
: "${RP_CYCLE_LOCK_WAIT:=1800}"
: "${RP_CYCLE_LOCK_HOLD:=3600}"

rp::cycle::env() {
  if [[ ! -x "${RP_ROOT}/localcluster/cluster-up.sh" || ! -x "${RP_ROOT}/localcluster/bin/minikube" ]]; then
    echo "the two-node test cluster (localcluster/cluster-up.sh, localcluster/bin/minikube) is not in this checkout" >&2
    return 1
  fi
  # shellcheck source=localcluster/versions.sh
  source "${RP_ROOT}/localcluster/versions.sh"
  # shellcheck source=localcluster/lib/cluster.sh
  source "${RP_ROOT}/localcluster/lib/cluster.sh"
  export KUBECONFIG="${REDISPAIR_CLUSTER_DIR}/kubeconfig"
  export PATH="${RP_ROOT}/localcluster/bin:${K8S_BIN_DIR}:${PATH}"
  # The test cluster's kubeconfig context is "redispair", the scripts' default profile/context name.
  export MINIKUBE_PROFILE=redispair KUBE_CONTEXT=redispair
  export XDG_STATE_HOME="${BATS_FILE_TMPDIR}/state"
  # podman needs the host network for apt inside image builds on these machines (design.md), and the base
  # image is the one cluster-up.sh built locally (no registry to pull from), in the podman store and with the
  # settings of localcluster/lib/images.sh (REDISPAIR_PODMAN_ROOT): 01 builds with a `podman` that uses them.
  # Its own directory: test/scripts/lib/clean.bash fills ${BATS_FILE_TMPDIR}/bin with symlinks to the system's
  # commands, and writing this file through such a link would replace the system's podman.
  local bin="${BATS_FILE_TMPDIR}/cycle-bin"
  mkdir -p "${bin}"
  cat >"${bin}/podman" <<PODMAN
#!/usr/bin/env bash
set -o errexit -o nounset -o pipefail
for lib in versions.sh lib/cluster.sh lib/network.sh lib/node.sh lib/images.sh; do
  source "${RP_ROOT}/localcluster/\${lib}"
done
# The real podman: this directory off PATH.
PATH="\$(tr ':' '\\n' <<<"\${PATH}" | grep -vx "${bin}" | paste -sd: -)"
redispair::images::podman "\$@"
PODMAN
  chmod +x "${bin}/podman"
  export PATH="${bin}:${PATH}"
  export CONTAINER_TOOL=podman CONTAINER_BUILD_ARGS="--network host --pull=never"
  export NO_COLOR=1
}

rp::cycle::cluster_up() {
  local log="${BATS_FILE_TMPDIR}/cluster-up.log"
  if ! "${RP_ROOT}/localcluster/cluster-up.sh" >"${log}" 2>&1; then
    tail -n 40 "${log}" >&2
    return 1
  fi
}

rp::cycle::default_classes() {
  kubectl --context "${KUBE_CONTEXT}" get storageclass \
    -o jsonpath='{range .items[?(@.metadata.annotations.storageclass\.kubernetes\.io/is-default-class=="true")]}{.metadata.name}{"\n"}{end}'
}

rp::cycle::k() {
  kubectl --context "${KUBE_CONTEXT}" --namespace redis "$@"
}

rp::cycle::password() {
  rp::cycle::k get secret redis-auth -o go-template='{{.data.password | base64decode}}'
}

rp::cycle::cli() {
  local hp="$1"
  shift
  REDISCLI_AUTH="$(rp::cycle::password)" redis-cli -h "${hp%:*}" -p "${hp#*:}" "$@"
}

rp::cycle::node_ip() {
  minikube --profile "${MINIKUBE_PROFILE}" ip
}

# Succeeds when GET KEY at HOST:PORT answers WANT; asked afresh on every call, for rp::cycle::eventually.
rp::cycle::get_is() {
  [[ "$(rp::cycle::cli "$1" GET "$2")" == "$3" ]]
}

rp::cycle::eventually() {
  local timeout="$1"
  shift
  local deadline=$((SECONDS + timeout))
  until "$@"; do
    if ((SECONDS >= deadline)); then
      echo "still failing after ${timeout}s: $*" >&2
      return 1
    fi
    sleep 1
  done
}

rp::cycle::port_forward_running() {
  ps -p "$1" -o args= 2>/dev/null | grep -q 'port-forward'
}

# The lock is held by a background holder process (not by the bats shell), so that no process a test
# starts (kubectl port-forward) inherits it; unlock ends the holder, and it ends by itself after
# RP_CYCLE_LOCK_HOLD seconds if the suite dies.
rp::cycle::lock() {
  mkdir -p "${REDISPAIR_CLUSTER_DIR}" # the lock file lives there, and the cluster may not exist yet
  redispair::cluster::lock_namespace "${RP_CYCLE_LOCK_WAIT}" "${RP_CYCLE_LOCK_HOLD}"
}

rp::cycle::unlock() { redispair::cluster::unlock_namespace; }
