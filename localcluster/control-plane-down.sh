#!/usr/bin/env bash
# Stops the local test control plane started by control-plane-up.sh (by its pid files), checks that nothing of
# it is left running, and with --purge deletes its state (PKI, etcd data, logs, kubeconfigs).
set -o errexit -o nounset -o pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=localcluster/lib/control-plane.sh
source "${ROOT}/localcluster/lib/control-plane.sh"
redispair::log::install_err_trap

usage() {
  cat <<USAGE
Usage: ${0##*/} [--help] [--purge]

Stops kube-scheduler, kube-controller-manager, kube-apiserver and etcd started by control-plane-up.sh
(SIGTERM, then SIGKILL after \${CP_STOP_TIMEOUT}=${CP_STOP_TIMEOUT}s), then checks that none is left.
Stale or missing pid files are fine: running it twice is safe.

  --purge   also delete the state directory ${REDISPAIR_CLUSTER_DIR}
            (PKI, etcd data, logs, kubeconfigs); the next up is a cold start.
USAGE
}

# Prints "pid exe" for every process that runs one of our binaries with the state dir in its command line
# (whatever the pid files say). Used to verify, never to kill: we only kill what our pid files name.
redispair::cp_down::leftovers() {
  local dir exe cmdline
  for dir in /proc/[0-9]*; do
    exe="$(readlink "${dir}/exe" 2>/dev/null)" || continue
    [[ "${exe}" == "${K8S_BIN_DIR}/"* ]] || continue
    cmdline="$(tr '\0' ' ' <"${dir}/cmdline" 2>/dev/null)" || continue
    [[ "${cmdline}" == *"${REDISPAIR_CLUSTER_DIR}/"* ]] || continue
    printf '%s %s\n' "${dir#/proc/}" "${exe##*/}"
  done
}

redispair::cp_down::purge() {
  local dir="${REDISPAIR_CLUSTER_DIR}"
  [[ -d "${dir}" ]] || return 0
  if [[ ! -e "${dir}/.redispair-cluster" ]]; then
    redispair::log::fatal "${dir} has no .redispair-cluster marker; not deleting a directory control-plane-up.sh did not create"
  fi
  redispair::log::step "removing ${dir}"
  rm -rf -- "${dir}"
}

main() {
  local purge=false arg
  for arg in "$@"; do
    case "${arg}" in
      -h | --help)
        usage
        return 0
        ;;
      --purge) purge=true ;;
      *)
        usage >&2
        redispair::log::fatal "unknown argument: ${arg}"
        ;;
    esac
  done

  redispair::log::info "stopping the control plane in ${REDISPAIR_CLUSTER_DIR}"
  [[ -d "${REDISPAIR_CLUSTER_DIR}" ]] && redispair::cp::lock
  local i failed=0
  for ((i = ${#REDISPAIR_CP_COMPONENTS[@]} - 1; i >= 0; i--)); do
    redispair::cp::stop "${REDISPAIR_CP_COMPONENTS[i]}" || failed=1
  done

  local left
  left="$(redispair::cp_down::leftovers)"
  if [[ -n "${left}" ]]; then
    redispair::log::error "still running (not started through our pid files, or unkillable):"
    printf '  %s\n' "${left}" >&2
    redispair::log::fatal "stop them by pid, then run ${0##*/} again"
  fi
  ((failed == 0)) || redispair::log::fatal "some component did not stop; see the messages above"
  redispair::log::info "no control-plane process left"

  if [[ "${purge}" == true ]]; then
    redispair::cp_down::purge
    redispair::log::info "state purged"
  fi
}

main "$@"
