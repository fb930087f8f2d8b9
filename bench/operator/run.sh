#!/usr/bin/env bash
# Measures the operator on the local control plane (localcluster/), with the real binary running as its
# ServiceAccount:
#   - apply -> all children exist: p50/p99 over N RedisPairs created one after another (the reference
#     in the same run: the API server's own round trip for a create, so the figure can be read as
#     "operator reaction time = total - create round trip");
#   - API requests per reconcile, while creating and in the steady state;
#   - RSS of the operator: right after it started (empty caches), and idle after the run with N
#     RedisPairs and all their children cached.
# Usage: bench/operator/run.sh [--help] [N]   (N RedisPairs, 1..1383; default $BENCH_APPLIES, else 50)
set -o errexit -o nounset -o pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=scripts/lib/log.sh
source "${ROOT}/scripts/lib/log.sh"
# shellcheck source=test/integration/helpers.bash
source "${ROOT}/test/integration/helpers.bash"
redispair::log::install_err_trap

: "${BENCH_APPLIES:=50}"
: "${BENCH_NS:=redis-bench}"
: "${REDISPAIR_BIN:=${ROOT}/build/operator/redispair}"
export REDISPAIR_BIN
REDISPAIR_OP_DIR="$(mktemp -d)"
: "${REDISPAIR_OP_PORT:=18490}"
export REDISPAIR_OP_DIR REDISPAIR_OP_PORT
# shellcheck source=test/integration/lib/operator.bash
source "${ROOT}/test/integration/lib/operator.bash"

CERT_DIR=""

cleanup() {
  redispair::op::stop >/dev/null 2>&1 || true
  redispair::test::kubectl delete namespace "${BENCH_NS}" --wait=false >/dev/null 2>&1 || true
  rm -rf "${REDISPAIR_OP_DIR}" "${CERT_DIR}"
}

# Client credentials for curl, from the admin kubeconfig: kubectl costs ~100 ms a call, curl ~5 ms.
extract_credentials() {
  CERT_DIR="$(mktemp -d)"
  local kc="${KUBECONFIG}"
  kubectl_raw() { redispair::test::kubectl config view --raw -o "jsonpath=$1" --kubeconfig "${kc}"; }
  kubectl_raw '{.clusters[0].cluster.certificate-authority-data}' | base64 -d >"${CERT_DIR}/ca.crt"
  kubectl_raw '{.users[0].user.client-certificate-data}' | base64 -d >"${CERT_DIR}/client.crt"
  kubectl_raw '{.users[0].user.client-key-data}' | base64 -d >"${CERT_DIR}/client.key"
  SERVER="$(kubectl_raw '{.clusters[0].cluster.server}')"
}

api() {
  curl -fsS --cacert "${CERT_DIR}/ca.crt" --cert "${CERT_DIR}/client.crt" --key "${CERT_DIR}/client.key" "$@"
}

now_ms() { date +%s%3N; }

percentile() {
  local p="$1" file="$2"
  sort -n "${file}" | awk -v p="${p}" '{ a[NR] = $1 } END { i = int((p / 100) * NR + 0.999); if (i < 1) i = 1; print a[i] }'
}

# The operator's resident set, KiB.
operator_rss_kb() {
  awk '/^VmRSS/ { print $2 }' "/proc/$(cat "${REDISPAIR_OP_DIR}/operator.pid")/status"
}

