#!/usr/bin/env bash
# Brings up the two-node cluster: a control plane (control-plane-up.sh, its own instance), two real nodes
# (node-a, node-b: containerd + kubelet + kube-proxy, each in its own network namespace), the locally built
# images in both nodes' containerd, local storage and CoreDNS. Idempotent: what runs is kept, what is missing
# is added; a second run on a healthy cluster changes nothing.
set -o errexit -o nounset -o pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=localcluster/lib/cluster.sh
source "${ROOT}/localcluster/lib/cluster.sh"
# shellcheck source=localcluster/lib/network.sh
source "${ROOT}/localcluster/lib/network.sh"
# shellcheck source=localcluster/lib/node.sh
source "${ROOT}/localcluster/lib/node.sh"
# shellcheck source=localcluster/lib/images.sh
source "${ROOT}/localcluster/lib/images.sh"
# shellcheck source=localcluster/lib/addons.sh
source "${ROOT}/localcluster/lib/addons.sh"
redispair::log::install_err_trap

usage() {
  cat <<USAGE
Usage: ${0##*/} [--help]

Starts (or completes) the two-node cluster and prints the KUBECONFIG export:
  control plane   Kubernetes ${KUBE_VERSION} + etcd ${ETCD_VERSION} via control-plane-up.sh, state ${REDISPAIR_CLUSTER_DIR},
                  kube-apiserver on :${APISERVER_PORT} (nodes reach it at $(redispair::cluster::apiserver_node_url))
  nodes           $(for n in "${REDISPAIR_NODES[@]}"; do printf '%s=%s (netns %s, pods %s)  ' "${n}" "$(redispair::cluster::node_ip "${n}")" "$(redispair::cluster::netns "${n}")" "$(redispair::cluster::pod_cidr "${n}")"; done)
                  containerd + kubelet + kube-proxy (iptables) each; CNI bridge; state ${REDISPAIR_NODES_DIR}
  images          pause, redis:7.2 (Debian redis-server), CoreDNS, redispair-operator:dev (Dockerfile), built with
                  podman and cached in ${REDISPAIR_IMAGE_CACHE}
  add-ons         StorageClass standard (default, WaitForFirstConsumer, local PVs per node), CoreDNS (kube-dns
                  at ${REDISPAIR_CLUSTER_DNS})
Binaries come from ${K8S_BIN_DIR} (build-binaries.sh builds them when missing).
Tear down with localcluster/cluster-down.sh [--purge]. Needs root.

Environment: REDISPAIR_CLUSTER_DIR, REDISPAIR_NODES_DIR, APISERVER_PORT, ETCD_CLIENT_PORT, ETCD_PEER_PORT,
KCM_PORT, SCHEDULER_PORT, REDISPAIR_CACHE, REDISPAIR_BRIDGE, REDISPAIR_NODE_SUBNET_PREFIX, LOCAL_PVS_PER_NODE,
NODE_READY_TIMEOUT (${NODE_READY_TIMEOUT}s), ADDON_READY_TIMEOUT (${ADDON_READY_TIMEOUT}s); see lib/cluster.sh.
USAGE
}

redispair::cluster_up::check_prerequisites() {
  ((EUID == 0)) || redispair::log::fatal "needs root (network namespaces, cgroups, mounts); run it as root"
  local tool plugin
  local -a missing=()
  for tool in containerd runc ctr ip nsenter iptables findmnt setsid flock curl jq openssl; do
    command -v "${tool}" >/dev/null 2>&1 || missing+=("${tool}")
  done
  for plugin in bridge host-local portmap loopback; do
    [[ -x "${REDISPAIR_CNI_BIN_DIR}/${plugin}" ]] || missing+=("${REDISPAIR_CNI_BIN_DIR}/${plugin}")
  done
  if ((${#missing[@]} > 0)); then
    redispair::log::error "missing: ${missing[*]}"
    redispair::log::fatal "install with: apt-get install -y containerd runc containernetworking-plugins iproute2 util-linux iptables curl jq openssl (or run hack/install-deps.sh)"
  fi
  redispair::images::check_prerequisites || exit 1
}

redispair::cluster_up::ensure_binaries() {
  local bin
  for bin in etcd kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kubectl coredns; do
    if [[ ! -x "${K8S_BIN_DIR}/${bin}" ]]; then
      redispair::log::info "${bin} is not in ${K8S_BIN_DIR}; running build-binaries.sh"
      "${ROOT}/localcluster/build-binaries.sh"
      return 0
    fi
  done
}

redispair::cluster_up::lock() {
  mkdir -p "${REDISPAIR_NODES_DIR}"
  touch "${REDISPAIR_NODES_DIR}/.redispair-nodes"
  exec {REDISPAIR_CLUSTER_LOCK_FD}>"${REDISPAIR_NODES_DIR}/.lock"
  if ! flock -w "${CP_LOCK_TIMEOUT}" "${REDISPAIR_CLUSTER_LOCK_FD}"; then
    redispair::log::fatal "another cluster-up/down holds ${REDISPAIR_NODES_DIR}/.lock"
  fi
}

redispair::cluster_up::control_plane() {
  redispair::cluster::export_env
  # Its output is indented under ours; the KUBECONFIG line is printed at the end instead.
  "${ROOT}/localcluster/control-plane-up.sh" | grep -v '^export KUBECONFIG=' | sed 's/^/    /'
}

redispair::cluster_up::_node_ready() {
  [[ "$(redispair::cluster::kubectl get node "$1" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)" == True ]]
}

redispair::cluster_up::wait_nodes() {
  local node
  for node in "${REDISPAIR_NODES[@]}"; do
    if ! redispair::process::poll "${NODE_READY_TIMEOUT}" "node ${node} Ready" redispair::cluster_up::_node_ready "${node}"; then
      redispair::log::error "node ${node} not Ready after ${NODE_READY_TIMEOUT}s; last kubelet lines:"
      tail -n 30 "$(redispair::node::log_file "${node}" kubelet)" >&2
      return 1
    fi
  done
}

main() {
  case "${1:-}" in
    -h | --help)
      usage
      return 0
      ;;
    "") ;;
    *)
      usage >&2
      redispair::log::fatal "unknown argument: $1"
      ;;
  esac
  local start phase
  start="$(redispair::process::now)"
  redispair::cluster_up::check_prerequisites
  redispair::cluster_up::lock
  redispair::log::info "two-node cluster (real Kubernetes ${KUBE_VERSION}): control plane + ${REDISPAIR_NODES[*]} (state ${REDISPAIR_CLUSTER_DIR}, ${REDISPAIR_NODES_DIR})"

  phase="$(redispair::process::now)"
  redispair::log::info "binaries (${K8S_BIN_DIR})"
  redispair::cluster_up::ensure_binaries
  redispair::log::info "images (cache ${REDISPAIR_IMAGE_CACHE})"
  redispair::images::build_all
  redispair::log::step "binaries and images ready in $(redispair::process::elapsed "${phase}")s"

  phase="$(redispair::process::now)"
  redispair::log::info "node network (bridge ${REDISPAIR_BRIDGE}, one network namespace per node)"
  redispair::net::bridge_up
  local node
  for node in "${REDISPAIR_NODES[@]}"; do
    redispair::net::node_up "${node}"
  done

  redispair::log::info "control plane"
  redispair::cluster_up::control_plane

  redispair::log::info "nodes"
  for node in "${REDISPAIR_NODES[@]}"; do
    redispair::node::configure "${node}"
    redispair::node::start "${node}"
    redispair::images::import "${node}"
  done
  redispair::cluster_up::wait_nodes
  redispair::log::step "nodes Ready in $(redispair::process::elapsed "${phase}")s"

  redispair::log::info "add-ons"
  redispair::addons::apply_storage standard
  redispair::addons::apply_coredns
  redispair::addons::wait_coredns

  redispair::cluster::kubectl get nodes -o wide | sed 's/^/    /'
  redispair::log::info "cluster ready in $(redispair::process::elapsed "${start}")s"
  echo "export KUBECONFIG=$(redispair::cp::kubeconfig)"
}

main "$@"
