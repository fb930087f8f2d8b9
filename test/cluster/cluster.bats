#!/usr/bin/env bats
# The two-node test cluster of cluster-up.sh / cluster-down.sh and the minikube shim. Reuses a running
# cluster; the teardown test runs only when this file started the cluster (or REDISPAIR_CLUSTER_TEST_DOWN=1),
# so that a cluster someone else is using is never taken away. Needs root.

bats_require_minimum_version 1.5.0

ROOT="$(cd "${BATS_TEST_DIRNAME}/../.." && pwd)"
UP="${ROOT}/localcluster/cluster-up.sh"
DOWN="${ROOT}/localcluster/cluster-down.sh"
SHIM="${ROOT}/localcluster/bin/minikube"

# shellcheck source=localcluster/lib/cluster.sh
source "${ROOT}/localcluster/lib/cluster.sh"
# shellcheck source=localcluster/lib/node.sh
source "${ROOT}/localcluster/lib/node.sh"

# What of the machine the cluster could leave behind, one item per line, sorted: processes of the cluster's kind
# (by binary or by node cgroup), mounts, network namespaces, links, routes, host iptables rules (without
# counters), node cgroups. podman's own storage mounts come and go with other work and are left out, and so do
# the other instances' clusters on this machine (see not_other_instances).
snapshot() {
  _snapshot | not_other_instances
}

# Drops the lines that name another instance's network namespaces, links, routes (rp-, rp1-, ... but not this
# instance's REDISPAIR_NAME_PREFIX), and iproute2's /run/netns mount, which the first namespace of any instance
# creates and iproute2 keeps: they appear and go with another cluster's up and down while this file runs.
not_other_instances() {
  awk -v ours="${REDISPAIR_NAME_PREFIX}" '
    $0 == "mount /run/netns" { next }
    index($0, ours) == 0 && $0 ~ /(^| |\/)rp[0-9]?-/ { next }
    { print }'
}

_snapshot() {
  local dir exe cg cmdline
  for dir in /proc/[0-9]*; do
    exe="$(readlink "${dir}/exe" 2>/dev/null)" || continue
    cg="$(cat "${dir}/cgroup" 2>/dev/null)" || continue
    cmdline="$(tr '\0' ' ' <"${dir}/cmdline" 2>/dev/null)" || continue
    # Ours: in a node's cgroup, or a cluster binary working on this cluster's state (not another plane's).
    if [[ "${cg}" == *"/${REDISPAIR_NAME_PREFIX}node-"* ]] ||
      [[ ("${exe}" == "${K8S_BIN_DIR}/"* || "${exe##*/}" == containerd*) && "${cmdline}" == *"${REDISPAIR_CLUSTER_DIR}"* ]]; then
      echo "process ${dir#/proc/} ${exe##*/}"
    fi
  done
  # Mounts a cluster makes: under its own directories, and network namespaces. (Other clusters' and podman's
  # come and go with other work on the machine.)
  findmnt -rn -o TARGET | grep -e "^${REDISPAIR_NODES_DIR}/" -e "^${REDISPAIR_CLUSTER_DIR}/" -e '^/run/netns' | sed 's/^/mount /'
  ip netns list | awk '{ print "netns " $1 }'
  ip -o link show | awk -F': ' '{ print "link " $2 }' | sed 's/@.*//'
  ip route show | sed 's/^/route /'
  { iptables-save; ip6tables-save; } 2>/dev/null | grep -v -e '^#' -e '^:' | sed 's/^/iptables /'
  find /sys/fs/cgroup -maxdepth 2 -name "${REDISPAIR_NAME_PREFIX}node-*" 2>/dev/null | sed 's/^/cgroup /'
  return 0
}

setup_file() {
  export STARTED_HERE=0
  if ! redispair::node::running node-a kubelet && ! redispair::cp::running kube-apiserver; then
    STARTED_HERE=1
    snapshot | sort >"${BATS_FILE_TMPDIR}/before"
  fi
  # Cold on a fresh machine (builds images), warm otherwise. The output is shown only when this fails.
  "${UP}" >"${BATS_FILE_TMPDIR}/up.log" 2>&1 || {
    tail -n 40 "${BATS_FILE_TMPDIR}/up.log" >&2
    return 1
  }
  export KUBECONFIG
  KUBECONFIG="$(redispair::cp::kubeconfig)"
}

teardown_file() {
  if [[ "${STARTED_HERE}" == 1 ]]; then
    "${DOWN}" >/dev/null 2>&1 || true # the down test normally did it already; this catches a failure half way
  fi
}

