#!/usr/bin/env bats
# Missing tools and a cluster that is down: every script names what is missing, says how to install it
# (Linux and macOS), or says what to run, and exits non-zero, before it changes anything.
# `_dev_vars.sh`, sourced in bash and zsh, leaves the shell alive with its options unchanged (under errexit it
# returns 0 and says so, since non-zero would end the shell); it does not need minikube. `make up` with CLUSTER=minikube on a machine without minikube stops at 00-minikube-up.sh
# with that guidance (without CLUSTER it would use the built-in cluster: test/scripts/make-up.bats).
# Stubs stand in for minikube and docker where a test needs them to be present; no cluster is used.

bats_require_minimum_version 1.5.0

load lib/helpers

# The scripts that need minikube (the others need only kubectl; 99 has nothing to delete without it).
readonly MINIKUBE_SCRIPTS=(00-minikube-up.sh 01-redis-up.sh)
# What minikube v1.37.0 prints for a profile that does not exist (on stdout, exit 85): `node list`, `status`, `ip`
# (pkg/minikube/mustload/mustload.go Partial).
readonly NO_PROFILE_STUB='case "$*" in *"node list"* | *status* | *" ip"*) echo "* Profile \"redispair\" not found. Run \"minikube profile list\" to view all profiles."; echo "  To start a cluster, run: \"minikube start -p redispair\""; exit 85 ;; esac'

setup_file() {
  export RP_TMP="${BATS_FILE_TMPDIR}"
  rp::path_without "${RP_TMP}/no-kubectl" kubectl minikube >/dev/null
  rp::path_without "${RP_TMP}/no-minikube" minikube >/dev/null
  # A minikube that has no profile at all, and a docker whose daemon answers.
  rp::stub "${RP_TMP}/stubs" minikube "${NO_PROFILE_STUB}"
  rp::stub "${RP_TMP}/stubs" docker 'exit 0'
  rp::dead_kubeconfig "${RP_TMP}/dead.kubeconfig"
}

setup() {
  cd "${RP_ROOT}"
  # Never touch a real cluster or the user's state from here.
  export KUBECONFIG="${RP_TMP}/dead.kubeconfig" KUBE_CONTEXT=dead XDG_STATE_HOME="${BATS_TEST_TMPDIR}/state"
  # make up and make down never fall back to the built-in cluster here.
  export CLUSTER=minikube
}

# Runs VAR=VALUE... CMD... in a clean environment, as a new user's shell has it (env -i): only HOME, TERM and the
# dead cluster of setup, plus the VAR=VALUEs given (PATH among them), so nothing of this machine's environment
# (a REDISPAIR_* or MINIKUBE_* setting, another KUBECONFIG) decides the outcome.
clean_env() {
  mkdir -p "${BATS_TEST_TMPDIR}/home"
  env -i HOME="${BATS_TEST_TMPDIR}/home" TERM=dumb PATH="${PATH}" KUBECONFIG="${KUBECONFIG}" \
    KUBE_CONTEXT="${KUBE_CONTEXT}" XDG_STATE_HOME="${XDG_STATE_HOME}" CLUSTER="${CLUSTER}" "$@"
}

# Asserts the output of the last `run` names TOOL as missing with Linux and macOS instructions,
# and (unless the second argument is "any-status") that it failed.
assert_install_hint() {
  local tool="$1"
  if [[ "${2:-}" != any-status ]]; then
    [[ "${status}" -ne 0 ]] || { echo "exit 0 with ${tool} missing: ${output}"; return 1; }
  fi
  [[ "${output}" == *"missing prerequisite: ${tool}"* ]] || { echo "does not name ${tool}: ${output}"; return 1; }
  [[ "${output}" == *"Linux:"* && "${output}" == *"macOS:"* ]] || { echo "no install instructions: ${output}"; return 1; }
}

