#!/usr/bin/env bats
# scripts/_dev_vars.sh in a user's shell, without a cluster: sourced in bash and in zsh from a clean
# environment (env -i, no minikube, a kubeconfig whose cluster is down), it unsets the variables it
# owns when it cannot refresh them, leaves no function or variable of its own behind, reads its
# settings and libraries afresh every time, survives set -e, answers --help, --stop and unknown
# arguments alike sourced and run, and says one clear line in sh. (test/scripts/host-access.bats
# checks the values it exports on the real cluster.)

bats_require_minimum_version 1.5.0

load lib/helpers
load lib/clean

readonly OWNED=(REDIS_MASTER_HOST_PORT REDIS_SLAVE_HOST_PORT REDISCLI_AUTH REDISPAIR_METRICS_HOST_PORT)
# Values a cluster that is gone left in the shell.
readonly STALE='export REDIS_MASTER_HOST_PORT=192.168.49.2:32400 REDIS_SLAVE_HOST_PORT=192.168.49.2:32401
  export REDISCLI_AUTH=old-password REDISPAIR_METRICS_HOST_PORT=192.168.49.2:32402'

setup_file() {
  rp::clean::setup_file
}

setup() {
  cd "${RP_ROOT}"
}

# Runs SNIPPET in a clean SHELL (bash or zsh) at the repository root.
in_shell() {
  local shell="$1" snippet="$2"
  run rp::clean "${shell}" -c "${snippet}"
  echo "${shell}: status ${status}"
  echo "${output}"
}

@test "_dev_vars.sh unsets the variables it owns when it cannot refresh them (bash, zsh)" {
  local shell name
  for shell in bash zsh; do
    in_shell "${shell}" "${STALE}"'
      source scripts/_dev_vars.sh
      echo "rc=$?"
      env | grep -E "^(REDIS_|REDISCLI_AUTH|REDISPAIR_)" || echo "none exported"'
    [[ "${output}" == *"rc=1"* ]]
    [[ "${output}" == *"none exported"* ]]
    for name in "${OWNED[@]}"; do
      [[ "${output}" != *"${name}=192.168."* && "${output}" != *"${name}=old-password"* ]]
    done
    [[ "${output}" == *"does not answer"* ]]
  done
}

@test "_dev_vars.sh leaves no function and no variable of its own in the shell (bash, zsh)" {
  in_shell bash '
    names() { compgen -A function; compgen -v; }
    before="$(names | sort)"
    source scripts/_dev_vars.sh 2>/dev/null
    source scripts/_dev_vars.sh --help >/dev/null
    comm -13 <(echo "${before}") <(names | sort) | grep -vx before || echo "nothing new"'
  [[ "${output}" == "nothing new" ]]
  in_shell zsh '
    names() { print -l ${(k)functions} ${(k)parameters}; }
    before="$(names | sort)"
    source scripts/_dev_vars.sh 2>/dev/null
    source scripts/_dev_vars.sh --help >/dev/null
    comm -13 <(echo "${before}") <(names | sort) | grep -vx before || echo "nothing new"'
  [[ "${output}" == "nothing new" ]]
}

@test "MINIKUBE_PROFILE=other source _dev_vars.sh in the same shell uses the other profile (bash, zsh)" {
  local shell
  for shell in bash zsh; do
    in_shell "${shell}" '
      source scripts/_dev_vars.sh >/dev/null 2>&1
      MINIKUBE_PROFILE=other source scripts/_dev_vars.sh'
    [[ "${output}" == *'kubectl has no context "other"'* ]]
    [[ "${output}" != *'context "redispair"'* ]]
  done
}

@test "_dev_vars.sh reads its libraries again on every source: an edited library takes effect (bash, zsh)" {
  local shell copy="${BATS_TEST_TMPDIR}/repo"
  mkdir -p "${copy}"
  cp -R scripts "${copy}/"
  for shell in bash zsh; do
    cp scripts/lib/k8s.sh "${copy}/scripts/lib/k8s.sh"
    in_shell "${shell}" "
      cd '${copy}'
      source scripts/_dev_vars.sh >/dev/null 2>&1
      echo 'redispair::k8s::require_cluster() { redispair::log::error \"edited library\"; return 1; }' >>scripts/lib/k8s.sh
      source scripts/_dev_vars.sh"
    [[ "${output}" == *"edited library"* ]]
  done
}

