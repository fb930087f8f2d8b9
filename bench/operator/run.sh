#!/usr/bin/env bash
# Measures the operator on the local control plane (localcluster/), with the real binary running as its
# ServiceAccount:
#   - apply -> all children exist: p50/p99 over N RedisPairs created one after another (the reference
#     in the same run: the API server's own round trip for a create, so the figure can be read as
#     "operator reaction time = total - create round trip");
#   - API requests per reconcile, while creating and in the steady state;
#   - CPU of the operator in the steady state: utime+stime from /proc/PID/stat over BENCH_STEADY_SECONDS
#     (default 60), after BENCH_SETTLE_SECONDS (default 10) with nothing changing, as % of one core;
#   - status writes per minute under write load: one more RedisPair made Ready on loopback (real redis-server
#     processes run its rendered configuration; the script plays the kubelet), then written to at about
#     2 MB/s for BENCH_LOAD_SECONDS (0: skipped), printed last;
#   - RSS of the operator: right after it started (empty caches), and idle after the steady state with N
#     RedisPairs and all their children cached (before the load).
# BENCH_KEEP=1 leaves the RedisPairs behind; a next run with the same N reuses them and measures only the
# steady state, CPU and RSS (for comparing two binaries at 1,000 pairs without creating them twice).
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
export REDISPAIR_OP_DIR REDISPAIR_OP_PORT=$((${REDISPAIR_OP_PORT:-18480} + 10))
# shellcheck source=test/integration/lib/operator.bash
source "${ROOT}/test/integration/lib/operator.bash"
# shellcheck source=test/integration/lib/standin.bash
source "${ROOT}/test/integration/lib/standin.bash"

: "${BENCH_LOAD_SECONDS:=60}"
: "${BENCH_SETTLE_SECONDS:=10}"
: "${BENCH_STEADY_SECONDS:=60}"
# 1: leave the namespace and its RedisPairs behind, for a following run (of another binary) to reuse.
: "${BENCH_KEEP:=0}"
readonly REUSE_RECONCILE_TIMEOUT=900
: "${BENCH_LOAD_CHUNKS_PER_SECOND:=2}" # chunks of 1000 SETs of 1 KiB values (about 1 MiB) a second
: "${BENCH_MASTER_IP:=127.0.0.12}"
: "${BENCH_REPLICA_IP:=127.0.0.13}"
readonly LOAD_RP=bench-load
readonly LOAD_NODES=(bench-node-a bench-node-b)
readonly LOAD_READY_TIMEOUT=60
# Before the load: how long without a status write counts as settled, and how long to wait for that.
readonly SETTLE_QUIET_SECONDS=10
readonly SETTLE_TIMEOUT=120

CERT_DIR=""
LOAD_DIR=""