@test "kubectl missing: every executable but 99 names it, says how to install it, exits non-zero" {
  local s
  while IFS= read -r s; do
    [[ "${s}" == 99-minikube-down.sh ]] && continue # deleting a profile needs minikube only
    run clean_env PATH="${RP_TMP}/stubs:${RP_TMP}/no-kubectl" "scripts/${s}"
    assert_install_hint kubectl || { echo "script: ${s}"; return 1; }
  done < <(rp::executables)
}

@test "minikube missing: the scripts that use it name it, say how to install it, exit non-zero" {
  local s
  for s in "${MINIKUBE_SCRIPTS[@]}"; do
    run clean_env PATH="${RP_TMP}/no-minikube" "scripts/${s}"
    assert_install_hint minikube || { echo "script: ${s}"; return 1; }
    [[ "${output}" == *"brew install minikube"* ]]
  done
}

@test "00-minikube-up.sh lists every missing tool at once, driver included" {
  run clean_env PATH="${RP_TMP}/no-kubectl" MINIKUBE_DRIVER=podman scripts/00-minikube-up.sh
  [[ "${status}" -ne 0 ]]
  [[ "${output}" == *"missing prerequisite: minikube"* ]]
  [[ "${output}" == *"missing prerequisite: kubectl"* ]]
  if ! command -v podman >/dev/null; then [[ "${output}" == *"missing prerequisite: podman"* ]]; fi
}

@test "00-minikube-up.sh: an existing 1-node profile is reported as a different shape, nothing is started" {
  rp::stub "${BATS_TEST_TMPDIR}/bin" minikube 'case "$*" in *"node list"*) printf "redispair\t192.168.49.2\n" ;; *) exit 0 ;; esac'
  rp::stub "${BATS_TEST_TMPDIR}/bin" docker 'exit 0'
  run clean_env PATH="${BATS_TEST_TMPDIR}/bin:${PATH}" scripts/00-minikube-up.sh
  [[ "${status}" -ne 0 ]]
  [[ "${output}" == *"already exists with 1 node(s)"* ]]
  [[ "${output}" == *"shape differs"* ]]
  [[ "${output}" == *"99-minikube-down.sh"* ]]
  run ! grep -q '^--profile redispair start' "${BATS_TEST_TMPDIR}/bin/minikube.calls"
}

@test "00-minikube-up.sh: a new profile is started with 2 nodes and the overridable settings" {
  rp::stub "${BATS_TEST_TMPDIR}/bin" minikube "${NO_PROFILE_STUB}"
  rp::stub "${BATS_TEST_TMPDIR}/bin" docker 'exit 0'
  run clean_env PATH="${BATS_TEST_TMPDIR}/bin:${PATH}" MINIKUBE_PROFILE=rp-test REDISPAIR_CPUS=3 REDISPAIR_MEMORY=3g \
    REDISPAIR_KUBERNETES_VERSION=v1.33.1 KUBE_CONTEXT=dead scripts/00-minikube-up.sh
  # The stub starts nothing, so the API check fails afterwards; the start command is what is checked.
  [[ "${status}" -ne 0 ]]
  grep -qx -- '--profile rp-test start --nodes=2 --driver=docker --kubernetes-version=v1.33.1 --cpus=3 --memory=3g' \
    "${BATS_TEST_TMPDIR}/bin/minikube.calls"
  [[ "${output}" == *"does not answer"* ]]
}

@test "99-minikube-down.sh: minikube not installed, or the profile missing (minikube's real two lines, exit 85): 'nothing to delete', exit 0" {
  run clean_env PATH="${RP_TMP}/no-kubectl" scripts/99-minikube-down.sh --yes
  echo "${output}"
  [ "${status}" -eq 0 ]
  [[ "${output}" == *"minikube is not installed"*"nothing to delete"* ]]
  # The profile does not exist: minikube prints "* Profile ... not found" and "  To start ..." on stdout. Read as
  # node names, they were "*" and "To"; and without kubectl too.
  run clean_env PATH="${RP_TMP}/stubs:${RP_TMP}/no-kubectl" scripts/99-minikube-down.sh </dev/null
  echo "${output}"
  [ "${status}" -eq 0 ]
  [[ "${output}" == *"does not exist: nothing to delete"* ]]
  run ! grep -q 'delete' "${RP_TMP}/stubs/minikube.calls"
}

