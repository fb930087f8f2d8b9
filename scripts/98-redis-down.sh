#!/usr/bin/env bash
# Removes what scripts/01-redis-up.sh deployed, in dependency order: the RedisPair (and, through garbage
# collection, its StatefulSet, Deployment, Services, Secrets and CronJob), the operator, its Service and
# RBAC, the CRD. The master's data (its PVC) is kept unless --purge is given, or the RedisPair's live
# retentionPolicy is Delete (then it asks first; --yes skips the question). A kept volume keeps its password
# Secret with it. Undoes: scripts/01-redis-up.sh
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
Usage: scripts/${0##*/} [--purge] [--yes] [--help]

On kubectl $(redispair::k8s::context_label), namespace ${REDISPAIR_NAMESPACE}:
  1. stops the port-forwards of scripts/_dev_vars.sh and deletes the operator Deployment;
  2. deletes RedisPair ${REDISPAIR_NAME} and waits until its pods, StatefulSet, Deployment, Services,
     Secret and CronJob are gone;
  3. deletes the operator's Service and RBAC, and the CRD (kept when RedisPairs remain
     elsewhere).
The master's PVC ($(redispair::names::master_pvc "${REDISPAIR_NAME}")), its password Secret ($(redispair::names::generated_secret "${REDISPAIR_NAME}")) and the namespace
are kept, so the data is back, with the same password, on the next scripts/01-redis-up.sh. When the
RedisPair's retentionPolicy is Delete, deleting it deletes the data: the script says so and asks first.
Safe to run again.

  --purge   also delete the PVC (the master's data) and the namespace
  --yes     do not ask before deleting data (retentionPolicy Delete); without a terminal it never asks
            and deletes nothing unless --yes is given
Environment: KUBE_CONTEXT [${KUBE_CONTEXT:-current context}], REDISPAIR_DELETE_TIMEOUT [${REDISPAIR_DELETE_TIMEOUT}]
Undoes: scripts/01-redis-up.sh
USAGE
}

delete_redispair() {
  local keep_secret="$1"
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
  local child kept
  kept="secret/$(redispair::names::generated_secret "${REDISPAIR_NAME}")"
  while IFS= read -r child; do
    # A Secret kept with the data (keep_password_secret) does not go.
    if ((keep_secret == 1)) && [[ "${child}" == "${kept}" ]]; then continue; fi
    children+=("${child}")
  done < <(redispair::names::children "${REDISPAIR_NAME}")
  redispair::log::step "waiting up to ${REDISPAIR_DELETE_TIMEOUT}s for its children to go (garbage collection)"
  redispair::k8s::wait_gone "${REDISPAIR_DELETE_TIMEOUT}" ${children[@]+"${children[@]}"}
  redispair::k8s::wait_none "${REDISPAIR_DELETE_TIMEOUT}" pods "$(redispair::names::selector "${REDISPAIR_NAME}")"
  redispair::log::step "children gone"
}

# The operator goes first: a running operator adopts an ownerless generated Secret again (that is how the
# next 01 gets it back), so it would undo keep_password_secret, and the garbage collector would then delete
# the Secret with the RedisPair. Garbage collection of the children needs no operator.
stop_operator() {
  redispair::log::info "deleting the operator Deployment ${REDISPAIR_OPERATOR_DEPLOYMENT} (first, so that it changes nothing while the RedisPair goes)"
  redispair::k8s::kubectl_ns delete deployment "${REDISPAIR_OPERATOR_DEPLOYMENT}" --ignore-not-found --wait=true \
    --timeout="${REDISPAIR_DELETE_TIMEOUT}s"
  redispair::k8s::wait_none "${REDISPAIR_DELETE_TIMEOUT}" pods "app.kubernetes.io/name=${REDISPAIR_OPERATOR_DEPLOYMENT}"
}

