#!/usr/bin/env bash
# Recovery times a developer waits for, on the two-node test cluster (localcluster/cluster-up.sh; its images
# are already on the nodes), with the operator running as a Deployment from its image:
#   - apply deploy/redispair.yaml -> RedisPair Ready: a first deploy, so each run applies it under a new name
#     (redis-apply-N) with a fresh volume. Re-creating a claim of the same name right after deleting one
#     made the kubelet wait ~60 s: the API server's node authorizer had not yet linked the node to the new
#     claim ("no relationship found between node ... and this object"), an upstream race, not a first deploy;
#   - master pod deleted -> the replica's link up again (master_link_status:up, read through the replica's
#     NodePort from the host);
#   - replica pod deleted -> a new replica pod Ready and the RedisPair Ready.
# Each is run BENCH_RUNS times; p50 and max are printed beside the goal.
#
#   bench/recovery/run.sh                  # 5 runs each
#   BENCH_RUNS=10 bench/recovery/run.sh
# Environment: REDISPAIR_CLUSTER_INSTANCE and the other settings of localcluster/lib/cluster.sh.
set -o errexit -o nounset -o pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
readonly ROOT
# shellcheck source=scripts/lib/log.sh
source "${ROOT}/scripts/lib/log.sh"
# shellcheck source=test/e2e/lib/e2e.bash
source "${ROOT}/test/e2e/lib/e2e.bash"
redispair::log::install_err_trap

: "${BENCH_RUNS:=5}"
# Named timeouts, seconds: far above the goals, so a slow run is measured rather than cut off.
: "${BENCH_READY_TIMEOUT:=180}"
: "${BENCH_LINK_TIMEOUT:=180}"
: "${BENCH_GONE_TIMEOUT:=120}"
# Poll interval, seconds: redis-cli from the host costs a few ms, kubectl about 100 ms.
readonly BENCH_POLL=0.1