@test "make down YES=1 with nothing to remove exits 0 and says nothing to delete" {
  run clean_env PATH="${RP_TMP}/stubs:${PATH}" make --no-print-directory down YES=1
  echo "${output}"
  [ "${status}" -eq 0 ]
  [[ "${output}" == *"nothing to delete"* ]]
  run clean_env PATH="${RP_TMP}/no-minikube" make --no-print-directory down YES=1
  [ "${status}" -eq 0 ]
  [[ "${output}" == *"nothing to delete"* ]]
}

@test "00-minikube-up.sh: the MINIKUBE_* names of its settings are read with a warning and never reach minikube's environment" {
  rp::stub "${BATS_TEST_TMPDIR}/bin" minikube "env | grep '^MINIKUBE_' >>\"${BATS_TEST_TMPDIR}/bin/minikube.env\" || true
${NO_PROFILE_STUB}"
  rp::stub "${BATS_TEST_TMPDIR}/bin" podman 'exit 0'
  run clean_env PATH="${BATS_TEST_TMPDIR}/bin:${PATH}" MINIKUBE_DRIVER=podman MINIKUBE_KUBERNETES_VERSION=v1.33.1 \
    MINIKUBE_CPUS=3 MINIKUBE_MEMORY=3g scripts/00-minikube-up.sh
  echo "${output}"
  grep -qx -- '--profile redispair start --nodes=2 --driver=podman --kubernetes-version=v1.33.1 --cpus=3 --memory=3g' \
    "${BATS_TEST_TMPDIR}/bin/minikube.calls"
  [[ "${output}" == *"MINIKUBE_DRIVER is deprecated"*"REDISPAIR_DRIVER=podman"* ]]
  [[ "${output}" == *"MINIKUBE_KUBERNETES_VERSION is deprecated"* ]]
  # minikube would read these as its --driver, --kubernetes-version, ... (exit 81 or 106 on an existing profile).
  run grep -E '^MINIKUBE_(DRIVER|KUBERNETES_VERSION|CPUS|MEMORY)=' "${BATS_TEST_TMPDIR}/bin/minikube.env"
  echo "${output}"
  [ "${status}" -eq 1 ]
}

@test "00-minikube-up.sh: a failed minikube start ends with advice (logs, 99 to clean up, another driver), not a source line" {
  rp::stub "${BATS_TEST_TMPDIR}/bin" minikube 'case "$*" in *" start"*) echo "X Exiting due to PROVIDER_DOCKER_NOT_RUNNING" >&2; exit 69 ;; esac
'"${NO_PROFILE_STUB}"
  rp::stub "${BATS_TEST_TMPDIR}/bin" docker 'exit 0'
  run clean_env PATH="${BATS_TEST_TMPDIR}/bin:${PATH}" scripts/00-minikube-up.sh
  echo "${output}"
  [ "${status}" -eq 69 ]
  [[ "${output}" == *"minikube start failed (exit 69)"* ]]
  [[ "${output}" == *"lastStart.txt"* && "${output}" == *"logs --file="* ]]
  [[ "${output}" == *"scripts/99-minikube-down.sh --yes"* ]]
  [[ "${output}" == *"REDISPAIR_DRIVER=podman"* ]]
  [[ "${output}" != *"failed (exit 69) at"* ]]
}

