#!/usr/bin/env bash
# Measures the refill of a lost master volume on the real two-node cluster (localcluster/), with the operator
# deployed from its image as in test/e2e: for each size N, N keys are written through the master's NodePort
# and reach the replica; then the master's PVC and pod are deleted, and the clock runs until the master is
# refilled from the replica, promoted, and the RedisPair Ready again. Every key is then read back on both
# pods. Prints, per size: the refill time, the time of the master's full sync alone (from its log), and the
# keys lost (the goal is 0).
# Usage: bench/refill/run.sh [--help]      (sizes from BENCH_REFILL_SIZES, default "10000 1000000")
# Runs through /work/coord/heavy on shared machines; holds namespace "redis" of the cluster (the e2e lock).
set -o errexit -o nounset -o pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=scripts/lib/log.sh
source "${ROOT}/scripts/lib/log.sh"
redispair::log::install_err_trap

: "${BENCH_REFILL_SIZES:=10000 1000000}"
# Both roles get this memory limit: a million small keys take ~100 MB, and maxmemory is derived from it.
: "${BENCH_REFILL_MEMORY:=1Gi}"
: "${BENCH_REFILL_TIMEOUT:=900}"

# The e2e helpers write notes to fd 3 (bats); here they go to stdout.
exec 3>&1
# shellcheck source=test/e2e/lib/e2e.bash
source "${ROOT}/test/e2e/lib/e2e.bash"
# shellcheck source=test/e2e/lib/data.bash
source "${ROOT}/test/e2e/lib/data.bash"

recovered() {
  [[ "$(redispair::data::condition status) $(redispair::data::condition reason)" == "False Recovered" ]]
}
claim_uid() { redispair::e2e::k get pvc "data-${E2E_RP}-master-0" -o jsonpath='{.metadata.uid}' 2>/dev/null; }
new_claim() {
  local uid
  uid="$(claim_uid)"
  [[ -n "${uid}" && "${uid}" != "$1" ]]
}
replica_has_all() { [[ "$(redispair::data::good replica "$1" "$2")" == "$2" ]]; }

# The master's own account of the transfer: "MASTER <-> REPLICA sync: receiving" to "Finished with success".
sync_seconds() {
  redispair::e2e::k logs "${E2E_RP}-master-0" -c redis | awk '
    function t(line,   f) { split(line, f, " "); split(f[5], c, ":"); return c[1] * 3600 + c[2] * 60 + c[3] }
    /MASTER <-> REPLICA sync: receiving/ && !s { s = t($0) }
    /MASTER <-> REPLICA sync: Finished with success/ { e = t($0) }
    END { if (s && e) printf "%.2f", e - s; else print "?" }'
}

deploy_pair() {
  sed -e "/^  master:/a\\    resources: {requests: {cpu: 50m, memory: 64Mi}, limits: {memory: ${BENCH_REFILL_MEMORY}}}" \
    -e "/^  replica:/a\\    resources: {requests: {cpu: 50m, memory: 64Mi}, limits: {memory: ${BENCH_REFILL_MEMORY}}}" \
    "${ROOT}/deploy/redispair.yaml" | redispair::e2e::kubectl apply --server-side --force-conflicts -f - >/dev/null
  redispair::e2e::wait_ready
}

measure() {
  local n="$1" prefix="bench:$1" old start took lost_master lost_replica
  redispair::log::info "${n} keys: writing them through the master's NodePort"
  redispair::data::fill "${prefix}" "${n}"
  redispair::test::eventually "${BENCH_REFILL_TIMEOUT}" replica_has_all "${prefix}" "${n}"
  old="$(claim_uid)"
  redispair::log::info "${n} keys: deleting the master's PVC and pod"
  start="$(redispair::process::now)"
  redispair::e2e::k delete pvc "data-${E2E_RP}-master-0" --wait=false >/dev/null
  redispair::e2e::k delete pod "${E2E_RP}-master-0" --wait=false >/dev/null
  redispair::test::eventually "${BENCH_REFILL_TIMEOUT}" new_claim "${old}"
  redispair::test::eventually "${BENCH_REFILL_TIMEOUT}" recovered
  redispair::e2e::wait_ready "${BENCH_REFILL_TIMEOUT}"
  took="$(redispair::process::elapsed "${start}")"
  lost_master=$((n - $(redispair::data::good master "${prefix}" "${n}")))
  lost_replica=$((n - $(redispair::data::good replica "${prefix}" "${n}")))
  printf '%-9s refill (PVC + pod deleted -> Ready): %6ss   master full sync: %6ss   keys lost: master %s, replica %s\n' \
    "${n}" "${took}" "$(sync_seconds)" "${lost_master}" "${lost_replica}"
  redispair::data::pod_cli master FLUSHALL >/dev/null
  redispair::addons::recycle_released >/dev/null
}

main() {
  if [[ "${1:-}" == --help ]]; then
    sed -n '2,9p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
    return 0
  fi
  redispair::e2e::ensure_cluster
  redispair::e2e::lock
  trap 'redispair::e2e::unlock' EXIT
  redispair::e2e::reset
  redispair::e2e::deploy_operator
  deploy_pair
  local n
  for n in ${BENCH_REFILL_SIZES}; do measure "${n}"; done
}

main "$@"
