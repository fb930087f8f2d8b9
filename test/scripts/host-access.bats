#!/usr/bin/env bats
# What the host reaches, on the real two-node test cluster (localcluster/): `source scripts/_dev_vars.sh`
# from a clean bash and zsh with no minikube on PATH (a kubeconfig context is all it needs) exports
# addresses where redis-cli answers, and REDISPAIR_METRICS_HOST_PORT, where the operator's ops Service
# (NodePort 32402) serves /metrics, /healthz and /readyz, also through a port-forward; the README's
# "useful commands" work as written. Needs root, like the cluster; brings it up itself and fails, never
# skips, when it cannot. Deploys with the operator image the cluster already holds (cycle.bats covers
# 01's own image build), and removes the RedisPair again at the end.

bats_require_minimum_version 1.5.0

load lib/helpers
load lib/cycle
load lib/clean

readonly OPS_NODE_PORT=32402

setup_file() {
  rp::clean::setup_file
  rp::cycle::env
  rp::cycle::lock
  rp::cycle::cluster_up
  # The operator image cluster-up.sh built and put on both nodes: nothing to build or load here.
  OPERATOR_IMAGE=redispair-operator:dev "${RP_ROOT}/scripts/01-redis-up.sh" >"${BATS_FILE_TMPDIR}/up.log" 2>&1 ||
    { cat "${BATS_FILE_TMPDIR}/up.log" >&2; return 1; }
  # A clean environment that reaches the cluster through its kubeconfig only: no minikube, no shim.
  export RP_CLEAN_KUBECONFIG="${KUBECONFIG}"
  export RP_CLEAN_PATH="${BATS_FILE_TMPDIR}/bin:${K8S_BIN_DIR}"
}

teardown_file() {
  "${RP_ROOT}/scripts/98-redis-down.sh" --purge >"${BATS_FILE_TMPDIR}/down.log" 2>&1 ||
    cat "${BATS_FILE_TMPDIR}/down.log" >&2
  rp::cycle::unlock
}

setup() {
  cd "${RP_ROOT}"
}

# The first node's InternalIP: what _dev_vars.sh uses when there is no minikube.
first_node_ip() {
  kubectl --context "${KUBE_CONTEXT}" get nodes -o jsonpath='{.items[0].status.addresses[?(@.type=="InternalIP")].address}'
}

