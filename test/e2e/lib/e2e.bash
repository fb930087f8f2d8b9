# shellcheck shell=bash
# Helpers for the end-to-end tests in test/e2e/: the real two-node cluster of localcluster/ (cluster-up.sh), the
# operator deployed as a Deployment from its image, the RedisPair of deploy/redispair.yaml, and Redis reached
# from the host through the NodePorts, as a developer would.
#
#   redispair::e2e::ensure_cluster         cluster-up.sh (idempotent; cold or warm) and KUBECONFIG
#   redispair::e2e::lock / unlock          hold namespace redis of the cluster for this file: test/scripts/cycle.bats
#                                          takes the same flock (redispair::cluster::lock_namespace), so the two suites never interleave
#   redispair::e2e::reset                  removes what earlier runs left in namespace redis (and their volumes),
#                                          uncordons the nodes
#   redispair::e2e::deploy_operator        namespace (PSS restricted), CRD, RBAC, operator Deployment; waits
#   redispair::e2e::apply_redispair        deploy/redispair.yaml
#   redispair::e2e::wait_ready [SECS]      until RedisPair redis is Ready
#   redispair::e2e::pod NAME-PREFIX|ROLE   prints the name of the live (not terminating) pod of master/replica
#   redispair::e2e::pod_node ROLE          prints its node
#   redispair::e2e::password               the clients' password, from the Secret the RedisPair names now
#   redispair::e2e::master_cli ARGS...     redis-cli to the master through <node IP>:32400, from the host
#   redispair::e2e::replica_cli ARGS...    redis-cli to the replica through <node IP>:32401, from the host
#   redispair::e2e::note TEXT              prints "# TEXT" to the TAP stream (shown by bats)
#   (timings: redispair::process::now / elapsed START, from scripts/lib/process.sh)
#
# Named timeouts (seconds; override in the environment):
: "${E2E_READY_TIMEOUT:=240}"      # RedisPair Ready after apply (first start includes image/volume setup)
: "${E2E_POD_READY_TIMEOUT:=180}"  # a deleted pod's replacement Ready
: "${E2E_PENDING_HOLD:=20}"        # how long a pod must stay Pending to count as "stays Pending"
: "${E2E_SCHEDULE_TIMEOUT:=60}"    # the scheduler places (or refuses) a pod
: "${E2E_DEADLOCK_TIMEOUT:=240}"   # the operator resolves a placement deadlock
: "${E2E_INFO_JOB_START_TIMEOUT:=75}" # the every-minute CronJob's first Job: next minute boundary + a little
: "${E2E_INFO_JOB_RUN_TIMEOUT:=60}"   # that Job's pod starts, runs and finishes
: "${E2E_DELETE_TIMEOUT:=180}"     # a namespace from an earlier run is gone
: "${E2E_LOCK_WAIT:=1800}"         # another suite holds namespace redis of the cluster
: "${E2E_LOCK_HOLD:=3600}"         # the longest this suite holds it
: "${E2E_LOAD_SECONDS:=120}"       # the write load of the quiet-status test, and its rate: keys of 1 KiB per
: "${E2E_LOAD_KEYS:=1000}"         # chunk (about 1 MiB), chunks a second
: "${E2E_LOAD_CHUNKS_PER_SECOND:=2}"
# The operator Deployment applied; a changed copy can be tried without editing deploy/.
: "${E2E_OPERATOR_MANIFEST:=}"

[[ -n "${REDISPAIR_E2E_LOADED:-}" ]] && return 0
REDISPAIR_E2E_LOADED=1

REDISPAIR_E2E_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
# shellcheck source=localcluster/lib/cluster.sh
source "${REDISPAIR_E2E_ROOT}/localcluster/lib/cluster.sh"
# shellcheck source=localcluster/lib/network.sh
source "${REDISPAIR_E2E_ROOT}/localcluster/lib/network.sh"
# shellcheck source=localcluster/lib/node.sh
source "${REDISPAIR_E2E_ROOT}/localcluster/lib/node.sh"
# shellcheck source=localcluster/lib/addons.sh
source "${REDISPAIR_E2E_ROOT}/localcluster/lib/addons.sh"
# shellcheck source=test/integration/helpers.bash
source "${REDISPAIR_E2E_ROOT}/test/integration/helpers.bash"

