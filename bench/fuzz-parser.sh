#!/usr/bin/env bash
# Builds the libFuzzer target for the import line parser (operator/fuzz/command_parser_fuzz.cc)
# with clang, ASan and UBSan, and runs it for a bounded time, seeded with the differential-test
# corpus. Prints the number of executions. Any crash, sanitizer report or disagreement with the
# sdssplitargs oracle fails the run and leaves the reproducer in the work directory.
set -o errexit -o nounset -o pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly ROOT
# shellcheck source=scripts/lib/log.sh
source "${ROOT}/scripts/lib/log.sh"
redispair::log::install_err_trap

: "${FUZZ_SECONDS:=60}"
: "${FUZZ_WORKDIR:=${TMPDIR:-/tmp}/redispair-fuzz-parser}"
: "${CXX_FUZZ:=clang++}"
# Lines longer than this add little: every branch of the parser is reachable in a few bytes.
readonly FUZZ_MAX_LEN=512

usage() {
  cat <<USAGE
Usage: ${0##*/} [--help]

Builds ${FUZZ_WORKDIR}/command_parser_fuzz and runs it for \${FUZZ_SECONDS} (${FUZZ_SECONDS}) seconds.
Environment: FUZZ_SECONDS, FUZZ_WORKDIR, CXX_FUZZ (clang++).
USAGE
}

fuzz::check_prerequisites() {
  if ! command -v "${CXX_FUZZ}" >/dev/null 2>&1; then
    redispair::log::fatal "${CXX_FUZZ} not found; install with: apt-get install -y clang libclang-rt-14-dev"
  fi
}

fuzz::build() {
  local src="${ROOT}/operator/src"
  redispair::log::step "building with ${CXX_FUZZ} -fsanitize=fuzzer,address,undefined"
  "${CXX_FUZZ}" -std=c++20 -O1 -g -Wall -Wextra -Werror \
    -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
    -I "${src}" \
    "${ROOT}/operator/fuzz/command_parser_fuzz.cc" \
    "${src}/importer/command_parser.cc" \
    "${src}/importer/arg_quoting.cc" \
    "${src}/util/status.cc" \
    -o "${FUZZ_WORKDIR}/command_parser_fuzz"
}

# Seeds: one file per line of the differential corpora.
fuzz::seed_corpus() {
  local seeds="${FUZZ_WORKDIR}/seeds" file
  mkdir -p "${seeds}"
  for file in "${ROOT}"/test/importer/corpus/*.txt; do
    split --lines=1 --numeric-suffixes=1 --suffix-length=6 "${file}" "${seeds}/${file##*/}-"
  done
}

main() {
  if [[ "${1:-}" == "-h" || "${1:-}" == "--help" ]]; then
    usage
    return 0
  fi
  fuzz::check_prerequisites
  mkdir -p "${FUZZ_WORKDIR}/corpus"
  fuzz::build
  fuzz::seed_corpus
  redispair::log::step "fuzzing for ${FUZZ_SECONDS} s (log: ${FUZZ_WORKDIR}/fuzz.log)"
  local rc=0
  (cd "${FUZZ_WORKDIR}" &&
    ./command_parser_fuzz -max_total_time="${FUZZ_SECONDS}" -max_len="${FUZZ_MAX_LEN}" \
      -print_final_stats=1 corpus seeds) >"${FUZZ_WORKDIR}/fuzz.log" 2>&1 || rc=$?
  local runs
  runs="$(sed -nE 's/^Done ([0-9]+) runs in.*/\1/p' "${FUZZ_WORKDIR}/fuzz.log")"
  if ((rc != 0)); then
    tail -n 40 "${FUZZ_WORKDIR}/fuzz.log" >&2
    redispair::log::fatal "the fuzzer failed (exit ${rc}); reproducer and log in ${FUZZ_WORKDIR}"
  fi
  redispair::log::info "parser fuzzed for ${FUZZ_SECONDS} s: ${runs:-?} executions, no failure"
}

main "$@"
