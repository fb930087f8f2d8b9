#!/usr/bin/env bash
# Differential test of the import parser against the real redis-cli.
#
# Every line of the given corpus files (and of N generated lines) is loaded on its own into a fresh
# database twice, once by `redis-cli` reading standard input (its ordinary, non --pipe mode, as in
# `redis-cli < file`) and once by `redispair import`, and the two databases are compared byte for
# byte (key, type, TTL presence, DUMP payload). Lines redis-cli rejects ("Invalid argument(s)")
# must be rejected by us too. See corpus/README.md.
set -o errexit -o nounset -o pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
readonly ROOT
# shellcheck source=scripts/lib/log.sh
source "${ROOT}/scripts/lib/log.sh"
# shellcheck source=test/importer/lib/redis-server.sh
source "${ROOT}/test/importer/lib/redis-server.sh"
redispair::log::install_err_trap

: "${REDISPAIR_BIN:=${ROOT}/build/operator/redispair}"
readonly DEFAULT_GENERATED=300
readonly DEFAULT_SEED=1

usage() {
  cat <<USAGE
Usage: ${0##*/} [--generated N] [--seed S] [--divergent FILE] [CORPUS...]

Loads each line of CORPUS (default: corpus/tricky.txt) and N generated lines (default
${DEFAULT_GENERATED}, seed ${DEFAULT_SEED}) with redis-cli and with \${REDISPAIR_BIN} import into a private
redis-server, and compares the results. Lines of --divergent FILE (default: corpus/divergent.txt)
must be rejected by the importer. Exit status 0 when everything agrees.

Environment: REDISPAIR_BIN (${REDISPAIR_BIN})
USAGE
}

# Prints N lines of random quoting soup after a few command prefixes; the same seed gives the
# same lines. Built from pieces that exercise every branch of sdssplitargs.
differential::generate() {
  local count="$1" seed="$2"
  LC_ALL=C awk -v n="${count}" -v seed="${seed}" 'BEGIN {
    srand(seed)
    np = split("RPUSH l|SET k|HSET h f|SADD s|RPUSH l a b", prefixes, "|")
    pieces[1] = "abc"; pieces[2] = "\""; pieces[3] = "\""; pieces[4] = "\x27"
    pieces[5] = "\x27"; pieces[6] = " "; pieces[7] = "\t"; pieces[8] = "\v"
    pieces[9] = "\f"; pieces[10] = "\\"; pieces[11] = "\\n"; pieces[12] = "\\x41"
    pieces[13] = "\\x4"; pieces[14] = "\\xZZ"; pieces[15] = "\\\""; pieces[16] = "\\\x27"
    pieces[17] = "\\\\"; pieces[18] = sprintf("%c", 233); pieces[19] = sprintf("%c", 160)
    pieces[20] = "\r"; pieces[21] = "\\x00"; pieces[22] = "x y"; pieces[23] = "\"\""
    pieces[24] = "\x27\x27"; pieces[25] = "\\t"
    npieces = 25
    for (i = 0; i < n; i++) {
      line = prefixes[int(rand() * np) + 1] " "
      k = int(rand() * 9)
      for (j = 0; j < k; j++) line = line pieces[int(rand() * npieces) + 1]
      print line
    }
  }'
}

# Splits file $1 into one file per line under directory $2 (binary-safe, NUL bytes included).
differential::split_lines() {
  local file="$1" dir="$2"
  mkdir -p "${dir}"
  split --lines=1 --numeric-suffixes=1 --suffix-length=6 "${file}" "${dir}/line-"
}