readonly E2E_NS=redis
readonly E2E_RP=redis
readonly E2E_MASTER_PORT=32400
readonly E2E_REPLICA_PORT=32401

redispair::e2e::kubectl() { redispair::cluster::kubectl "$@"; }
redispair::e2e::k() { redispair::cluster::kubectl -n "${E2E_NS}" "$@"; }

redispair::e2e::note() { echo "# $*" >&3; }

redispair::e2e::ensure_cluster() {
  export KUBECONFIG
  KUBECONFIG="$(redispair::cp::kubeconfig)"
  local log="${BATS_FILE_TMPDIR:-/tmp}/cluster-up.log" start
  start="$(redispair::process::now)"
  if ! "${REDISPAIR_E2E_ROOT}/localcluster/cluster-up.sh" >"${log}" 2>&1; then
    tail -n 40 "${log}" >&2
    return 1
  fi
  redispair::e2e::note "cluster-up.sh: $(redispair::process::elapsed "${start}")s"
}

redispair::e2e::lock() { redispair::cluster::lock_namespace "${E2E_LOCK_WAIT}" "${E2E_LOCK_HOLD}"; }

redispair::e2e::unlock() { redispair::cluster::unlock_namespace; }

redispair::e2e::_ns_gone() { ! redispair::e2e::kubectl get namespace "${E2E_NS}" >/dev/null 2>&1; }

redispair::e2e::reset() {
  local node
  for node in "${REDISPAIR_NODES[@]}"; do
    redispair::e2e::kubectl uncordon "${node}" >/dev/null
  done
  if ! redispair::e2e::_ns_gone; then
    # The RedisPair keeps its claim (retentionPolicy Retain); the namespace takes it along, and the local volume
    # it leaves Released is emptied and made Available again below.
    redispair::e2e::kubectl delete namespace "${E2E_NS}" --wait=false >/dev/null
    redispair::test::eventually "${E2E_DELETE_TIMEOUT}" redispair::e2e::_ns_gone
  fi
  redispair::addons::recycle_released >/dev/null
}

redispair::e2e::_operator_ready() {
  [[ "$(redispair::e2e::k get deploy redispair-operator -o jsonpath='{.status.readyReplicas}')" == 1 ]]
}

redispair::e2e::deploy_operator() {
  redispair::e2e::kubectl apply --server-side -f - >/dev/null <<YAML
apiVersion: v1
kind: Namespace
metadata:
  name: ${E2E_NS}
  labels:
    pod-security.kubernetes.io/enforce: restricted
YAML
  redispair::test::apply_crd
  redispair::e2e::kubectl apply --server-side --force-conflicts -f "${REDISPAIR_E2E_ROOT}/deploy/operator/rbac.yaml" \
    -f "${E2E_OPERATOR_MANIFEST:-${REDISPAIR_E2E_ROOT}/deploy/operator/deployment.yaml}" >/dev/null
  redispair::test::eventually "${E2E_POD_READY_TIMEOUT}" redispair::e2e::_operator_ready
}

redispair::e2e::apply_redispair() {
  redispair::e2e::kubectl apply --server-side --force-conflicts -f "${REDISPAIR_E2E_ROOT}/deploy/redispair.yaml" >/dev/null
}

redispair::e2e::_rp_ready() {
  [[ "$(redispair::e2e::k get rp "${E2E_RP}" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}')" == True ]]
}

redispair::e2e::wait_ready() {
  redispair::test::eventually "${1:-${E2E_READY_TIMEOUT}}" redispair::e2e::_rp_ready
}

# Prints "name node phase ready uid" of the live pods of ROLE (master, replica), one per line.
redispair::e2e::pods() {
  local role="$1"
  redispair::e2e::k get pods -l "app.kubernetes.io/component=${role},app.kubernetes.io/instance=${E2E_RP}" -o json |
    jq -r '.items[] | select(.metadata.deletionTimestamp == null)
      | "\(.metadata.name) \(.spec.nodeName // "-") \(.status.phase) \([.status.conditions[]? | select(.type == "Ready") | .status][0] // "False") \(.metadata.uid)"'
}