main() {
  if [[ "${1:-}" == "--help" ]]; then
    sed -n '2,11p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
    return 0
  fi
  if (($# > 0)); then
    BENCH_APPLIES="$1"
  fi
  # Each RedisPair takes two NodePorts from 30000 up, and the range ends at 32767.
  if [[ ! "${BENCH_APPLIES}" =~ ^[0-9]+$ ]] || ((BENCH_APPLIES < 1 || BENCH_APPLIES > 1383)); then
    redispair::log::error "N must be a number of RedisPairs from 1 to 1383, not \"${BENCH_APPLIES}\""
    return 2
  fi
  trap cleanup EXIT
  redispair::test::ensure_control_plane
  redispair::test::apply_crd
  redispair::test::ensure_namespace "${BENCH_NS}"
  redispair::op::install_rbac "${BENCH_NS}"
  redispair::op::start "${BENCH_NS}"
  local rss_start_kb
  rss_start_kb="$(operator_rss_kb)"
  extract_credentials

  local base="${SERVER}/apis/redispair.io/v1alpha1/namespaces/${BENCH_NS}/redispairs"
  local deploy_base="${SERVER}/apis/apps/v1/namespaces/${BENCH_NS}/deployments"
  local times="${REDISPAIR_OP_DIR}/apply-ms.txt" rtts="${REDISPAIR_OP_DIR}/create-rtt-ms.txt"
  local req0 rec0
  req0="$(redispair::op::metric redispair_api_requests_total)"
  rec0="$(redispair::op::metric redispair_reconcile_total)"
  redispair::log::info "creating ${BENCH_APPLIES} RedisPairs one at a time"
  local i name start created done_at port
  for ((i = 0; i < BENCH_APPLIES; i++)); do
    name="bench-${i}"
    port=$((30000 + 2 * i))
    start="$(now_ms)"
    api -X POST -H 'Content-Type: application/json' "${base}" -o /dev/null -d \
      "{\"apiVersion\":\"redispair.io/v1alpha1\",\"kind\":\"RedisPair\",\"metadata\":{\"name\":\"${name}\"},\"spec\":{\"master\":{\"nodePort\":${port}},\"replica\":{\"nodePort\":$((port + 1))}}}"
    created="$(now_ms)"
    # The Deployment is applied last, so its existence means every child exists.
    until api -o /dev/null "${deploy_base}/${name}-replica" 2>/dev/null; do sleep 0.005; done
    done_at="$(now_ms)"
    echo $((done_at - start)) >>"${times}"
    echo $((created - start)) >>"${rtts}"
  done
  sleep 3
  local req1 rec1
  req1="$(redispair::op::metric redispair_api_requests_total)"
  rec1="$(redispair::op::metric redispair_reconcile_total)"
  redispair::log::info "steady state: 30 s with nothing changing"
  sleep 30
  local req2 rec2 writes rss_kb
  req2="$(redispair::op::metric redispair_api_requests_total)"
  rec2="$(redispair::op::metric redispair_reconcile_total)"
  writes="$(redispair::op::metric redispair_api_write_requests_total)"
  rss_kb="$(operator_rss_kb)"

  echo
  echo "operator benchmark (${BENCH_APPLIES} RedisPairs, control plane only, Kubernetes ${KUBE_VERSION})"
  printf '  apply -> all children exist   p50 %s ms   p99 %s ms   max %s ms\n' \
    "$(percentile 50 "${times}")" "$(percentile 99 "${times}")" "$(percentile 100 "${times}")"
  printf '  reference: create round trip  p50 %s ms   p99 %s ms\n' \
    "$(percentile 50 "${rtts}")" "$(percentile 99 "${rtts}")"
  printf '  API requests per reconcile    while creating %s (%s requests / %s reconciles)\n' \
    "$(awk -v a=$((req1 - req0)) -v b=$((rec1 - rec0)) 'BEGIN { printf "%.2f", (b ? a / b : 0) }')" \
    $((req1 - req0)) $((rec1 - rec0))
  printf '                                steady state %s (%s requests / %s reconciles)\n' \
    "$(awk -v a=$((req2 - req1)) -v b=$((rec2 - rec1)) 'BEGIN { printf "%.2f", (b ? a / b : 0) }')" \
    $((req2 - req1)) $((rec2 - rec1))
  printf '  API writes in total           %s\n' "${writes}"
  printf '  operator RSS when idle        %s KiB (%.1f MiB) with %s RedisPairs cached\n' \
    "${rss_kb}" "$(awk -v k="${rss_kb}" 'BEGIN { print k / 1024 }')" "${BENCH_APPLIES}"
  printf '  reference: RSS after start    %s KiB (%.1f MiB), caches empty\n' \
    "${rss_start_kb}" "$(awk -v k="${rss_start_kb}" 'BEGIN { print k / 1024 }')"
}

main "$@"