@test "_dev_vars.sh under set -euo pipefail (bash) and set -eu (zsh): the shell goes on, options unchanged" {
  local shell opts
  for shell in bash zsh; do
    opts="set -o errexit -o nounset"
    [[ "${shell}" == bash ]] && opts="${opts} -o pipefail"
    in_shell "${shell}" "${STALE}
      ${opts}
      before=\"\$(set -o)\"
      source scripts/_dev_vars.sh
      echo \"rc=\$?\"
      [ \"\${before}\" = \"\$(set -o)\" ] && echo options-unchanged
      echo \"master=\${REDIS_MASTER_HOST_PORT-unset}\"
      echo alive"
    [[ "${status}" -eq 0 ]]
    [[ "${output}" == *"rc=0"* ]]
    [[ "${output}" == *"errexit is on in this shell"* ]]
    [[ "${output}" == *"options-unchanged"* ]]
    [[ "${output}" == *"master=unset"* ]]
    [[ "${output}" == *alive ]]
  done
}

@test "_dev_vars.sh does not need minikube: without it, it goes on to the cluster (bash, zsh)" {
  local shell
  for shell in bash zsh; do
    in_shell "${shell}" 'command -v minikube || echo "no minikube"; source scripts/_dev_vars.sh'
    [[ "${output}" == *"no minikube"* ]]
    [[ "${output}" != *"missing prerequisite"* ]]
    [[ "${output}" == *"does not answer"* ]]
  done
}

@test "_dev_vars.sh without kubectl: names it with install instructions, returns 1, the shell goes on (bash, zsh)" {
  local shell
  export RP_CLEAN_PATH
  RP_CLEAN_PATH="$(rp::clean::path_without kubectl)"
  for shell in bash zsh; do
    in_shell "${shell}" "${STALE}"'; source scripts/_dev_vars.sh; echo "rc=$? master=${REDIS_MASTER_HOST_PORT-unset}"'
    [[ "${output}" == *"missing prerequisite: kubectl"* ]]
    [[ "${output}" == *"Linux:"* && "${output}" == *"macOS:"* ]]
    [[ "${output}" == *"rc=1 master=unset"* ]]
  done
}

@test "_dev_vars.sh --stop: sourced, it unsets the variables; run, it does not claim to (bash, zsh)" {
  local shell
  for shell in bash zsh; do
    in_shell "${shell}" "${STALE}"'
      source scripts/_dev_vars.sh --stop
      echo "rc=$?"
      env | grep -E "^(REDIS_|REDISCLI_AUTH|REDISPAIR_)" || echo "none exported"'
    [[ "${output}" == *"rc=0"* && "${output}" == *"none exported"* ]]
    [[ "${output}" == *"unsetting REDIS_MASTER_HOST_PORT"* ]]
    in_shell "${shell}" "${STALE}; ${shell} scripts/_dev_vars.sh --stop; echo \"rc=\$? master=\${REDIS_MASTER_HOST_PORT}\""
    [[ "${output}" == *"rc=0 master=192.168.49.2:32400"* ]]
    [[ "${output}" != *unsetting* ]]
    [[ "${output}" == *"run, not sourced"* && "${output}" == *"source scripts/_dev_vars.sh --stop"* ]]
  done
}

@test "_dev_vars.sh with an unknown argument: the usage and exit status 2, sourced (bash, zsh) and run" {
  local shell
  for shell in bash zsh; do
    in_shell "${shell}" 'source scripts/_dev_vars.sh --no-such-flag; echo "rc=$?"'
    [[ "${output}" == *"rc=2"* ]]
    [[ "${output}" == *"unknown argument: --no-such-flag"* ]]
    [[ "${output}" == *"source scripts/_dev_vars.sh [--port-forward | --stop | --help]"* ]]
    in_shell "${shell}" "${shell} scripts/_dev_vars.sh --no-such-flag"
    [[ "${status}" -eq 2 ]]
    [[ "${output}" == *"unknown argument: --no-such-flag"* ]]
    [[ "${output}" == *"source scripts/_dev_vars.sh [--port-forward | --stop | --help]"* ]]
  done
}

@test "_dev_vars.sh sourced from sh says one clear line; bash --posix sources it like bash" {
  in_shell dash '. scripts/_dev_vars.sh; echo "rc=$?"'
  [[ "${output}" == *"rc=2"* ]]
  [[ "$(grep -c . <<<"${output}")" == 2 ]] # the message and rc=2
  [[ "${output}" == *"source this file from bash or zsh"* ]]
  in_shell bash '
    set -o posix
    source scripts/_dev_vars.sh
    echo "rc=$?"'
  [[ "${output}" != *"not a valid identifier"* ]]
  [[ "${output}" == *"does not answer"* ]]
  [[ "${output}" == *"rc=1"* ]]
}

# redispair::dev_vars::password with kubectl answering VALUE as `get secret -o go-template=...` would: the
# decoded value, then the template's "." sentinel. Prints "[password]" or "refused: the error".
password_of() {
  # shellcheck disable=SC2016 # expanded by the inner bash
  run bash -c 'source scripts/lib/log.sh && source scripts/lib/dev_vars.sh
    REDISPAIR_NAMESPACE=redis REDISPAIR_NAME=redis NO_COLOR=1 value="$1"
    redispair::k8s::kubectl_ns() { printf "%s." "${value}"; }
    if pw="$(redispair::dev_vars::password s password 2>&1)"; then printf "[%s]" "${pw}"; else printf "refused: %s" "${pw}"; fi' \
    bash "$1"
}

@test "_dev_vars.sh reads the password by the operator's rule: one trailing newline dropped, other line breaks refused" {
  password_of 'plain'
  [[ "${output}" == "[plain]" ]]
  password_of $'from-a-file\n'
  [[ "${output}" == "[from-a-file]" ]]
  password_of $'from-windows\r\n'
  [[ "${output}" == "[from-windows]" ]]
  password_of $'two\n\n'
  [[ "${output}" == "refused: "*"line break other than one trailing newline"* ]]
  password_of $'multi\nline'
  [[ "${output}" == "refused: "*"line break"* ]]
  password_of $'\n'
  [[ "${output}" == "refused: "*"empty"* ]]
  password_of ''
  [[ "${output}" == "refused: "*"cannot read key password"* ]]
}