redispair::e2e::pod() { redispair::e2e::pods "$1" | awk 'NR == 1 { print $1 }'; }
redispair::e2e::pod_node() { redispair::e2e::pods "$1" | awk 'NR == 1 { print $2 }'; }
redispair::e2e::pod_uid() { redispair::e2e::pods "$1" | awk 'NR == 1 { print $5 }'; }

# 0 when exactly one live pod of ROLE is Ready; with a second argument, it must not have that uid.
redispair::e2e::role_ready() {
  local role="$1" not_uid="${2:-}" out
  out="$(redispair::e2e::pods "${role}")"
  [[ "$(wc -l <<<"${out}")" == 1 ]] || return 1
  read -r _ _ _ ready uid <<<"${out}"
  [[ "${ready}" == True && "${uid}" != "${not_uid}" ]]
}

redispair::e2e::password() {
  local spec name key
  spec="$(redispair::e2e::k get rp "${E2E_RP}" -o jsonpath='{.spec.auth.secretName}/{.spec.auth.secretKey}')"
  IFS=/ read -r name key <<<"${spec}"
  # The value as stored; $(...) drops the one trailing newline of a --from-file Secret, as the pair does.
  redispair::e2e::k get secret "${name:-${E2E_RP}-auth}" -o "jsonpath={.data.${key:-password}}" | base64 -d
}

# redis-cli from the host to PORT on a node IP (the first node unless E2E_VIA_NODE names another one).
redispair::e2e::_cli() {
  local port="$1"
  shift
  local ip
  ip="$(redispair::cluster::node_ip "${E2E_VIA_NODE:-${REDISPAIR_NODES[0]}}")"
  REDISCLI_AUTH="$(redispair::e2e::password)" redis-cli --no-auth-warning -h "${ip}" -p "${port}" "$@"
}
redispair::e2e::master_cli() { redispair::e2e::_cli "${E2E_MASTER_PORT}" "$@"; }
redispair::e2e::replica_cli() { redispair::e2e::_cli "${E2E_REPLICA_PORT}" "$@"; }

# 0 when KEY reads VALUE through the replica's NodePort.
redispair::e2e::replica_has() {
  [[ "$(redispair::e2e::replica_cli GET "$1" 2>/dev/null)" == "$2" ]]
}

redispair::e2e::master_has() {
  [[ "$(redispair::e2e::master_cli GET "$1" 2>/dev/null)" == "$2" ]]
}

# 0 when the master accepts a write (SET KEY VALUE answered OK).
redispair::e2e::master_set() {
  [[ "$(redispair::e2e::master_cli SET "$1" "$2" 2>/dev/null)" == OK ]]
}

redispair::e2e::replica_link_up() {
  redispair::e2e::replica_cli INFO replication 2>/dev/null | tr -d '\r' | grep -qx 'master_link_status:up'
}

# Prints the node a PersistentVolume is pinned to (its local nodeAffinity).
redispair::e2e::pv_node() {
  redispair::e2e::kubectl get pv "$1" -o json |
    jq -r '.spec.nodeAffinity.required.nodeSelectorTerms[0].matchExpressions[] | select(.key == "kubernetes.io/hostname") | .values[0]'
}

redispair::e2e::master_pv() {
  redispair::e2e::k get pvc "data-${E2E_RP}-master-0" -o jsonpath='{.spec.volumeName}'
}

redispair::e2e::other_node() {
  local node
  for node in "${REDISPAIR_NODES[@]}"; do
    [[ "${node}" != "$1" ]] && echo "${node}"
  done
  return 0
}

# Prints the PodScheduled condition of POD as "status reason message".
redispair::e2e::scheduled_condition() {
  redispair::e2e::k get pod "$1" -o json |
    jq -r '[.status.conditions[]? | select(.type == "PodScheduled")][0] | "\(.status) \(.reason // "-") \(.message // "-")"'
}

# 0 when the pod of ROLE is Pending and the scheduler said Unschedulable.
redispair::e2e::role_unschedulable() {
  local pod cond
  pod="$(redispair::e2e::pod "$1")"
  [[ -n "${pod}" ]] || return 1
  cond="$(redispair::e2e::scheduled_condition "${pod}")"
  [[ "${cond}" == "False Unschedulable "* ]]
}