@test "00-minikube-up.sh: docker's daemon down and podman works: the default driver becomes podman; REDISPAIR_DRIVER=docker insists" {
  rp::stub "${BATS_TEST_TMPDIR}/bin" minikube "${NO_PROFILE_STUB}"
  rp::stub "${BATS_TEST_TMPDIR}/bin" docker 'exit 1'
  rp::stub "${BATS_TEST_TMPDIR}/bin" podman 'exit 0'
  run clean_env PATH="${BATS_TEST_TMPDIR}/bin:${PATH}" scripts/00-minikube-up.sh
  echo "${output}"
  [[ "${output}" == *"podman does: using driver podman"* ]]
  grep -q -- ' start --nodes=2 --driver=podman ' "${BATS_TEST_TMPDIR}/bin/minikube.calls"
  : >"${BATS_TEST_TMPDIR}/bin/minikube.calls"
  run clean_env PATH="${BATS_TEST_TMPDIR}/bin:${PATH}" REDISPAIR_DRIVER=docker scripts/00-minikube-up.sh
  echo "${output}"
  [ "${status}" -eq 1 ]
  [[ "${output}" == *"docker is installed but its daemon does not answer"* ]]
  [[ "${output}" == *"podman works here: REDISPAIR_DRIVER=podman"* ]]
  run ! grep -q ' start' "${BATS_TEST_TMPDIR}/bin/minikube.calls"
}

@test "00-minikube-up.sh: missing tools and a dead docker daemon are reported in one run" {
  rp::stub "${BATS_TEST_TMPDIR}/bin" docker 'exit 1'
  rp::stub "${BATS_TEST_TMPDIR}/bin" podman 'exit 1'
  run clean_env PATH="${BATS_TEST_TMPDIR}/bin:${RP_TMP}/no-kubectl" scripts/00-minikube-up.sh
  echo "${output}"
  [ "${status}" -eq 1 ]
  [[ "${output}" == *"missing prerequisite: minikube"* ]]
  [[ "${output}" == *"missing prerequisite: kubectl"* ]]
  [[ "${output}" == *"docker is installed but its daemon does not answer"* ]]
}

@test "99-minikube-down.sh: without --yes and a terminal nothing is deleted; with --yes the profile is" {
  rp::stub "${BATS_TEST_TMPDIR}/bin" minikube 'case "$*" in *"node list"*) printf "redispair\t10.0.0.1\nredispair-m02\t10.0.0.2\n" ;; *) exit 0 ;; esac'
  run clean_env PATH="${BATS_TEST_TMPDIR}/bin:${PATH}" scripts/99-minikube-down.sh </dev/null
  [[ "${status}" -ne 0 ]]
  [[ "${output}" == *"--yes"* ]]
  run ! grep -q 'delete' "${BATS_TEST_TMPDIR}/bin/minikube.calls"
  run clean_env PATH="${BATS_TEST_TMPDIR}/bin:${PATH}" scripts/99-minikube-down.sh --yes
  [[ "${status}" -eq 0 ]]
  grep -qx -- '--profile redispair delete' "${BATS_TEST_TMPDIR}/bin/minikube.calls"
}

@test "cluster down: every cluster script says so and what to run, and exits non-zero" {
  local s
  for s in 01-redis-up.sh 98-redis-down.sh 02-redis-info.sh 97-redis-info-down.sh redisImport.sh redisClean.sh; do
    run clean_env PATH="${RP_TMP}/stubs:${PATH}" OPERATOR_IMAGE=redispair-operator:test "scripts/${s}" $([[ "${s}" == redisClean.sh ]] && echo --yes)
    [[ "${status}" -ne 0 ]] || { echo "${s}: exit 0 with the cluster down"; return 1; }
    [[ "${output}" == *"does not answer"* ]] || { echo "${s}: ${output}"; return 1; }
    [[ "${output}" == *"scripts/00-minikube-up.sh"* ]] || { echo "${s}: ${output}"; return 1; }
  done
}

@test "a kubectl context that does not exist: the scripts say to start the cluster" {
  run clean_env KUBE_CONTEXT=no-such-context scripts/02-redis-info.sh
  [[ "${status}" -ne 0 ]]
  [[ "${output}" == *'no context "no-such-context"'* ]]
  [[ "${output}" == *"scripts/00-minikube-up.sh"* ]]
}

