#!/usr/bin/env bash
# Runs every test of the project, from a fresh machine: installs what is missing, builds, then runs
#   1. the C++ unit tests (Catch2, through CTest),
#   2. lint: shellcheck on every script and clang-format on every C++ file,
#   3. the bats suites: importer and differential tests on real redis-server processes, Redis config
#      tests, and the integration tests against a real local Kubernetes control plane.
# The last line is the total: "N passed, N failed, N skipped". Exit status is non-zero on any failure.
#
# Usage: hack/test.sh [--help] [--unit-only] [SUITE.bats|DIR ...]
set -o errexit -o nounset -o pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/lib/log.sh
source "${ROOT}/scripts/lib/log.sh"
redispair::log::install_err_trap

: "${BUILD_DIR:=${ROOT}/build}"
: "${JOBS:=$(nproc)}"

# The bats suites, in order:
#   - real redis-server processes;
#   - the process library (scripts/lib/process.sh) on plain processes, before everything that uses it;
#   - the control-plane suite, which starts the plane and stops it again to prove nothing is left
#     behind (so it runs before anything else starts that plane), then the operator against it;
#   - the two-node cluster with real kubelets (its own control plane): its own suite first, which
#     starts it, checks that up is idempotent and that down leaves nothing behind; then the scripts
#     (the full cycle through the cluster's minikube-compatible command, lint, make up and make down
#     without minikube (make-up.bats), missing tools) and the end-to-end suite, which bring it up
#     again (warm: seconds).
readonly DEFAULT_SUITES=(
  test/importer
  test/redis
  test/cluster/process.bats
  test/cluster/control-plane.bats
  test/integration
  test/cluster/cluster.bats
  test/scripts
  test/e2e
)

PASSED=0
FAILED=0
SKIPPED=0
FAILURES=()

