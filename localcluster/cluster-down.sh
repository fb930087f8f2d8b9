#!/usr/bin/env bash
# Tears the two-node cluster down: every process of both nodes (daemons, shims, containers), every mount
# under the nodes' directory, both network namespaces, the bridge and its routes, the nodes' cgroups, then the
# control plane (control-plane-down.sh). Checks that nothing is left and fails loudly if something is.
# Safe to run twice, and on a half-started cluster.
set -o errexit -o nounset -o pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=localcluster/lib/cluster.sh
source "${ROOT}/localcluster/lib/cluster.sh"
# shellcheck source=localcluster/lib/network.sh
source "${ROOT}/localcluster/lib/network.sh"
# shellcheck source=localcluster/lib/node.sh
source "${ROOT}/localcluster/lib/node.sh"
redispair::log::install_err_trap

usage() {
  cat <<USAGE
Usage: ${0##*/} [--help] [--purge] [--keep-control-plane]

Stops ${REDISPAIR_NODES[*]} (kube-proxy, kubelet, containerd, then any shim or container process left in their
cgroups), unmounts everything under ${REDISPAIR_NODES_DIR}, deletes the network namespaces, the bridge
${REDISPAIR_BRIDGE} and its routes, and stops the control plane in ${REDISPAIR_CLUSTER_DIR}. Then verifies that
no process, mount, network namespace, link or host iptables rule of the cluster is left.

  --purge               also delete the state: ${REDISPAIR_NODES_DIR} (containerd image stores, local PV
                        data) and ${REDISPAIR_CLUSTER_DIR}. Binary and image caches (${REDISPAIR_CACHE}) stay.
  --keep-control-plane  leave the control plane running (only the nodes go)
USAGE
}

# Prints "pid exe" of every process that belongs to the cluster's nodes, whatever pid files and cgroups say:
# node binaries started with the nodes' directory in their command line, and containerd shims of those nodes.
redispair::cluster_down::stray_processes() {
  local dir exe cmdline
  for dir in /proc/[0-9]*; do
    exe="$(readlink "${dir}/exe" 2>/dev/null)" || continue
    cmdline="$(tr '\0' ' ' <"${dir}/cmdline" 2>/dev/null)" || continue
    [[ "${cmdline}" == *"${REDISPAIR_NODES_DIR}/"* ]] || continue
    printf '%s %s\n' "${dir#/proc/}" "${exe##*/}"
  done
}

# Prints what is left of the cluster on this machine; empty means clean.
redispair::cluster_down::leftovers() {
  local node
  for node in "${REDISPAIR_NODES[@]}"; do
    redispair::node::processes "${node}" | sed "s/^/process (${node} cgroup) /"
    redispair::node::mounts "${node}" | sed 's/^/mount /'
  done
  redispair::cluster_down::stray_processes | sed 's/^/process /'
  redispair::net::leftovers
  # No rule is ever added on the host; anything naming our ranges or bridge would be a leak.
  iptables-save 2>/dev/null | grep -E -e "${REDISPAIR_BRIDGE}" -e "${REDISPAIR_NODE_SUBNET_PREFIX//./\\.}\." \
    -e "${REDISPAIR_POD_CIDR_PREFIX//./\\.}\." | sed 's/^/iptables /' || true # no match is the normal case
}

# kubelet links every container's log into /var/log/containers (a fixed path); drop the links into our nodes.
redispair::cluster_down::remove_log_links() {
  local link
  [[ -d /var/log/containers ]] || return 0
  for link in /var/log/containers/*.log; do
    [[ -L "${link}" && "$(readlink "${link}")" == "${REDISPAIR_NODES_DIR}/"* ]] && rm -f "${link}"
  done
  return 0
}

redispair::cluster_down::purge_nodes_dir() {
  local dir="${REDISPAIR_NODES_DIR}"
  [[ -d "${dir}" ]] || return 0
  if [[ ! -e "${dir}/.redispair-nodes" ]]; then
    redispair::log::fatal "${dir} has no .redispair-nodes marker; not deleting a directory cluster-up.sh did not create"
  fi
  redispair::log::step "removing ${dir}"
  rm -rf --one-file-system -- "${dir}"
}

main() {
  local purge=false keep_cp=false arg
  for arg in "$@"; do
    case "${arg}" in
      -h | --help)
        usage
        return 0
        ;;
      --purge) purge=true ;;
      --keep-control-plane) keep_cp=true ;;
      *)
        usage >&2
        redispair::log::fatal "unknown argument: ${arg}"
        ;;
    esac
  done
  ((EUID == 0)) || redispair::log::fatal "needs root; run it as root"
  local start
  start="$(redispair::process::now)"
  if [[ -d "${REDISPAIR_NODES_DIR}" ]]; then
    exec {REDISPAIR_CLUSTER_LOCK_FD}>"${REDISPAIR_NODES_DIR}/.lock"
    flock -w "${CP_LOCK_TIMEOUT}" "${REDISPAIR_CLUSTER_LOCK_FD}" || redispair::log::fatal "another cluster-up/down holds ${REDISPAIR_NODES_DIR}/.lock"
  fi

  redispair::log::info "stopping nodes ${REDISPAIR_NODES[*]}"
  local node failed=0
  for node in "${REDISPAIR_NODES[@]}"; do
    # A second pass: after a busy run a shim can still be spawning a container while the first
    # pass kills what it sees (seen once: the second pass found and killed 6 more processes).
    redispair::node::stop "${node}" || {
      redispair::log::warn "${node}: not fully stopped; one more pass"
      redispair::node::stop "${node}"
    } || failed=1
  done
  redispair::cluster_down::remove_log_links
  if ((failed != 0)); then
    redispair::log::warn "a node did not stop: its network stays, so that nothing it still runs loses its link"
  else
    redispair::log::info "removing the node network"
    for node in "${REDISPAIR_NODES[@]}"; do
      redispair::net::node_down "${node}" || failed=1
    done
    redispair::net::bridge_down || failed=1
  fi

  if [[ "${keep_cp}" == false ]]; then
    redispair::log::info "stopping the control plane"
    local -a cp_args=()
    [[ "${purge}" == true ]] && cp_args+=(--purge)
    # Exported first: without them control-plane-down.sh would stop its default (shared) plane instead.
    redispair::cluster::export_env
    "${ROOT}/localcluster/control-plane-down.sh" "${cp_args[@]}" | sed 's/^/    /' || failed=1
  fi

  local left
  left="$(redispair::cluster_down::leftovers)"
  if [[ -n "${left}" ]]; then
    redispair::log::error "left behind:"
    printf '%s\n' "${left}" | sed 's/^/  /' >&2
    redispair::log::fatal "the cluster is not fully down; see above"
  fi
  ((failed == 0)) || redispair::log::fatal "some step failed; see the messages above"
  if [[ "${purge}" == true ]]; then
    redispair::cluster_down::purge_nodes_dir
  fi
  redispair::log::info "cluster down in $(redispair::process::elapsed "${start}")s: no process, mount, network namespace, link or iptables rule left"
}

main "$@"