@test "cluster-up, cluster-down and the minikube-compatible command answer --help; it never calls itself minikube" {
  run "${UP}" --help
  [ "${status}" -eq 0 ]
  [[ "${output}" == Usage:* ]]
  run "${DOWN}" --help
  [ "${status}" -eq 0 ]
  [[ "${output}" == *--purge* ]]
  run "${SHIM}" --help
  [ "${status}" -eq 0 ]
  [[ "${output}" == *"built-in cluster (localcluster/bin/minikube, a minikube-compatible command; not minikube)"* ]]
  run "${SHIM}" version
  [ "${status}" -eq 0 ]
  [[ "${output}" == *"not minikube"* ]]
}

@test "two Ready nodes, node-a and node-b, with distinct IPs and the pinned kubelet" {
  run redispair::cluster::kubectl get nodes -o json
  [ "${status}" -eq 0 ]
  [ "$(jq -r '[.items[].metadata.name] | sort | join(" ")' <<<"${output}")" == "node-a node-b" ]
  [ "$(jq -r '[.items[] | .status.conditions[] | select(.type == "Ready") | .status] | unique | join(" ")' <<<"${output}")" == True ]
  [ "$(jq -r '[.items[] | .status.addresses[] | select(.type == "InternalIP") | .address] | sort | join(" ")' <<<"${output}")" == "$(redispair::cluster::node_ip node-a) $(redispair::cluster::node_ip node-b)" ]
  [ "$(jq -r '[.items[].status.nodeInfo.kubeletVersion] | unique | join(" ")' <<<"${output}")" == "${KUBE_VERSION}" ]
}

@test "up again is idempotent: nothing is restarted, rebuilt or re-imported" {
  local -a before after
  local node daemon
  for node in "${REDISPAIR_NODES[@]}"; do
    for daemon in "${REDISPAIR_NODE_DAEMONS[@]}"; do
      before+=("$(redispair::node::pid "${node}" "${daemon}")")
    done
  done
  run "${UP}"
  [ "${status}" -eq 0 ]
  [[ "${output}" == *"control plane already running and healthy"* ]]
  [[ "${output}" != *"starting"* ]]
  [[ "${output}" != *"importing"* ]]
  [[ "${output}" != *"building"* ]]
  [[ "${output}" != *"creating"* ]]
  for node in "${REDISPAIR_NODES[@]}"; do
    for daemon in "${REDISPAIR_NODE_DAEMONS[@]}"; do
      after+=("$(redispair::node::pid "${node}" "${daemon}")")
    done
  done
  [ "${before[*]}" == "${after[*]}" ]
}

@test "minikube shim: a profile that does not exist is minikube's two lines and exit 85; kubectl --; unknown commands 64" {
  # Profiles live in their own directory here, so this never touches the one the scripts' cycle creates (that
  # suite, test/scripts/cycle.bats, covers the profile's commands from start to delete).
  export REDISPAIR_SHIM_HOME="${BATS_TEST_TMPDIR}/shim-home"
  local cmd
  for cmd in "node list" status ip; do
    # shellcheck disable=SC2086 # the command's words
    run "${SHIM}" -p redispair ${cmd}
    [ "${status}" -eq 85 ]
    [ "${lines[0]}" == '* Profile "redispair" not found. Run "minikube profile list" to view all profiles.' ]
    [ "${lines[1]}" == '  To start a cluster, run: "minikube start -p redispair"' ]
  done
  run "${SHIM}" -p redispair delete
  [ "${status}" -eq 0 ]
  [[ "${output}" == *'"redispair" profile does not exist, trying anyways.'* ]]
  run "${SHIM}" kubectl -- get nodes -o name
  [ "${output}" == $'node/node-a\nnode/node-b' ]
  run "${SHIM}" frobnicate
  [ "${status}" -eq 64 ]
}

@test "down leaves no process, mount, network namespace, link, route, iptables rule or cgroup behind" {
  if [[ "${STARTED_HERE}" != 1 && "${REDISPAIR_CLUSTER_TEST_DOWN:-}" != 1 ]]; then
    skip "the cluster was already running before this file; not taking it away (REDISPAIR_CLUSTER_TEST_DOWN=1 forces it)"
  fi
  [[ -s "${BATS_FILE_TMPDIR}/before" ]] || snapshot | grep -v -e "${REDISPAIR_NAME_PREFIX}" -e "${REDISPAIR_NODES_DIR}" | sort >"${BATS_FILE_TMPDIR}/before"
  run "${DOWN}"
  echo "${output}"
  [ "${status}" -eq 0 ]
  [[ "${output}" == *"no process, mount, network namespace, link or iptables rule left"* ]]
  snapshot | sort >"${BATS_FILE_TMPDIR}/after"
  run comm -13 "${BATS_FILE_TMPDIR}/before" "${BATS_FILE_TMPDIR}/after"
  echo "left behind: ${output}"
  [ -z "${output}" ]
  # Twice is fine.
  run "${DOWN}"
  [ "${status}" -eq 0 ]
}