usage() {
  cat <<USAGE
Usage: ${0##*/} [--help]

Environment: BENCH_RUNS (${BENCH_RUNS}), BENCH_READY_TIMEOUT (${BENCH_READY_TIMEOUT}),
BENCH_LINK_TIMEOUT (${BENCH_LINK_TIMEOUT}), REDISPAIR_CLUSTER_INSTANCE (${REDISPAIR_CLUSTER_INSTANCE}).
USAGE
}

# Runs CMD... every BENCH_POLL seconds until it succeeds; fails after TIMEOUT seconds.
bench::until() {
  local timeout="$1" what="$2"
  shift 2
  local start
  start="$(redispair::process::now)"
  until "$@" >/dev/null 2>&1; do
    if awk -v e="$(redispair::process::elapsed "${start}")" -v t="${timeout}" 'BEGIN { exit !(e >= t) }'; then
      redispair::log::error "${what}: not after ${timeout}s"
      return 1
    fi
    sleep "${BENCH_POLL}"
  done
}

# Seconds since START, with milliseconds.
bench::since() {
  local now
  now="$(redispair::process::now)"
  awk -v a="$1" -v b="${now}" 'BEGIN { printf "%.2f\n", b - a }'
}

bench::link_down() {
  redispair::e2e::replica_cli INFO replication 2>/dev/null | tr -d '\r' | grep -qx 'master_link_status:down'
}

bench::pair_gone() {
  [[ -z "$(redispair::e2e::k get pods,svc -l "app.kubernetes.io/instance=$1" -o name 2>/dev/null)" ]] &&
    ! redispair::e2e::k get pvc "data-$1-master-0" >/dev/null 2>&1
}

# RedisPair NAME, its pods, Services (their NodePorts) and claim removed, and its volume emptied.
bench::remove_pair() {
  local name="$1"
  redispair::e2e::k delete rp "${name}" --ignore-not-found --wait=false >/dev/null
  redispair::e2e::k delete pvc "data-${name}-master-0" --ignore-not-found --wait=false >/dev/null
  bench::until "${BENCH_GONE_TIMEOUT}" "RedisPair ${name} and its pods gone" bench::pair_gone "${name}"
  redispair::addons::recycle_released >/dev/null
}

bench::pair_ready() {
  [[ "$(redispair::e2e::k get rp "$1" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}')" == True ]]
}

# deploy/redispair.yaml applied as RedisPair NAME; prints the seconds until it is Ready; removes it.
bench::apply_to_ready() {
  local name="$1" start
  start="$(redispair::process::now)"
  sed "s/^  name: ${E2E_RP}\$/  name: ${name}/" "${ROOT}/deploy/redispair.yaml" |
    redispair::e2e::kubectl apply --server-side --force-conflicts -f - >/dev/null
  bench::until "${BENCH_READY_TIMEOUT}" "RedisPair ${name} Ready after apply" bench::pair_ready "${name}"
  bench::since "${start}"
  bench::remove_pair "${name}"
}

bench::master_deleted_to_link_up() {
  bench::until "${BENCH_READY_TIMEOUT}" "RedisPair Ready before the deletion" redispair::e2e::_rp_ready
  bench::until "${BENCH_LINK_TIMEOUT}" "replica link up before the deletion" redispair::e2e::replica_link_up
  local start
  start="$(redispair::process::now)"
  redispair::e2e::k delete pod "${E2E_RP}-master-0" --wait=false >/dev/null
  # Up only counts once the replica has seen its master go.
  bench::until "${BENCH_LINK_TIMEOUT}" "replica link down after the master's deletion" bench::link_down
  bench::until "${BENCH_LINK_TIMEOUT}" "replica link up again" redispair::e2e::replica_link_up
  bench::since "${start}"
}

bench::replica_replaced_and_ready() {
  redispair::e2e::role_ready replica "$1" && redispair::e2e::_rp_ready
}

bench::replica_deleted_to_ready() {
  bench::until "${BENCH_READY_TIMEOUT}" "RedisPair Ready before the deletion" redispair::e2e::_rp_ready
  local pod uid start
  pod="$(redispair::e2e::pod replica)"
  uid="$(redispair::e2e::pod_uid replica)"
  start="$(redispair::process::now)"
  redispair::e2e::k delete pod "${pod}" --wait=false >/dev/null
  bench::until "${BENCH_READY_TIMEOUT}" "a new replica Ready" bench::replica_replaced_and_ready "${uid}"
  bench::since "${start}"
}

# Prints "p50 max" of the numbers on stdin (p50: the nearest-rank median).
bench::p50_max() {
  sort -n | awk '{ v[NR] = $1 } END { printf "%.2f %.2f\n", v[int((NR + 1) / 2)], v[NR] }'
}

bench::report() {
  local what="$1" goal="$2" file="$3" p50 max
  read -r p50 max < <(bench::p50_max <"${file}")
  printf '%-36s %4d %7ss %7ss %7s   %s\n' "${what}" "$(wc -l <"${file}")" "${p50}" "${max}" "<= ${goal}s" \
    "$(tr '\n' ' ' <"${file}")"
}

main() {
  if [[ "${1:-}" == "-h" || "${1:-}" == "--help" ]]; then
    usage
    return 0
  fi
  export KUBECONFIG
  KUBECONFIG="$(redispair::cp::kubeconfig)"
  redispair::log::info "two-node cluster, instance ${REDISPAIR_CLUSTER_INSTANCE}: localcluster/cluster-up.sh"
  "${ROOT}/localcluster/cluster-up.sh" >/dev/null
  redispair::e2e::lock
  BENCH_TMP="$(mktemp -d)"
  trap 'redispair::e2e::unlock; rm -rf "${BENCH_TMP}"' EXIT
  redispair::log::info "namespace ${E2E_NS}: removing earlier runs, deploying the operator"
  redispair::e2e::reset
  redispair::e2e::deploy_operator
  redispair::log::info "$(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg); ${BENCH_RUNS} runs each"

  local i
  for ((i = 1; i <= BENCH_RUNS; i++)); do
    bench::apply_to_ready "${E2E_RP}-apply-${i}" | tee -a "${BENCH_TMP}/apply" |
      sed "s/^/  apply -> Ready, run ${i}: /;s/$/ s/"
  done
  redispair::e2e::apply_redispair
  bench::until "${BENCH_READY_TIMEOUT}" "RedisPair ${E2E_RP} Ready" redispair::e2e::_rp_ready
  for ((i = 1; i <= BENCH_RUNS; i++)); do
    bench::master_deleted_to_link_up | tee -a "${BENCH_TMP}/master" |
      sed "s/^/  master deleted -> link up, run ${i}: /;s/$/ s/"
  done
  for ((i = 1; i <= BENCH_RUNS; i++)); do
    bench::replica_deleted_to_ready | tee -a "${BENCH_TMP}/replica" |
      sed "s/^/  replica deleted -> Ready, run ${i}: /;s/$/ s/"
  done

  printf '%-36s %4s %8s %8s %7s   %s\n' what runs p50 max goal "each run (s)"
  bench::report "apply -> Ready" 10 "${BENCH_TMP}/apply"
  bench::report "master pod deleted -> link up" 5 "${BENCH_TMP}/master"
  bench::report "replica pod deleted -> Ready" 5 "${BENCH_TMP}/replica"
  redispair::log::info "the RedisPair is left running in namespace ${E2E_NS}; localcluster/cluster-down.sh removes the cluster"
}

main "$@"
