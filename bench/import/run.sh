#!/usr/bin/env bash
# Import throughput: `redispair import` from a TEXT file versus `redis-cli --pipe` fed RESP that
# was prepared in advance (the reference: the fastest way redis-cli can load data), on the same
# private redis-server in the same run, FLUSHALL between runs.
#
#   bench/import/run.sh                 # 1e5 and 1e6 commands, best of 3
#   BENCH_SIZES="100000" BENCH_REPEAT=5 bench/import/run.sh
set -o errexit -o nounset -o pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
readonly ROOT
# shellcheck source=scripts/lib/log.sh
source "${ROOT}/scripts/lib/log.sh"
# shellcheck source=bench/import/lib.sh
source "${ROOT}/bench/import/lib.sh"
# shellcheck source=test/importer/lib/redis-server.sh
source "${ROOT}/test/importer/lib/redis-server.sh"
redispair::log::install_err_trap

: "${REDISPAIR_BIN:=${ROOT}/build/operator/redispair}"
: "${BENCH_SIZES:=100000 1000000}"
# Best of N: the machine is shared, and the minimum is the least disturbed measurement.
: "${BENCH_REPEAT:=3}"

usage() {
  cat <<USAGE
Usage: ${0##*/} [--help]

Environment: REDISPAIR_BIN (${REDISPAIR_BIN}), BENCH_SIZES (${BENCH_SIZES}),
BENCH_REPEAT (${BENCH_REPEAT}), TMPDIR.
USAGE
}


bench::flush() { redis-cli -p "${REDIS_PORT}" FLUSHALL >/dev/null; }

# Keys in the database, not counting the importer's own replay-guard record.
bench::dbsize() {
  local keys guard
  keys="$(redis-cli -p "${REDIS_PORT}" DBSIZE)"
  guard="$(redis-cli -p "${REDIS_PORT}" EXISTS redispair:imports)"
  printf '%s\n' "$((keys - guard))"
}

# Times "$@" after a FLUSHALL; prints the wall time in ns.
bench::time_once() {
  local start end
  bench::flush
  start="$(bench::now_ns)"
  "$@" >/dev/null
  end="$(bench::now_ns)"
  printf '%s\n' "$((end - start))"
}

bench::redis_cli_pipe() { redis-cli -p "${REDIS_PORT}" --pipe <"$1"; }

bench::ours() { "${REDISPAIR_BIN}" import --port "${REDIS_PORT}" --force "$1"; }

main() {
  if [[ "${1:-}" == "-h" || "${1:-}" == "--help" ]]; then
    usage
    return 0
  fi
  if [[ ! -x "${REDISPAIR_BIN}" ]]; then
    redispair::log::fatal "REDISPAIR_BIN=${REDISPAIR_BIN} is not executable; build it or point REDISPAIR_BIN at redispair-import"
  fi
  # Global, for the EXIT trap, which runs after main has returned.
  BENCH_TMP="$(mktemp -d)"
  trap 'redispair::testredis::stop "${REDIS_PID:-}"; rm -rf "${BENCH_TMP}"' EXIT
  redispair::testredis::start "${BENCH_TMP}"
  redispair::log::info "redis-server $(redis-server --version | awk '{print $3}') on 127.0.0.1:${REDIS_PORT}, $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"

  local size text resp ours_ns cli_ns ours_keys cli_keys i t
  printf '%-9s %16s %16s %7s\n' commands "redis-cli --pipe" "redispair" ratio
  for size in ${BENCH_SIZES}; do
    text="${BENCH_TMP}/cmds-${size}.txt"
    resp="${BENCH_TMP}/cmds-${size}.resp"
    bench::generate "${size}" >"${text}"
    # The reference gets its RESP prepared before any timer starts.
    "${REDISPAIR_BIN}" import --emit-resp "${text}" >"${resp}"

    # Alternate the two so that neither always runs on a warmer server or a quieter machine.
    cli_ns="" ours_ns=""
    for ((i = 0; i < BENCH_REPEAT; i++)); do
      t="$(bench::time_once bench::redis_cli_pipe "${resp}")"
      if [[ -z "${cli_ns}" ]] || ((t < cli_ns)); then cli_ns="${t}"; fi
      cli_keys="$(bench::dbsize)"
      t="$(bench::time_once bench::ours "${text}")"
      if [[ -z "${ours_ns}" ]] || ((t < ours_ns)); then ours_ns="${t}"; fi
      ours_keys="$(bench::dbsize)"
    done
    if [[ "${cli_keys}" != "${ours_keys}" ]]; then
      redispair::log::fatal "different results: redis-cli --pipe left ${cli_keys} keys, redispair ${ours_keys}"
    fi
    awk -v n="${size}" -v c="${cli_ns}" -v o="${ours_ns}" 'BEGIN {
      printf "%-9d %14.0f/s %14.0f/s %7.2f\n", n, n / (c / 1e9), n / (o / 1e9), c / o
    }'
  done
  redispair::log::info "ratio > 1 means redispair (from text) is faster than redis-cli --pipe (from RESP)"
}

main "$@"