# Checks one single-line file; prints a reason and returns 1 on disagreement. Counts agreements
# in DIFF_SAME (same data) and DIFF_BOTH_REJECTED.
differential::check_line() {
  local file="$1" work="$2"
  local ours_rc=0 ours_rejected=0 ours_failed=0 cli_rejected=0 cli_failed=0

  redis-cli -p "${REDIS_PORT}" FLUSHALL >/dev/null
  "${REDISPAIR_BIN}" import --port "${REDIS_PORT}" "${file}" >"${work}/ours.out" 2>"${work}/ours.err" ||
    ours_rc=$?
  grep -q "nothing was sent" "${work}/ours.err" && ours_rejected=1
  grep -q "command(s) failed" "${work}/ours.err" && ours_failed=1
  redispair::testredis::snapshot "${REDIS_PORT}" >"${work}/ours.snap"

  redis-cli -p "${REDIS_PORT}" FLUSHALL >/dev/null
  redis-cli -p "${REDIS_PORT}" --no-raw <"${file}" >"${work}/cli.out" 2>&1
  grep -q "^Invalid argument(s)" "${work}/cli.out" && cli_rejected=1
  grep -q "^(error)" "${work}/cli.out" && cli_failed=1
  redispair::testredis::snapshot "${REDIS_PORT}" >"${work}/cli.snap"

  if ((cli_rejected)); then
    if ((ours_rejected)); then
      echo rejected >"${work}/verdict"
      return 0
    fi
    echo "redis-cli rejects the line, the importer accepted it (exit ${ours_rc})"
    return 1
  fi
  if ((ours_rejected)); then
    echo "the importer rejects a line redis-cli accepts: $(cat "${work}/ours.err")"
    return 1
  fi
  if ! diff "${work}/cli.snap" "${work}/ours.snap" >"${work}/diff"; then
    echo "different data (< redis-cli, > importer):"
    cat "${work}/diff"
    return 1
  fi
  if ((ours_failed != cli_failed)); then
    echo "error replies differ: redis-cli $(cat "${work}/cli.out") / importer $(cat "${work}/ours.err")"
    return 1
  fi
  echo same >"${work}/verdict"
}

main() {
  local generated="${DEFAULT_GENERATED}" seed="${DEFAULT_SEED}"
  local divergent="${ROOT}/test/importer/corpus/divergent.txt"
  local corpora=()
  while (($# > 0)); do
    case "$1" in
      --generated) generated="$2"; shift 2 ;;
      --seed) seed="$2"; shift 2 ;;
      --divergent) divergent="$2"; shift 2 ;;
      -h | --help) usage; return 0 ;;
      -*) usage >&2; return 2 ;;
      *) corpora+=("$1"); shift ;;
    esac
  done
  ((${#corpora[@]} > 0)) || corpora=("${ROOT}/test/importer/corpus/tricky.txt")
  if [[ ! -x "${REDISPAIR_BIN}" ]]; then
    redispair::log::fatal "REDISPAIR_BIN=${REDISPAIR_BIN} is not executable; build it or point REDISPAIR_BIN at redispair-import"
  fi

  # Global, for the EXIT trap, which runs after main has returned.
  DIFF_TMP="$(mktemp -d)"
  # One EXIT trap for everything this script starts; stop() tolerates a server never started.
  trap 'redispair::testredis::stop "${REDIS_PID:-}"; rm -rf "${DIFF_TMP}"' EXIT
  local tmp="${DIFF_TMP}"
  redispair::testredis::start "${tmp}"

  differential::generate "${generated}" "${seed}" >"${tmp}/generated.txt"
  corpora+=("${tmp}/generated.txt")

  local corpus n=0 failures=0 same=0 rejected=0 file reason
  for corpus in "${corpora[@]}"; do
    rm -rf "${tmp}/lines"
    differential::split_lines "${corpus}" "${tmp}/lines"
    for file in "${tmp}/lines"/line-*; do
      n=$((n + 1))
      if ! reason="$(differential::check_line "${file}" "${tmp}")"; then
        failures=$((failures + 1))
        redispair::log::error "${corpus##*/} line $((10#${file##*-})): $(cat -A "${file}")"
        redispair::log::error "  ${reason}"
      elif [[ "$(cat "${tmp}/verdict")" == same ]]; then
        same=$((same + 1))
      else
        rejected=$((rejected + 1))
      fi
    done
  done

  rm -rf "${tmp}/lines"
  differential::split_lines "${divergent}" "${tmp}/lines"
  for file in "${tmp}/lines"/line-*; do
    n=$((n + 1))
    if "${REDISPAIR_BIN}" import --dry-run "${file}" >/dev/null 2>&1; then
      failures=$((failures + 1))
      redispair::log::error "${divergent##*/} line $((10#${file##*-})) was accepted: $(cat -A "${file}")"
    fi
  done

  if ((failures > 0)); then
    redispair::log::error "${failures} of ${n} lines disagree"
    return 1
  fi
  redispair::log::info "all ${n} lines agree: ${same} stored identically, ${rejected} rejected by both," \
    "the rest refused on purpose (divergent.txt)"
}

main "$@"
