# shellcheck shell=bash
# Settings of the two-node test cluster (control plane + node-a + node-b), shared by cluster-up.sh,
# cluster-down.sh, bin/minikube and the e2e tests. Sourcing it only defines defaulted variables and functions.
#
# The cluster runs its own control plane instance (own state dir and ports), next to the one the integration
# tests use, so that real kubelets never pick up the integration tests' pods and tearing the cluster down never
# takes a plane away from someone else. Point the variables below at the shared plane to use that one instead.
#
#   redispair::cluster::kubectl ARGS...   the pinned kubectl with the cluster's admin kubeconfig
#   redispair::cluster::node_ip NODE      prints NODE's IP (node-a, node-b)
#   redispair::cluster::node_dir NODE     prints NODE's state directory
#   redispair::cluster::netns NODE        prints NODE's network namespace name

[[ -n "${REDISPAIR_CLUSTER_SH_LOADED:-}" ]] && return 0
REDISPAIR_CLUSTER_SH_LOADED=1

# Several clusters can run side by side (say, the e2e suite and another suite, or two engineers): instance N
# shifts every default below (state dirs, ports, bridge, addresses, namespace and cgroup names). Instance 0 is
# the default. Any variable set explicitly wins.
: "${REDISPAIR_CLUSTER_INSTANCE:=0}"
if [[ ! "${REDISPAIR_CLUSTER_INSTANCE}" =~ ^[0-9]$ ]]; then
  echo "REDISPAIR_CLUSTER_INSTANCE must be a digit 0-9, not '${REDISPAIR_CLUSTER_INSTANCE}'" >&2
  return 1
fi
REDISPAIR_INSTANCE_SUFFIX=""
((REDISPAIR_CLUSTER_INSTANCE == 0)) || REDISPAIR_INSTANCE_SUFFIX="${REDISPAIR_CLUSTER_INSTANCE}"

# ---- control plane (the knobs of lib/control-plane.sh, with this cluster's defaults) ------------------------
: "${REDISPAIR_CLUSTER_DIR:=/tmp/redispair-e2e${REDISPAIR_INSTANCE_SUFFIX}}"
: "${APISERVER_PORT:=$((6444 + REDISPAIR_CLUSTER_INSTANCE))}"
: "${ETCD_CLIENT_PORT:=$((23791 + REDISPAIR_CLUSTER_INSTANCE))}"
: "${ETCD_PEER_PORT:=$((23801 + REDISPAIR_CLUSTER_INSTANCE))}"
: "${KCM_PORT:=$((10267 + 10 * REDISPAIR_CLUSTER_INSTANCE))}"
: "${SCHEDULER_PORT:=$((10269 + 10 * REDISPAIR_CLUSTER_INSTANCE))}"

# ---- node network -------------------------------------------------------------------------------------------
# A host bridge joins one network namespace per node. 10.250.0.0/24 is private and lives only on the bridge and
# inside the namespaces this cluster creates (podman's default is 10.88.0.0/16, so that one is avoided).
# Names of links, network namespaces and cgroups start with REDISPAIR_NAME_PREFIX.
: "${REDISPAIR_NAME_PREFIX:=rp${REDISPAIR_INSTANCE_SUFFIX}-}"
: "${REDISPAIR_BRIDGE:=${REDISPAIR_NAME_PREFIX}br0}"
# Pods get 10.244.<n>.0/24 on the n-th node (node-a = 1, node-b = 2), inside CLUSTER_CIDR (10.245 for
# instance 1, ...). The host routes these to the nodes, so two instances must not share them.
# Instances 0-5: nodes 10.250-10.255.0.0/24, pods 10.244-10.249.0.0/16. From instance 6 on, 250 + N is no octet
# (instance 8 failed with "10.258.0.1/24") and 244 + N would reach instance 0's nodes: nodes 10.20N.0.0/24 and
# pods 10.21N.0.0/16 instead, disjoint from both.
if ((REDISPAIR_CLUSTER_INSTANCE <= 5)); then
  : "${REDISPAIR_NODE_SUBNET_PREFIX:=10.$((250 + REDISPAIR_CLUSTER_INSTANCE)).0}"
  : "${REDISPAIR_POD_CIDR_PREFIX:=10.$((244 + REDISPAIR_CLUSTER_INSTANCE))}"
else
  : "${REDISPAIR_NODE_SUBNET_PREFIX:=10.$((200 + REDISPAIR_CLUSTER_INSTANCE)).0}"
  : "${REDISPAIR_POD_CIDR_PREFIX:=10.$((210 + REDISPAIR_CLUSTER_INSTANCE))}"