# Sources _dev_vars.sh (with ARGS) in a clean SHELL and prints what a user would check with the variables.
probe() {
  local shell="$1"
  shift
  rp::clean "${shell}" -c '
    command -v minikube >/dev/null && echo "minikube is on PATH"
    source scripts/_dev_vars.sh "$@" >/dev/null || exit 9
    echo "MASTER=${REDIS_MASTER_HOST_PORT}"
    echo "SLAVE=${REDIS_SLAVE_HOST_PORT}"
    echo "METRICS=${REDISPAIR_METRICS_HOST_PORT}"
    echo "PINGS=$(redis-cli -h "${REDIS_MASTER_HOST_PORT%:*}" -p "${REDIS_MASTER_HOST_PORT#*:}" ping)$(redis-cli -h "${REDIS_SLAVE_HOST_PORT%:*}" -p "${REDIS_SLAVE_HOST_PORT#*:}" ping)"
    echo "HEALTHZ=$(curl -fsS "http://${REDISPAIR_METRICS_HOST_PORT}/healthz")"
    echo "READYZ=$(curl -fsS "http://${REDISPAIR_METRICS_HOST_PORT}/readyz")"
    echo "METRICS_LINES=$(curl -fsS "http://${REDISPAIR_METRICS_HOST_PORT}/metrics" | grep -c "^redispair_")"' \
    "${shell}" "$@"
}

@test "_dev_vars.sh with no minikube (bash, zsh): node IP and NodePorts answer; REDISPAIR_METRICS_HOST_PORT serves /metrics, /healthz, /readyz" {
  local ip shell
  ip="$(first_node_ip)"
  [[ -n "${ip}" ]]
  for shell in bash zsh; do
    run probe "${shell}"
    echo "${shell}: ${output}"
    [[ "${status}" -eq 0 ]]
    [[ "${output}" != *"minikube is on PATH"* ]]
    [[ "${output}" == *"MASTER=${ip}:32400"* && "${output}" == *"SLAVE=${ip}:32401"* ]]
    [[ "${output}" == *"METRICS=${ip}:${OPS_NODE_PORT}"* ]]
    [[ "${output}" == *"PINGS=PONGPONG"* ]]
    [[ "${output}" == *"HEALTHZ=ok"* && "${output}" == *"READYZ=ok"* ]]
    [[ "${output}" =~ METRICS_LINES=[1-9][0-9]* ]]
  done
  [[ "$(rp::cycle::k get service redispair-operator -o jsonpath='{.spec.type} {.spec.ports[0].nodePort}')" == "NodePort ${OPS_NODE_PORT}" ]]
}

@test "_dev_vars.sh --port-forward: the ops port is forwarded too; --stop ends every forward and unsets the variables" {
  run probe bash --port-forward
  echo "${output}"
  [[ "${status}" -eq 0 ]]
  [[ "${output}" == *"MASTER=127.0.0.1:"* && "${output}" == *"METRICS=127.0.0.1:"* ]]
  [[ "${output}" == *"PINGS=PONGPONG"* && "${output}" == *"HEALTHZ=ok"* ]]
  [[ "${output}" =~ METRICS_LINES=[1-9][0-9]* ]]
  local dir="${BATS_TEST_TMPDIR}/home/.local/state/redispair/port-forward/${KUBE_CONTEXT}" pids pid
  pids="$(cat "${dir}"/*.pid)"
  [[ "$(wc -w <<<"${pids}")" -eq 3 ]]
  run rp::clean bash -c 'source scripts/_dev_vars.sh --port-forward >/dev/null; source scripts/_dev_vars.sh --stop >/dev/null
    env | grep -E "^(REDIS_|REDISCLI_AUTH|REDISPAIR_)" || echo "none exported"'
  [[ "${output}" == "none exported" ]]
  for pid in ${pids}; do
    run ! rp::cycle::port_forward_running "${pid}"
  done
}

@test "_dev_vars.sh exports for the live pair; sourced for a RedisPair that is not there, it unsets all four" {
  run rp::clean bash -c 'source scripts/_dev_vars.sh >/dev/null && echo "refreshed ${REDISPAIR_METRICS_HOST_PORT}"'
  [[ "${output}" == "refreshed "*":${OPS_NODE_PORT}" ]]
  # No such Services (as after 98): nothing may stay exported from before.
  run rp::clean bash -c '
    source scripts/_dev_vars.sh >/dev/null
    REDISPAIR_NAME=no-such-pair source scripts/_dev_vars.sh
    echo "rc=$?"
    env | grep -E "^(REDIS_|REDISCLI_AUTH|REDISPAIR_)" || echo "none exported"'
  echo "${output}"
  [[ "${output}" == *"no-such-pair-master"* && "${output}" == *"rc=1"* && "${output}" == *"none exported"* ]]
}

@test "README's useful commands work as written: redis-cli in the master pod and the replica Deployment, with auth" {
  local -a lines=()
  local line
  # The commands of the README's "Useful commands" block, but the interactive shell.
  while IFS= read -r line; do
    lines+=("${line%%  #*}")
  done < <(sed -n '/^### Useful commands/,/^```$/p' README.md | sed -n '/^kubectl /p' | grep -v 'redis-cli  ')
  ((${#lines[@]} >= 5))
  for line in "${lines[@]}"; do
    run bash -c "${line}" </dev/null
    echo "\$ ${line}"
    echo "${output}"
    [[ "${status}" -eq 0 ]] || return 1
    [[ "${output}" != *NOAUTH* ]] || return 1
    case "${line}" in
      *"info replication"*) [[ "${output}" == *"role:slave"* && "${output}" == *"master_link_status:up"* ]] ;;
      *"get redispair"*) [[ "${output}" == *True* ]] ;;
    esac
  done
}
