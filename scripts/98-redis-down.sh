#!/usr/bin/env bash
# Removes what scripts/01-redis-up.sh deployed, in dependency order: the RedisPair (and, through garbage
# collection, its StatefulSet, Deployment, Services, Secret and CronJob), the operator, its Service and
# RBAC, the CRD. The master's data (its PVC) is kept unless --purge is given. Undoes: scripts/01-redis-up.sh
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
# shellcheck source=scripts/lib/names.sh
source "${ROOT}/scripts/lib/names.sh"
# shellcheck source=scripts/lib/k8s.sh
source "${ROOT}/scripts/lib/k8s.sh"
# shellcheck source=scripts/lib/portforward.sh
source "${ROOT}/scripts/lib/portforward.sh"
redispair::log::install_err_trap

: "${REDISPAIR_DELETE_TIMEOUT:=120}"
readonly CRD_NAME=redispairs.redispair.io

usage() {
  cat <<USAGE
Usage: scripts/${0##*/} [--purge] [--help]

On kubectl $(redispair::k8s::context_label), namespace ${REDISPAIR_NAMESPACE}:
  1. stops the port-forwards of scripts/_dev_vars.sh;
  2. deletes RedisPair ${REDISPAIR_NAME} and waits until its pods, StatefulSet, Deployment, Services,
     Secret and CronJob are gone;
  3. deletes the operator Deployment, its Service and RBAC, and the CRD (kept when RedisPairs remain
     elsewhere).
The master's PVC ($(redispair::names::master_pvc "${REDISPAIR_NAME}")) and the namespace are kept, so the data is back on the
next scripts/01-redis-up.sh. Safe to run again.

  --purge   also delete the PVC (the master's data) and the namespace
Environment: KUBE_CONTEXT [${KUBE_CONTEXT:-current context}], REDISPAIR_DELETE_TIMEOUT [${REDISPAIR_DELETE_TIMEOUT}]
Undoes: scripts/01-redis-up.sh
USAGE
}

delete_redispair() {
  if ! redispair::k8s::kubectl get crd "${CRD_NAME}" >/dev/null 2>&1; then
    redispair::log::info "CRD ${CRD_NAME} is not installed: no RedisPair to delete"
    return 0
  fi
  if ! redispair::k8s::kubectl_ns get redispair "${REDISPAIR_NAME}" >/dev/null 2>&1; then
    redispair::log::info "RedisPair ${REDISPAIR_NAMESPACE}/${REDISPAIR_NAME}: already gone"
  else
    redispair::log::info "deleting RedisPair ${REDISPAIR_NAMESPACE}/${REDISPAIR_NAME}"
    redispair::k8s::kubectl_ns delete redispair "${REDISPAIR_NAME}" --wait=true --timeout="${REDISPAIR_DELETE_TIMEOUT}s"
  fi
  local -a children=()
  local child
  while IFS= read -r child; do children+=("${child}"); done < <(redispair::names::children "${REDISPAIR_NAME}")
  redispair::log::step "waiting up to ${REDISPAIR_DELETE_TIMEOUT}s for its children to go (garbage collection)"
  redispair::k8s::wait_gone "${REDISPAIR_DELETE_TIMEOUT}" ${children[@]+"${children[@]}"}
  redispair::k8s::wait_none "${REDISPAIR_DELETE_TIMEOUT}" pods "$(redispair::names::selector "${REDISPAIR_NAME}")"
  redispair::log::step "children gone"
}

delete_operator_and_crd() {
  redispair::log::info "deleting the operator Deployment ${REDISPAIR_OPERATOR_DEPLOYMENT}, its Service and its RBAC"
  redispair::k8s::kubectl_ns delete deployment "${REDISPAIR_OPERATOR_DEPLOYMENT}" --ignore-not-found --wait=true \
    --timeout="${REDISPAIR_DELETE_TIMEOUT}s"
  redispair::k8s::wait_none "${REDISPAIR_DELETE_TIMEOUT}" pods "app.kubernetes.io/name=${REDISPAIR_OPERATOR_DEPLOYMENT}"
  redispair::k8s::kubectl delete -f "${ROOT}/deploy/operator/service.yaml" -f "${ROOT}/deploy/operator/rbac.yaml" \
    --ignore-not-found --wait=true
  if ! redispair::k8s::kubectl get crd "${CRD_NAME}" >/dev/null 2>&1; then
    redispair::log::info "CRD ${CRD_NAME}: already gone"
    return 0
  fi
  local others
  others="$(redispair::k8s::kubectl get redispairs --all-namespaces --no-headers 2>/dev/null | awk '{ printf "%s/%s ", $1, $2 }')"
  if [[ -n "${others}" ]]; then
    redispair::log::warn "keeping CRD ${CRD_NAME}: other RedisPairs still use it: ${others}"
    return 0
  fi
  redispair::log::info "deleting CRD ${CRD_NAME}"
  redispair::k8s::kubectl delete crd "${CRD_NAME}" --wait=true --timeout="${REDISPAIR_DELETE_TIMEOUT}s"
}

data_claims() {
  redispair::k8s::kubectl_ns get pvc -l "$(redispair::names::selector "${REDISPAIR_NAME}" master)" \
    -o jsonpath='{range .items[*]}{.metadata.name}{"\n"}{end}' 2>/dev/null || true
}

handle_data() {
  local purge="$1" claims
  claims="$(data_claims)"
  if ((purge == 0)); then
    if [[ -n "${claims}" ]]; then
      redispair::log::info "kept the master's data: PVC $(echo "${claims}" | tr '\n' ' ')in namespace ${REDISPAIR_NAMESPACE} (the next scripts/01-redis-up.sh uses it again; delete it with scripts/${0##*/} --purge)"
    else
      redispair::log::info "no master PVC found in namespace ${REDISPAIR_NAMESPACE}: there was no data to keep"
    fi
    return 0
  fi
  local pvc
  while IFS= read -r pvc; do
    [[ -z "${pvc}" ]] && continue
    redispair::log::info "--purge: deleting PVC ${pvc} (the master's data)"
    redispair::k8s::kubectl_ns delete pvc "${pvc}" --wait=true --timeout="${REDISPAIR_DELETE_TIMEOUT}s"
  done <<<"${claims}"
  if redispair::k8s::kubectl get namespace "${REDISPAIR_NAMESPACE}" >/dev/null 2>&1; then
    redispair::log::info "--purge: deleting namespace ${REDISPAIR_NAMESPACE}"
    redispair::k8s::kubectl delete namespace "${REDISPAIR_NAMESPACE}" --wait=true --timeout="${REDISPAIR_DELETE_TIMEOUT}s"
  fi
  redispair::log::info "purged: the master's data and namespace ${REDISPAIR_NAMESPACE} are deleted"
}

main() {
  redispair::args::check "--purge" "$@"
  local purge=0
  if redispair::args::has "--purge" "$@"; then purge=1; fi
  if ! redispair::k8s::preflight cluster; then
    redispair::log::error "(if the cluster itself was deleted with scripts/99-minikube-down.sh, there is nothing left to remove)"
    exit 1
  fi
  redispair::log::info "stopping port-forwards of scripts/_dev_vars.sh (if any)"
  redispair::pf::stop_all
  delete_redispair
  delete_operator_and_crd
  handle_data "${purge}"
  redispair::log::info "done. Deploy again with: scripts/01-redis-up.sh"
}

main "$@"
