#!/usr/bin/env bash
# Import as a user waits for it, on the two-node test cluster with a RedisPair running (bench/recovery/run.sh
# or test/e2e leave one; scripts/01-redis-up.sh makes one), side by side in one run:
#   - import/redis/data.txt: scripts/redisImport.sh --force   vs   kubectl exec -i MASTER -- redis-cli < data.txt
#   - BENCH_LINES (1,000,000) generated commands: scripts/redisImport.sh --force   vs
#     kubectl exec -i MASTER -- redis-cli --pipe < RESP prepared in advance (FLUSHALL before each, untimed).
# Each pair alternates BENCH_REPEAT times; the median is printed with the ratio.
#
#   bench/import/cluster.sh
#   BENCH_LINES=100000 BENCH_REPEAT=3 bench/import/cluster.sh
set -o errexit -o nounset -o pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
readonly ROOT
# shellcheck source=scripts/lib/log.sh
source "${ROOT}/scripts/lib/log.sh"
# shellcheck source=bench/import/lib.sh
source "${ROOT}/bench/import/lib.sh"
# shellcheck source=test/e2e/lib/e2e.bash
source "${ROOT}/test/e2e/lib/e2e.bash"
redispair::log::install_err_trap

: "${REDISPAIR_BIN:=${ROOT}/build/operator/redispair}"
: "${BENCH_LINES:=1000000}"
: "${BENCH_REPEAT:=5}"

usage() {
  cat <<USAGE
Usage: ${0##*/} [--help]

Environment: BENCH_LINES (${BENCH_LINES}), BENCH_REPEAT (${BENCH_REPEAT}), REDISPAIR_BIN (${REDISPAIR_BIN}),
REDISPAIR_CLUSTER_INSTANCE (${REDISPAIR_CLUSTER_INSTANCE}).
USAGE
}

bench::master() { printf '%s-master-0\n' "${E2E_RP}"; }

bench::exec_cli() { redispair::e2e::k exec -i "$(bench::master)" -c redis -- redis-cli "$@"; }

bench::flushall() { bench::exec_cli FLUSHALL </dev/null >/dev/null; }

# Times "$@" < FILE; prints the wall time in seconds. Output is dropped; a failure fails the bench.
bench::time_with_input() {
  local file="$1" start end
  shift
  start="$(bench::now_ns)"
  "$@" <"${file}" >/dev/null 2>"${BENCH_TMP}/stderr" || {
    cat "${BENCH_TMP}/stderr" >&2
    return 1
  }
  end="$(bench::now_ns)"
  awk -v n="$((end - start))" 'BEGIN { printf "%.3f\n", n / 1e9 }'
}

bench::median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

bench::script() { "${ROOT}/scripts/redisImport.sh" "$@"; }

main() {
  if [[ "${1:-}" == "-h" || "${1:-}" == "--help" ]]; then
    usage
    return 0
  fi
  export KUBECONFIG REDISPAIR_BIN
  KUBECONFIG="$(redispair::cp::kubeconfig)"
  redispair::e2e::_rp_ready || redispair::log::fatal "RedisPair ${E2E_NS}/${E2E_RP} is not Ready on instance ${REDISPAIR_CLUSTER_INSTANCE}: run bench/recovery/run.sh or test/e2e first"
  BENCH_TMP="$(mktemp -d)"
  trap 'rm -rf "${BENCH_TMP}"' EXIT
  local data="${ROOT}/import/redis/data.txt" i
  redispair::log::info "$(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg); ${BENCH_REPEAT} runs of each, alternating"

  : >"${BENCH_TMP}/a" && : >"${BENCH_TMP}/b"
  for ((i = 0; i < BENCH_REPEAT; i++)); do
    bench::time_with_input "${data}" bench::exec_cli >>"${BENCH_TMP}/a"
    bench::time_with_input /dev/null bench::script --force "${data}" >>"${BENCH_TMP}/b"
  done
  local cli ours
  cli="$(bench::median <"${BENCH_TMP}/a")"
  ours="$(bench::median <"${BENCH_TMP}/b")"
  printf '%-44s %10s %10s %8s\n' "" "reference" "ours" "ratio"
  printf '%-44s %9ss %9ss %8s\n' "data.txt ($(wc -l <"${data}" | tr -d ' ') lines), median wall time" "${cli}" "${ours}" \
    "$(awk -v a="${ours}" -v b="${cli}" 'BEGIN { printf "%.2fx", a / b }')"

  local text="${BENCH_TMP}/big.txt" resp="${BENCH_TMP}/big.resp"
  bench::generate "${BENCH_LINES}" >"${text}"
  "${REDISPAIR_BIN}" import --emit-resp "${text}" >"${resp}"
  : >"${BENCH_TMP}/a" && : >"${BENCH_TMP}/b"
  for ((i = 0; i < BENCH_REPEAT; i++)); do
    bench::flushall
    bench::time_with_input "${resp}" bench::exec_cli --pipe >>"${BENCH_TMP}/a"
    bench::flushall
    bench::time_with_input /dev/null bench::script --force "${text}" >>"${BENCH_TMP}/b"
  done
  cli="$(bench::median <"${BENCH_TMP}/a")"
  ours="$(bench::median <"${BENCH_TMP}/b")"
  printf '%-44s %9.0f/s %9.0f/s %8s\n' "${BENCH_LINES} lines, median throughput" \
    "$(awk -v n="${BENCH_LINES}" -v t="${cli}" 'BEGIN { print n / t }')" \
    "$(awk -v n="${BENCH_LINES}" -v t="${ours}" 'BEGIN { print n / t }')" \
    "$(awk -v a="${ours}" -v b="${cli}" 'BEGIN { printf "%.2fx", b / a }')"
  redispair::log::info "data.txt: ratio = ours / reference time (goal <= 1.5); ${BENCH_LINES} lines: ratio = ours / reference throughput (goal >= 0.8)"
}

main "$@"
