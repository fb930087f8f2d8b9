#!/usr/bin/env bash
# Turns on the CronJob that prints `INFO replication` of the master and the replica every minute
# (spec.infoJob.enabled=true on the RedisPair; the operator creates CronJob <name>-info), waits for its
# first run and prints the output. Undo: scripts/97-redis-info-down.sh
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

# The schedule is every minute: the first run starts at the next minute boundary (<= 60 s), then
# its pod needs a few seconds; the operator creates the CronJob within seconds of the patch.
: "${REDISPAIR_INFO_TIMEOUT:=150}"
readonly CRONJOB_TIMEOUT=60
INFO_CRONJOB="$(redispair::names::info_cronjob "${REDISPAIR_NAME}")"
INFO_SELECTOR="$(redispair::names::selector "${REDISPAIR_NAME}" info)"
readonly INFO_CRONJOB INFO_SELECTOR

usage() {
  cat <<USAGE
Usage: scripts/${0##*/} [--follow] [--help]

Patches RedisPair ${REDISPAIR_NAMESPACE}/${REDISPAIR_NAME} with spec.infoJob.enabled=true, waits for the operator's
CronJob ${INFO_CRONJOB} (schedule: every minute), waits up to ${REDISPAIR_INFO_TIMEOUT}s for its first run and
prints that run's output. When runs exist already it prints the latest one. Safe to run again.

  --follow   keep printing each new run's output until Ctrl-C
Environment: KUBE_CONTEXT [${KUBE_CONTEXT:-current context}], REDISPAIR_INFO_TIMEOUT [${REDISPAIR_INFO_TIMEOUT}]
Undo: scripts/97-redis-info-down.sh
USAGE
}

# Finished runs, oldest first: "JOB succeeded|failed" per line.
finished_runs() {
  redispair::k8s::kubectl_ns get jobs \
    -l "${INFO_SELECTOR}" \
    --sort-by=.metadata.creationTimestamp \
    -o jsonpath='{range .items[*]}{.metadata.name} {.status.succeeded}/{.status.failed}{"\n"}{end}' 2>/dev/null |
    awk '$2 ~ /^[1-9]/ { print $1, "succeeded" } $2 ~ /\/[1-9]/ { print $1, "failed" }'
}

# Prints the log of one line of finished_runs ("JOB RESULT").
print_run() {
  local job="${1% *}" result="${1##* }" started
  started="$(redispair::k8s::kubectl_ns get job "${job}" -o jsonpath='{.status.startTime}' 2>/dev/null || true)"
  redispair::log::info "output of job ${job} (started ${started:-?}, ${result}):"
  redispair::k8s::kubectl_ns logs "job/${job}" -c info || redispair::log::warn "no log for job ${job} (its pod is gone)"
}

enable() {
  local now
  now="$(redispair::k8s::kubectl_ns get redispair "${REDISPAIR_NAME}" -o jsonpath='{.spec.infoJob.enabled}')"
  if [[ "${now}" == true ]]; then
    redispair::log::info "spec.infoJob.enabled is already true on RedisPair ${REDISPAIR_NAMESPACE}/${REDISPAIR_NAME}"
  else
    redispair::log::info "patching RedisPair ${REDISPAIR_NAMESPACE}/${REDISPAIR_NAME}: spec.infoJob.enabled=true"
    redispair::k8s::kubectl_ns patch redispair "${REDISPAIR_NAME}" --type=merge -p '{"spec":{"infoJob":{"enabled":true}}}'
  fi
  redispair::log::step "waiting up to ${CRONJOB_TIMEOUT}s for the operator to create CronJob ${INFO_CRONJOB}"
  local deadline=$((SECONDS + CRONJOB_TIMEOUT))
  until redispair::k8s::kubectl_ns get cronjob "${INFO_CRONJOB}" >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then
      redispair::log::error "CronJob ${INFO_CRONJOB} did not appear in ${CRONJOB_TIMEOUT}s. Is the operator running?"
      redispair::k8s::diagnose
      exit 1
    fi
    sleep 1
  done
  redispair::k8s::kubectl_ns get cronjob "${INFO_CRONJOB}"
}

wait_first_run() {
  local last
  last="$(finished_runs | tail -n 1)"
  if [[ -n "${last}" ]]; then
    print_run "${last}"
    return 0
  fi
  redispair::log::info "waiting up to ${REDISPAIR_INFO_TIMEOUT}s for the first run (it starts at the next full minute)"
  local deadline=$((SECONDS + REDISPAIR_INFO_TIMEOUT)) shown=""
  while :; do
    last="$(finished_runs | tail -n 1)"
    if [[ -n "${last}" ]]; then
      print_run "${last}"
      [[ "${last##* }" == succeeded ]] || exit 1
      return 0
    fi
    local active
    active="$(redispair::k8s::kubectl_ns get cronjob "${INFO_CRONJOB}" -o jsonpath='{.status.active[*].name}' 2>/dev/null || true)"
    if [[ -n "${active}" && "${active}" != "${shown}" ]]; then
      redispair::log::step "run started: job ${active}"
      shown="${active}"
    fi
    if ((SECONDS >= deadline)); then
      redispair::log::error "no finished run after ${REDISPAIR_INFO_TIMEOUT}s"
      redispair::k8s::diagnose
      exit 1
    fi
    sleep 2
  done
}

follow() {
  local seen="" line
  seen="$(finished_runs | tail -n 1)"
  redispair::log::info "following new runs (Ctrl-C to stop)"
  while :; do
    sleep 5
    line="$(finished_runs | tail -n 1)"
    if [[ -n "${line}" && "${line}" != "${seen}" ]]; then
      print_run "${line}"
      seen="${line}"
    fi
  done
}

main() {
  redispair::args::check "--follow -f" "$@"
  local follow=0
  if redispair::args::has "--follow -f" "$@"; then follow=1; fi
  redispair::k8s::preflight redispair || exit 1
  enable
  wait_first_run
  cat <<NEXT

The CronJob runs every minute; the last ${INFO_CRONJOB} jobs are kept. To follow later runs:
  scripts/${0##*/} --follow
  kubectl -n ${REDISPAIR_NAMESPACE} get jobs -l ${INFO_SELECTOR} --watch
  kubectl -n ${REDISPAIR_NAMESPACE} logs -l ${INFO_SELECTOR} --prefix --tail=-1
Turn it off with: scripts/97-redis-info-down.sh
NEXT
  ((follow == 0)) || follow
}

main "$@"