usage() {
  sed -n '2,9p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

count_tap() {
  local name="$1" tap="$2"
  local ok not_ok skipped
  ok="$(grep -c '^ok ' "${tap}" || true)"
  not_ok="$(grep -c '^not ok ' "${tap}" || true)"
  skipped="$(grep -c '^ok .* # skip' "${tap}" || true)"
  PASSED=$((PASSED + ok - skipped))
  FAILED=$((FAILED + not_ok))
  SKIPPED=$((SKIPPED + skipped))
  if ((not_ok > 0)); then
    local line
    while IFS= read -r line; do FAILURES+=("${name}: ${line}"); done < <(grep '^not ok ' "${tap}")
  fi
}

build() {
  redispair::log::info "building (${BUILD_DIR})"
  cmake -S "${ROOT}" -B "${BUILD_DIR}" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build "${BUILD_DIR}" -j "${JOBS}"
}

run_unit() {
  redispair::log::info "unit tests (ctest)"
  local out="${BUILD_DIR}/ctest.log"
  local rc=0
  (cd "${BUILD_DIR}" && ctest --output-on-failure -j "${JOBS}") | tee "${out}" || rc=$?
  local total failed
  total="$(sed -n 's/.*tests passed, \([0-9]*\) tests failed out of \([0-9]*\).*/\2/p' "${out}")"
  failed="$(sed -n 's/.*tests passed, \([0-9]*\) tests failed out of \([0-9]*\).*/\1/p' "${out}")"
  if [[ -z "${total}" ]]; then
    FAILED=$((FAILED + 1))
    FAILURES+=("ctest: no summary (exit ${rc})")
    return 0
  fi
  PASSED=$((PASSED + total - failed))
  FAILED=$((FAILED + failed))
  ((failed == 0)) || FAILURES+=("ctest: ${failed} unit test(s) failed")
}

run_lint() {
  redispair::log::info "lint: shellcheck and clang-format"
  local -a scripts cxx
  mapfile -t scripts < <(cd "${ROOT}" && git ls-files '*.sh' '*.bash' 'scripts/*' 'hack/*' '.ci/*' 'localcluster/bin/*' | sort -u |
    while IFS= read -r f; do [[ -f "${f}" ]] && head -c 200 "${f}" | grep -qE '^#!.*(ba)?sh|shell=bash' && echo "${f}"; done)
  if (cd "${ROOT}" && shellcheck -x "${scripts[@]}"); then
    PASSED=$((PASSED + 1))
  else
    FAILED=$((FAILED + 1))
    FAILURES+=("lint: shellcheck")
  fi
  mapfile -t cxx < <(cd "${ROOT}" && git ls-files '*.cc' '*.h')
  if (cd "${ROOT}" && clang-format --dry-run --Werror "${cxx[@]}"); then
    PASSED=$((PASSED + 1))
  else
    FAILED=$((FAILED + 1))
    FAILURES+=("lint: clang-format (run: clang-format -i \$(git ls-files '*.cc' '*.h'))")
  fi
}

run_bats() {
  local target="$1"
  [[ -e "${ROOT}/${target}" ]] || return 0
  local name="${target//\//_}"
  local tap="${BUILD_DIR}/bats-${name}.tap"
  redispair::log::info "bats ${target}"
  # TAP keeps one line per test, which is what the summary counts; a suite that dies counts as failed.
  if ! REDISPAIR_BIN="${BUILD_DIR}/operator/redispair" bats --tap --timing "${ROOT}/${target}" | tee "${tap}"; then
    if ! grep -q '^not ok ' "${tap}"; then
      FAILED=$((FAILED + 1))
      FAILURES+=("${target}: suite aborted")
    fi
  fi
  count_tap "${target}" "${tap}"
}

plane_running() {
  (
    # shellcheck source=localcluster/lib/control-plane.sh
    source "${ROOT}/localcluster/lib/control-plane.sh"
    redispair::cp::is_healthy
  ) >/dev/null 2>&1
}

cluster_running() {
  (
    # shellcheck source=localcluster/lib/cluster.sh
    source "${ROOT}/localcluster/lib/cluster.sh"
    # shellcheck source=localcluster/lib/node.sh
    source "${ROOT}/localcluster/lib/node.sh"
    redispair::node::running node-a kubelet
  ) >/dev/null 2>&1
}

main() {
  local unit_only=0
  local -a suites=()
  while (($# > 0)); do
    case "$1" in
      --help | -h)
        usage
        return 0
        ;;
      --unit-only) unit_only=1 ;;
      *) suites+=("$1") ;;
    esac
    shift
  done
  ((${#suites[@]} > 0)) || suites=("${DEFAULT_SUITES[@]}")
  local start=${SECONDS}

  "${ROOT}/hack/install-deps.sh"
  build
  run_unit
  run_lint
  if ((unit_only == 0)); then
    redispair::log::info "test-cluster binaries (built once, cached outside the repo)"
    "${ROOT}/localcluster/build-binaries.sh"
    local plane_was_running=0 cluster_was_running=0
    plane_running && plane_was_running=1
    cluster_running && cluster_was_running=1
    local s
    for s in "${suites[@]}"; do run_bats "${s}"; done
    # Leave the machine as found: stop what this run started.
    if ((cluster_was_running == 0)) && cluster_running; then
      redispair::log::info "stopping the two-node cluster this run started"
      "${ROOT}/localcluster/cluster-down.sh" >/dev/null
    fi
    if ((plane_was_running == 0)) && plane_running; then
      redispair::log::info "stopping the control plane this run started"
      "${ROOT}/localcluster/control-plane-down.sh" >/dev/null
    fi
  fi

  redispair::log::info "finished in $((SECONDS - start)) s"
  if ((${#FAILURES[@]} > 0)); then
    redispair::log::error "failures:"
    printf '  %s\n' "${FAILURES[@]}" >&2
  fi
  echo "${PASSED} passed, ${FAILED} failed, ${SKIPPED} skipped"
  ((FAILED == 0))
}

main "$@"