fi
: "${REDISPAIR_HOST_IP:=${REDISPAIR_NODE_SUBNET_PREFIX}.1}"
: "${REDISPAIR_CLUSTER_CIDR:=${REDISPAIR_POD_CIDR_PREFIX}.0.0/16}"
: "${REDISPAIR_CLUSTER_DNS:=10.96.0.10}"
: "${REDISPAIR_CLUSTER_DOMAIN:=cluster.local}"
# Node names are fixed by the e2e contract (minikube would call them minikube and minikube-m02).
# shellcheck disable=SC2034 # read by the files that source this one
REDISPAIR_NODES=(node-a node-b)

# The kube-apiserver publishes this address in the `kubernetes` Service, and pods reach it through kube-proxy:
# the bridge's host side, which exists on every machine that runs this cluster (unlike a default route).
: "${APISERVER_ADVERTISE_ADDRESS:=${REDISPAIR_HOST_IP}}"
: "${APISERVER_EXTRA_SANS:=${REDISPAIR_HOST_IP}}"

# ---- node state ---------------------------------------------------------------------------------------------
# Per node: containerd root/state, kubelet root, CNI config, certificates, logs, pid files, local PV directories.
# Next to (not inside) the control plane's dir, so that control-plane-down.sh --purge never walks into a mount.
: "${REDISPAIR_NODES_DIR:=${REDISPAIR_CLUSTER_DIR}-nodes}"
# Named timeouts, seconds.
: "${NODE_START_TIMEOUT:=60}"
: "${NODE_READY_TIMEOUT:=120}"
: "${NODE_STOP_TIMEOUT:=20}"
: "${ADDON_READY_TIMEOUT:=180}"

redispair::cluster::node_index() {
  case "$1" in
    node-a) echo 1 ;;
    node-b) echo 2 ;;
    *) return 1 ;;
  esac
}

redispair::cluster::node_ip() {
  local idx
  idx="$(redispair::cluster::node_index "$1")" || return 1
  printf '%s.%s\n' "${REDISPAIR_NODE_SUBNET_PREFIX}" "$((idx + 1))"
}

redispair::cluster::pod_cidr() {
  local idx
  idx="$(redispair::cluster::node_index "$1")" || return 1
  printf '%s.%s.0/24\n' "${REDISPAIR_POD_CIDR_PREFIX}" "${idx}"
}

redispair::cluster::netns() { printf '%s%s\n' "${REDISPAIR_NAME_PREFIX}" "$1"; }
redispair::cluster::node_dir() { printf '%s/%s\n' "${REDISPAIR_NODES_DIR}" "$1"; }
redispair::cluster::apiserver_node_url() { printf 'https://%s:%s\n' "${REDISPAIR_HOST_IP}" "${APISERVER_PORT}"; }

redispair::cluster::kubectl() { redispair::cp::kubectl "$@"; }

# Exports the settings that child scripts (control-plane-up.sh / control-plane-down.sh, the shim) read, so that
# they act on this cluster's control plane and never fall back to their own defaults (the shared plane).
redispair::cluster::export_env() {
  export REDISPAIR_CLUSTER_INSTANCE REDISPAIR_CLUSTER_DIR REDISPAIR_NODES_DIR APISERVER_PORT ETCD_CLIENT_PORT \
    ETCD_PEER_PORT KCM_PORT SCHEDULER_PORT APISERVER_ADVERTISE_ADDRESS APISERVER_EXTRA_SANS REDISPAIR_CACHE K8S_BIN_DIR
}

# The control-plane library reads the defaults above when it is loaded.
# shellcheck source=localcluster/lib/control-plane.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/control-plane.sh"

# Holds the cluster's namespace-redis lock for a test file: the suites that deploy into namespace
# redis (test/e2e, test/scripts/cycle.bats) take it so they never interleave. A holder process keeps
# the flock (bats runs each test in its own process) and ends by itself after HOLD seconds if the
# suite dies. Sets REDISPAIR_NS_LOCK_PID; release with redispair::cluster::unlock_namespace.
#   redispair::cluster::lock_namespace WAIT_SECONDS HOLD_SECONDS
redispair::cluster::lock_namespace() {
  local wait="$1" hold="$2"
  local lock="${REDISPAIR_CLUSTER_DIR}/namespace-redis.lock"
  local ready="${BATS_FILE_TMPDIR:-/tmp}/namespace-lock.ready"
  rm -f "${ready}"
  (
    flock -w "${wait}" 9 || exit 1
    : >"${ready}"
    exec sleep "${hold}"
  ) 9>"${lock}" </dev/null >/dev/null 2>&1 &
  export REDISPAIR_NS_LOCK_PID=$!
  until [[ -e "${ready}" ]]; do
    if ! kill -0 "${REDISPAIR_NS_LOCK_PID}" 2>/dev/null; then
      echo "namespace redis of the test cluster stayed locked for ${wait}s (${lock})" >&2
      return 1
    fi
    sleep 1
  done
}

redispair::cluster::unlock_namespace() {
  [[ -n "${REDISPAIR_NS_LOCK_PID:-}" ]] || return 0
  kill "${REDISPAIR_NS_LOCK_PID}" 2>/dev/null || true # already gone: the lock is free either way
}