@test "redisImport.sh: a bad line fails locally with its line number before any cluster access" {
  [[ -x "${REDISPAIR_BIN:-${RP_ROOT}/build/operator/redispair}" ]] || { echo "build the binary first: make build"; return 1; }
  printf 'SET good 1\nSET bad "unterminated\nSET also-good 2\n' >"${BATS_TEST_TMPDIR}/bad.txt"
  run scripts/redisImport.sh "${BATS_TEST_TMPDIR}/bad.txt"
  [[ "${status}" -ne 0 ]]
  [[ "${output}" == *"line 2"* ]]
  [[ "${output}" == *"nothing was sent"* ]]
  [[ "${output}" != *"does not answer"* ]]
  run scripts/redisImport.sh "${BATS_TEST_TMPDIR}/no-such-file.txt"
  [[ "${status}" -ne 0 && "${output}" == *"cannot read"* ]]
}

# Sources _dev_vars.sh in SHELL with errexit and nounset on, and prints: the return code, whether the
# options are unchanged, whether REDIS_* variables leaked, and "alive" when the shell went on.
source_dev_vars_in() {
  local shell="$1"
  "${shell}" -c '
    set -o errexit -o nounset
    if [ -n "${BASH_VERSION:-}" ]; then set -o pipefail; fi
    before="$(set -o)"
    rc=0
    source scripts/_dev_vars.sh || rc=$?
    after="$(set -o)"
    echo "rc=${rc}"
    if [ "${before}" = "${after}" ]; then echo options-unchanged; else echo options-changed; diff <(echo "$before") <(echo "$after") || true; fi
    if env | grep -q "^REDIS_"; then echo leaked; fi
    echo alive'
}

# Under errexit a non-zero status would end the user's shell, so _dev_vars.sh returns 0 there and says why
# (test/scripts/dev-vars.bats checks the non-zero status without errexit).
@test "_dev_vars.sh with the cluster down (bash, zsh): clear message, shell alive under errexit, options unchanged" {
  local shell
  for shell in bash zsh; do
    run clean_env PATH="${RP_TMP}/stubs:${PATH}" "$(command -v "${shell}")" -c "$(declare -f source_dev_vars_in); source_dev_vars_in ${shell}"
    echo "${shell}: ${output}"
    [[ "${output}" == *"cluster is down"* ]]
    [[ "${output}" == *"rc=0"* && "${output}" == *"returning 0, not 1: errexit is on"* ]]
    [[ "${output}" == *options-unchanged* ]]
    [[ "${output}" != *leaked* ]]
    [[ "${output}" == *alive ]]
  done
}

@test "_dev_vars.sh with kubectl missing (bash, zsh): install hint, shell alive; without minikube it goes on to the cluster" {
  local shell
  for shell in bash zsh; do
    run clean_env PATH="${RP_TMP}/no-minikube" "$(command -v "${shell}")" -c "$(declare -f source_dev_vars_in); source_dev_vars_in ${shell}"
    [[ "${output}" != *"missing prerequisite"* && "${output}" == *"cluster is down"* ]]
    [[ "${output}" == *"rc=0"* && "${output}" == *options-unchanged* && "${output}" == *alive ]]
    run clean_env PATH="${RP_TMP}/stubs:${RP_TMP}/no-kubectl" "$(command -v "${shell}")" -c "$(declare -f source_dev_vars_in); source_dev_vars_in ${shell}"
    assert_install_hint kubectl any-status
    [[ "${output}" == *"rc=0"* && "${output}" == *options-unchanged* && "${output}" == *alive ]]
  done
}

@test "make up with CLUSTER=minikube and no minikube stops at 00-minikube-up.sh with install instructions and fails" {
  run clean_env PATH="${RP_TMP}/no-minikube" make --no-print-directory up
  [[ "${status}" -ne 0 ]]
  assert_install_hint minikube
  [[ "${output}" == *"00-minikube-up.sh"* ]]
  [[ "${output}" != *"[01-redis-up.sh]"* ]]
}
