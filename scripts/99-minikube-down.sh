#!/usr/bin/env bash
# Deletes the minikube profile that scripts/00-minikube-up.sh created, and nothing else.
# Asks first unless given --yes, because every volume in it (the Redis master's data too) goes with it.
set -o errexit -o nounset -o pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly ROOT
# shellcheck source=scripts/lib/log.sh
source "${ROOT}/scripts/lib/log.sh"
# shellcheck source=scripts/lib/util.sh
source "${ROOT}/scripts/lib/util.sh"
# shellcheck source=scripts/lib/prereq.sh
source "${ROOT}/scripts/lib/prereq.sh"
# shellcheck source=scripts/lib/args.sh
source "${ROOT}/scripts/lib/args.sh"
# shellcheck source=scripts/lib/k8s.sh
source "${ROOT}/scripts/lib/k8s.sh"
# shellcheck source=scripts/lib/flavour.sh
source "${ROOT}/scripts/lib/flavour.sh"
# shellcheck source=scripts/lib/portforward.sh
source "${ROOT}/scripts/lib/portforward.sh"
redispair::log::install_err_trap

usage() {
  cat <<USAGE
Usage: scripts/${0##*/} [--yes] [--help]

Deletes minikube profile "${MINIKUBE_PROFILE}" (its nodes, volumes and kubectl context) and stops the
port-forwards that scripts/_dev_vars.sh may have started for it. Other profiles are not touched.
A profile that does not exist, or no minikube at all, is not an error: "nothing to delete", exit 0.
Without --yes it shows what will be lost and asks.

  --yes     do not ask
Environment: MINIKUBE_PROFILE [${MINIKUBE_PROFILE}], KUBE_CONTEXT [${KUBE_CONTEXT:-current context}]
Undoes: scripts/00-minikube-up.sh
USAGE
}

main() {
  local yes=0
  redispair::args::check "--yes -y" "$@"
  redispair::args::has "--yes -y" "$@" && yes=1
  # Nothing here needs kubectl except the list of volumes that go; without minikube there is no profile.
  redispair::log::info "checking prerequisites: ${REDISPAIR_MINIKUBE_CMD} (kubectl to list the volumes that go)"
  if ! command -v minikube >/dev/null 2>&1; then
    redispair::log::info "minikube is not installed, so there is no profile ${MINIKUBE_PROFILE}: nothing to delete"
    redispair::pf::stop_all
    return 0
  fi

  local nodes rc=0
  nodes="$(redispair::k8s::profile_nodes)" || rc=$?
  if ((rc == 3)); then
    redispair::log::info "${REDISPAIR_PROFILE_NOUN} ${MINIKUBE_PROFILE} does not exist: nothing to delete"
    redispair::pf::stop_all
    return 0
  fi
  if ((rc != 0)); then
    # A profile minikube cannot read is still one that `minikube delete` removes.
    redispair::log::warn "${REDISPAIR_MINIKUBE_CMD} --profile ${MINIKUBE_PROFILE} node list failed; deleting the profile all the same"
  else
    redispair::log::info "${REDISPAIR_PROFILE_NOUN} ${MINIKUBE_PROFILE}: nodes $(echo "${nodes}" | tr "\n" " ")"
  fi
  if command -v kubectl >/dev/null 2>&1 && redispair::k8s::kubectl get --raw=/readyz --request-timeout=5s >/dev/null 2>&1; then
    local claims
    claims="$(redispair::k8s::kubectl get pvc --all-namespaces --no-headers 2>/dev/null |
      awk '{ printf "%s/%s (%s) ", $1, $2, $5 }')"
    [[ -n "${claims}" ]] && redispair::log::warn "these volumes and their data will be lost: ${claims}"
  fi
  if ((yes == 0)) && ! redispair::util::confirm "Delete ${REDISPAIR_PROFILE_NOUN} ${MINIKUBE_PROFILE} and everything in it?"; then
    redispair::log::error "not deleted (no confirmation). To delete without a question: $(redispair::args::rerun --yes)"
    exit 1
  fi
  redispair::pf::stop_all
  redispair::log::info "deleting: ${REDISPAIR_MINIKUBE_CMD} --profile ${MINIKUBE_PROFILE} delete"
  rc=0
  redispair::k8s::minikube delete || rc=$?
  if ((rc != 0)); then
    redispair::log::error "${REDISPAIR_MINIKUBE_CMD} --profile ${MINIKUBE_PROFILE} delete failed (exit ${rc}); its message is above. Run $(redispair::args::rerun --yes) again, or: ${REDISPAIR_MINIKUBE_CMD} delete --profile ${MINIKUBE_PROFILE}"
    exit "${rc}"
  fi
  redispair::log::info "deleted ${REDISPAIR_PROFILE_NOUN} ${MINIKUBE_PROFILE}. Start again with: scripts/00-minikube-up.sh"
}

main "$@"