cleanup() {
  if [[ -n "${LOAD_DIR}" ]]; then
    redispair::standin::stop_redis "${LOAD_DIR}/replica"
    redispair::standin::stop_redis "${LOAD_DIR}/master"
    redispair::standin::stop_keep_alive "${LOAD_DIR}"
    redispair::standin::remove_nodes "${LOAD_NODES[@]}" 2>/dev/null || true # best effort on the way out
  fi
  redispair::op::stop >/dev/null 2>&1 || true
  if ((BENCH_KEEP == 0)); then
    redispair::test::kubectl delete namespace "${BENCH_NS}" --wait=false >/dev/null 2>&1 || true
  fi
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

# Status writes to RedisPairs the API server has answered since it started (apiserver_request_total).
status_writes() {
  api "${SERVER}/metrics" | awk '/^apiserver_request_total\{/ && /resource="redispairs"/ &&
    /subresource="status"/ && /verb="(APPLY|PATCH|UPDATE)"/ { s += $NF } END { printf "%d\n", s }'
}

# No status write to any RedisPair for SETTLE_QUIET_SECONDS.
status_writes_settled() {
  local before
  before="$(status_writes)"
  sleep "${SETTLE_QUIET_SECONDS}"
  (($(status_writes) == before))
}

load_kubectl() { redispair::test::kubectl -n "${BENCH_NS}" "$@"; }
load_ready() {
  [[ "$(load_kubectl get rp "${LOAD_RP}" -o 'jsonpath={.status.conditions[?(@.type=="Ready")].status}')" == True ]]
}
load_replica_pod() {
  load_kubectl get pods -l "app.kubernetes.io/instance=${LOAD_RP},app.kubernetes.io/component=replica" \
    -o 'jsonpath={.items[0].metadata.name}'
}
load_pods_exist() { load_kubectl get pod "${LOAD_RP}-master-0" >/dev/null && [[ -n "$(load_replica_pod)" ]]; }
port_free() { ! (exec 3<>"/dev/tcp/$1/6379") 2>/dev/null; }
load_cli() { REDISCLI_AUTH="${LOAD_PASSWORD}" redis-cli --no-auth-warning -h "${BENCH_MASTER_IP}" "$@"; }

# The RESP of 1000 SETs of 1 KiB values, about 1 MiB.
load_chunk() {
  local value i
  value="$(head -c 1024 /dev/zero | tr '\0' v)"
  for ((i = 0; i < 1000; i++)); do
    # shellcheck disable=SC2016 # RESP, not shell: $ starts a bulk string
    printf '*3\r\n$3\r\nSET\r\n$%d\r\nbench:load:%d\r\n$1024\r\n%s\r\n' "$((11 + ${#i}))" "${i}" "${value}"
  done
}

# Makes RedisPair LOAD_RP Ready on loopback, writes to it for BENCH_LOAD_SECONDS, and sets LOAD_* to what was
# measured: seconds, bytes replicated, status writes.
measure_status_under_load() {
  local ip
  for ip in "${BENCH_MASTER_IP}" "${BENCH_REPLICA_IP}"; do
    port_free "${ip}" || {
      redispair::log::error "${ip}:6379 is taken; set BENCH_MASTER_IP / BENCH_REPLICA_IP to free addresses"
      return 1
    }
  done
  LOAD_DIR="${REDISPAIR_OP_DIR}/load"
  redispair::standin::add_nodes "${LOAD_NODES[@]}"
  redispair::standin::keep_alive "${LOAD_DIR}" "${LOAD_NODES[@]}"
  load_kubectl apply --server-side -f - >/dev/null <<RP
apiVersion: redispair.io/v1alpha1
kind: RedisPair
metadata:
  name: ${LOAD_RP}
spec:
  master: {nodePort: 32300}
  replica: {nodePort: 32301}
RP
  redispair::test::eventually "${LOAD_READY_TIMEOUT}" load_pods_exist
  LOAD_PASSWORD="$(load_kubectl get secret "${LOAD_RP}-auth" -o 'jsonpath={.data.password}' | base64 -d)"
  redispair::standin::start_redis "${BENCH_NS}" "statefulset/${LOAD_RP}-master" "${BENCH_MASTER_IP}" \
    "${LOAD_DIR}/master" "${BENCH_MASTER_IP}" "${LOAD_PASSWORD}"
  redispair::standin::start_redis "${BENCH_NS}" "deployment/${LOAD_RP}-replica" "${BENCH_REPLICA_IP}" \
    "${LOAD_DIR}/replica" "${BENCH_MASTER_IP}" "${LOAD_PASSWORD}"
  redispair::standin::play_kubelet "${BENCH_NS}" "${LOAD_RP}-master-0" "${LOAD_NODES[0]}" "${BENCH_MASTER_IP}"
  redispair::standin::play_kubelet "${BENCH_NS}" "$(load_replica_pod)" "${LOAD_NODES[1]}" "${BENCH_REPLICA_IP}"
  redispair::test::eventually "${LOAD_READY_TIMEOUT}" load_ready
  # The counter is cluster-wide: wait until no RedisPair's status is being written, the loaded one's Ready
  # transition and the idle ones' reaction to the stand-in nodes (the scheduler's message names the node count).
  redispair::test::eventually "${SETTLE_TIMEOUT}" status_writes_settled

  load_chunk >"${LOAD_DIR}/chunk.resp"
  local writes0 offset0 start i j
  writes0="$(status_writes)"
  offset0="$(load_cli INFO replication | tr -d '\r' | awk -F: '$1 == "master_repl_offset" { print $2 }')"
  start="$(now_ms)"
  for ((i = 0; i < BENCH_LOAD_SECONDS; i++)); do
    for ((j = 0; j < BENCH_LOAD_CHUNKS_PER_SECOND; j++)); do cat "${LOAD_DIR}/chunk.resp"; done
    sleep 1
  done | load_cli --pipe >"${LOAD_DIR}/pipe.log"
  LOAD_MS=$(($(now_ms) - start))
  LOAD_BYTES=$(($(load_cli INFO replication | tr -d '\r' | awk -F: '$1 == "master_repl_offset" { print $2 }') - offset0))
  LOAD_WRITES=$(($(status_writes) - writes0))
  LOAD_STILL_READY="$(load_ready && echo yes || echo no)"
}

percentile() {
  local p="$1" file="$2"
  sort -n "${file}" | awk -v p="${p}" '{ a[NR] = $1 } END { i = int((p / 100) * NR + 0.999); if (i < 1) i = 1; print a[i] }'
}

# The operator's resident set, KiB.
operator_rss_kb() {
  awk '/^VmRSS/ { print $2 }' "/proc/$(cat "${REDISPAIR_OP_DIR}/operator.pid")/status"
}

# CPU time the operator has used, user + system, in clock ticks (fields 14 and 15 of /proc/PID/stat; the
# command name in field 2 has no spaces: it is "redispair").
operator_cpu_ticks() {
  awk '{ print $14 + $15 }' "/proc/$(cat "${REDISPAIR_OP_DIR}/operator.pid")/stat"
}

main() {
  if [[ "${1:-}" == "--help" ]]; then
    sed -n '2,17p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
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
  local sts_base="${SERVER}/apis/apps/v1/namespaces/${BENCH_NS}/statefulsets"
  local times="${REDISPAIR_OP_DIR}/apply-ms.txt" rtts="${REDISPAIR_OP_DIR}/create-rtt-ms.txt"
  local req0 rec0
  req0="$(redispair::op::metric redispair_api_requests_total)"
  rec0="$(redispair::op::metric redispair_reconcile_total)"
  # RedisPairs left by a run with BENCH_KEEP=1 are reused: only the steady state, CPU and RSS are measured.
  local existing
  existing="$(redispair::test::kubectl -n "${BENCH_NS}" get redispairs -o name | wc -l)"
  if ((existing > 0 && existing != BENCH_APPLIES)); then
    redispair::log::error "namespace ${BENCH_NS} holds ${existing} RedisPairs, not ${BENCH_APPLIES}; delete it first"
    return 1
  fi
  if ((existing > 0)); then
    redispair::log::info "reusing the ${existing} RedisPairs of namespace ${BENCH_NS}; waiting until each was reconciled"
    all_reconciled() { (($(redispair::op::metric redispair_reconcile_total) >= BENCH_APPLIES)); }
    redispair::test::eventually "${REUSE_RECONCILE_TIMEOUT}" all_reconciled
  else
    redispair::log::info "creating ${BENCH_APPLIES} RedisPairs one at a time"
    local i name start created done_at port
    for ((i = 0; i < BENCH_APPLIES; i++)); do
      name="bench-${i}"
      port=$((30000 + 2 * i))
      start="$(now_ms)"
      api -X POST -H 'Content-Type: application/json' "${base}" -o /dev/null -d \
        "{\"apiVersion\":\"redispair.io/v1alpha1\",\"kind\":\"RedisPair\",\"metadata\":{\"name\":\"${name}\"},\"spec\":{\"master\":{\"nodePort\":${port}},\"replica\":{\"nodePort\":$((port + 1))}}}"
      created="$(now_ms)"
      # The workloads are applied last (after the Services), so their existence means every child exists.
      until api -o /dev/null "${deploy_base}/${name}-replica" 2>/dev/null &&
        api -o /dev/null "${sts_base}/${name}-master" 2>/dev/null; do sleep 0.005; done
      done_at="$(now_ms)"
      echo $((done_at - start)) >>"${times}"
      echo $((created - start)) >>"${rtts}"
    done
  fi
  sleep "${BENCH_SETTLE_SECONDS}"
  local req1 rec1 cpu1
  req1="$(redispair::op::metric redispair_api_requests_total)"
  rec1="$(redispair::op::metric redispair_reconcile_total)"
  cpu1="$(operator_cpu_ticks)"
  redispair::log::info "steady state: ${BENCH_STEADY_SECONDS} s with nothing changing"
  sleep "${BENCH_STEADY_SECONDS}"
  local req2 rec2 cpu2 writes rss_kb
  cpu2="$(operator_cpu_ticks)"
  req2="$(redispair::op::metric redispair_api_requests_total)"
  rec2="$(redispair::op::metric redispair_reconcile_total)"
  writes="$(redispair::op::metric redispair_api_write_requests_total)"
  # Idle: nothing changes but the periodic resync, every RedisPair and child cached.
  rss_kb="$(operator_rss_kb)"

  # Printed before the load phase, so that a failure there keeps these figures.
  echo
  echo "operator benchmark (${BENCH_APPLIES} RedisPairs, control plane only, Kubernetes ${KUBE_VERSION})"
  if [[ -s "${times}" ]]; then
    printf '  apply -> all children exist   p50 %s ms   p99 %s ms   max %s ms\n' \
      "$(percentile 50 "${times}")" "$(percentile 99 "${times}")" "$(percentile 100 "${times}")"
    printf '  reference: create round trip  p50 %s ms   p99 %s ms\n' \
      "$(percentile 50 "${rtts}")" "$(percentile 99 "${rtts}")"
  else
    printf '  apply -> all children exist   not measured: the RedisPairs were reused\n'
  fi
  printf '  API requests per reconcile    while creating %s (%s requests / %s reconciles)\n' \
    "$(awk -v a=$((req1 - req0)) -v b=$((rec1 - rec0)) 'BEGIN { printf "%.2f", (b ? a / b : 0) }')" \
    $((req1 - req0)) $((rec1 - rec0))
  printf '                                steady state %s (%s requests / %s reconciles in %s s)\n' \
    "$(awk -v a=$((req2 - req1)) -v b=$((rec2 - rec1)) 'BEGIN { printf "%.2f", (b ? a / b : 0) }')" \
    $((req2 - req1)) $((rec2 - rec1)) "${BENCH_STEADY_SECONDS}"
  printf '  API writes in total           %s\n' "${writes}"
  printf '  CPU in steady state           %s%% of one core (%s ticks of 1/%s s in %s s)\n' \
    "$(awk -v t=$((cpu2 - cpu1)) -v hz="$(getconf CLK_TCK)" -v s="${BENCH_STEADY_SECONDS}" \
      'BEGIN { printf "%.2f", t / hz / s * 100 }')" $((cpu2 - cpu1)) "$(getconf CLK_TCK)" "${BENCH_STEADY_SECONDS}"
  printf '  operator RSS when idle        %s KiB (%.1f MiB) with %s RedisPairs cached\n' \
    "${rss_kb}" "$(awk -v k="${rss_kb}" 'BEGIN { print k / 1024 }')" "${BENCH_APPLIES}"
  printf '  reference: RSS after start    %s KiB (%.1f MiB), caches empty\n' \
    "${rss_start_kb}" "$(awk -v k="${rss_start_kb}" 'BEGIN { print k / 1024 }')"

  if ((BENCH_LOAD_SECONDS == 0)); then
    return 0
  fi
  redispair::log::info "status under write load: one RedisPair Ready on loopback, ${BENCH_LOAD_SECONDS} s of writes"
  measure_status_under_load
  printf '  status writes under load      %s/min (%s writes in %s s at %s MB/s; still Ready: %s)\n' \
    "$(awk -v w="${LOAD_WRITES}" -v ms="${LOAD_MS}" 'BEGIN { printf "%.2f", w * 60000 / ms }')" "${LOAD_WRITES}" \
    "$((LOAD_MS / 1000))" "$(awk -v b="${LOAD_BYTES}" -v ms="${LOAD_MS}" 'BEGIN { printf "%.2f", b / ms / 1000 }')" \
    "${LOAD_STILL_READY}"
}

main "$@"
