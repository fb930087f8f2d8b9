#!/usr/bin/env bash
# Turns off the every-minute `INFO replication` CronJob of scripts/02-redis-info.sh
# (spec.infoJob.enabled=false on the RedisPair; the operator deletes CronJob <name>-info and its jobs go
# with it). Also installed as 97-redis-info-downq.sh, the task's spelling. Undoes: scripts/02-redis-info.sh
set -o errexit -o nounset -o pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly ROOT
# shellcheck source=scripts/lib/log.sh
source "${ROOT}/scripts/lib/log.sh"
# shellcheck source=scripts/lib/prereq.sh
source "${ROOT}/scripts/lib/prereq.sh"
# shellcheck source=scripts/lib/args.sh
source "${ROOT}/scripts/lib/args.sh"
# shellcheck source=scripts/lib/names.sh
source "${ROOT}/scripts/lib/names.sh"
# shellcheck source=scripts/lib/k8s.sh
source "${ROOT}/scripts/lib/k8s.sh"
redispair::log::install_err_trap

: "${REDISPAIR_DELETE_TIMEOUT:=120}"
INFO_CRONJOB="$(redispair::names::info_cronjob "${REDISPAIR_NAME}")"
readonly INFO_CRONJOB

usage() {
  cat <<USAGE
Usage: scripts/${0##*/} [--help]

Patches RedisPair ${REDISPAIR_NAMESPACE}/${REDISPAIR_NAME} with spec.infoJob.enabled=false and waits until the
operator has deleted CronJob ${INFO_CRONJOB} and garbage collection has deleted its jobs. Nothing to do
(and no error) when the RedisPair does not exist. Safe to run again.
Environment: KUBE_CONTEXT [${KUBE_CONTEXT:-current context}], REDISPAIR_DELETE_TIMEOUT [${REDISPAIR_DELETE_TIMEOUT}]
Undoes: scripts/02-redis-info.sh
USAGE
}

main() {
  redispair::args::check "" "$@"
  redispair::k8s::preflight cluster || exit 1
  if ! redispair::k8s::rp_exists; then
    redispair::log::info "RedisPair ${REDISPAIR_NAMESPACE}/${REDISPAIR_NAME} does not exist: no INFO CronJob to turn off"
    return 0
  fi
  local now
  now="$(redispair::k8s::kubectl_ns get redispair "${REDISPAIR_NAME}" -o jsonpath='{.spec.infoJob.enabled}')"
  if [[ "${now}" == true ]]; then
    redispair::log::info "patching RedisPair ${REDISPAIR_NAMESPACE}/${REDISPAIR_NAME}: spec.infoJob.enabled=false"
    redispair::k8s::kubectl_ns patch redispair "${REDISPAIR_NAME}" --type=merge -p '{"spec":{"infoJob":{"enabled":false}}}'
  else
    redispair::log::info "spec.infoJob.enabled is already false on RedisPair ${REDISPAIR_NAMESPACE}/${REDISPAIR_NAME}"
  fi
  redispair::log::step "waiting up to ${REDISPAIR_DELETE_TIMEOUT}s for CronJob ${INFO_CRONJOB} and its jobs to go"
  if ! redispair::k8s::wait_gone "${REDISPAIR_DELETE_TIMEOUT}" "cronjob/${INFO_CRONJOB}"; then
    redispair::log::error "the operator did not delete CronJob ${INFO_CRONJOB}. Is it running?"
    redispair::k8s::diagnose
    exit 1
  fi
  redispair::k8s::wait_none "${REDISPAIR_DELETE_TIMEOUT}" jobs "$(redispair::names::selector "${REDISPAIR_NAME}" info)"
  redispair::log::info "INFO replication CronJob is off. Turn it on again with: scripts/02-redis-info.sh"
}

main "$@"