delete_operator_and_crd() {
  redispair::log::info "deleting the operator's Service and its RBAC"
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

# What happens to the master's PVC when the RedisPair goes, as Kubernetes will do it: the StatefulSet's
# persistentVolumeClaimRetentionPolicy.whenDeleted (Retain when unset), else the RedisPair's spec; empty
# when neither exists.
live_retention_policy() {
  local policy=""
  if redispair::k8s::kubectl_ns get statefulset "${REDISPAIR_NAME}-master" >/dev/null 2>&1; then
    policy="$(redispair::k8s::kubectl_ns get statefulset "${REDISPAIR_NAME}-master" \
      -o jsonpath='{.spec.persistentVolumeClaimRetentionPolicy.whenDeleted}' 2>/dev/null || true)"
    echo "${policy:-Retain}"
    return 0
  fi
  redispair::k8s::kubectl_ns get redispair "${REDISPAIR_NAME}" -o jsonpath='{.spec.master.storage.retentionPolicy}' 2>/dev/null || true
}

# With retentionPolicy Delete the data goes with the RedisPair: say so, with what it holds, and ask.
confirm_data_loss() {
  local claims="$1" yes="$2" keys
  keys="$(redispair::k8s::redis_cli master DBSIZE 2>/dev/null || true)"
  [[ "${keys}" =~ ^[0-9]+$ ]] || keys="an unknown number of"
  redispair::log::warn "RedisPair ${REDISPAIR_NAMESPACE}/${REDISPAIR_NAME} has retentionPolicy Delete: deleting it deletes the master's data (PVC $(echo "${claims}" | tr '\n' ' ')holding ${keys} keys)"
  if ((yes == 1)); then
    redispair::log::info "--yes: deleting the data"
    return 0
  fi
  if redispair::util::confirm "Delete RedisPair ${REDISPAIR_NAME} and its data?"; then
    return 0
  fi
  redispair::log::error "nothing deleted. To keep the data, set retentionPolicy Retain first:"
  redispair::log::error "  kubectl -n ${REDISPAIR_NAMESPACE} patch redispair ${REDISPAIR_NAME} --type merge -p '{\"spec\":{\"master\":{\"storage\":{\"retentionPolicy\":\"Retain\"}}}}'"
  redispair::log::error "To delete it anyway: $(redispair::args::rerun --yes)"
  exit 1
}

# A kept volume is only useful with its password. The generated Secret belongs to the RedisPair and would
# go with it; releasing it (no ownerReference) keeps it, and the operator adopts it again on the next 01.
keep_password_secret() {
  local secret
  secret="$(redispair::k8s::kubectl_ns get redispair "${REDISPAIR_NAME}" -o jsonpath='{.spec.auth.secretName}' 2>/dev/null || true)"
  if [[ -n "${secret}" ]]; then
    redispair::log::info "the password is in your Secret ${secret}, which is not deleted"
    return 0
  fi
  secret="$(redispair::names::generated_secret "${REDISPAIR_NAME}")"
  if ! redispair::k8s::kubectl_ns get secret "${secret}" >/dev/null 2>&1; then
    return 0
  fi
  redispair::log::info "keeping Secret ${secret} with the data (the next scripts/01-redis-up.sh uses the same password)"
  redispair::k8s::kubectl_ns patch secret "${secret}" --type=json \
    -p '[{"op":"remove","path":"/metadata/ownerReferences"}]' >/dev/null 2>&1 || true # none is fine
}

# Says what became of each claim that existed before: kept, or deleted (and then waits for it to go).
report_data() {
  local claims="$1" policy="$2" pvc
  if [[ -z "${claims}" ]]; then
    redispair::log::info "no master PVC found in namespace ${REDISPAIR_NAMESPACE}: there was no data to keep"
    return 0
  fi
  while IFS= read -r pvc; do
    [[ -z "${pvc}" ]] && continue
    if [[ "${policy}" == Delete ]]; then
      redispair::k8s::wait_gone "${REDISPAIR_DELETE_TIMEOUT}" "pvc/${pvc}" || true # reported just below
    fi
    if redispair::k8s::kubectl_ns get pvc "${pvc}" >/dev/null 2>&1; then
      redispair::log::info "kept the master's data: PVC ${pvc} in namespace ${REDISPAIR_NAMESPACE} (the next scripts/01-redis-up.sh uses it again; delete it with scripts/${0##*/} --purge)"
    else
      redispair::log::warn "deleted the master's data: PVC ${pvc} is gone (retentionPolicy ${policy:-unknown})"
    fi
  done <<<"${claims}"
}

# CLAIMS are the ones found before anything was deleted: with retentionPolicy Delete they may be gone by now,
# and a fresh look would report "no data to keep" about data that was just deleted.
handle_data() {
  local purge="$1" policy="$2" claims="$3"
  if ((purge == 0)); then
    report_data "${claims}" "${policy}"
    return 0
  fi
  local pvc
  while IFS= read -r pvc; do
    [[ -z "${pvc}" ]] && continue
    redispair::log::info "--purge: deleting PVC ${pvc} (the master's data)"
    redispair::k8s::kubectl_ns delete pvc "${pvc}" --ignore-not-found --wait=true --timeout="${REDISPAIR_DELETE_TIMEOUT}s"
  done <<<"${claims}"
  if redispair::k8s::kubectl get namespace "${REDISPAIR_NAMESPACE}" >/dev/null 2>&1; then
    redispair::log::info "--purge: deleting namespace ${REDISPAIR_NAMESPACE}"
    redispair::k8s::kubectl delete namespace "${REDISPAIR_NAMESPACE}" --wait=true --timeout="${REDISPAIR_DELETE_TIMEOUT}s"
  fi
  redispair::log::info "purged: the master's data and namespace ${REDISPAIR_NAMESPACE} are deleted"
}

main() {
  redispair::args::check "--purge --yes" "$@"
  local purge=0 yes=0
  if redispair::args::has "--purge" "$@"; then purge=1; fi
  if redispair::args::has "--yes" "$@"; then yes=1; fi
  if ! redispair::k8s::preflight cluster; then
    redispair::log::error "(if the cluster itself was deleted with scripts/99-minikube-down.sh, there is nothing left to remove)"
    exit 1
  fi
  # The data first: what the live retentionPolicy will do to it, before anything is deleted.
  local policy claims keep_secret=0
  policy="$(live_retention_policy)"
  claims="$(data_claims)"
  if [[ -n "${claims}" && "${policy}" == Delete ]]; then
    confirm_data_loss "${claims}" "${yes}"
  fi
  redispair::log::info "stopping port-forwards of scripts/_dev_vars.sh (if any)"
  redispair::pf::stop_all
  stop_operator
  if [[ -n "${claims}" && "${policy}" != Delete ]] && ((purge == 0)); then
    keep_password_secret
    keep_secret=1
  fi
  delete_redispair "${keep_secret}"
  delete_operator_and_crd
  handle_data "${purge}" "${policy}" "${claims}"
  redispair::log::info "done. Deploy again with: scripts/01-redis-up.sh"
}

main "$@"
