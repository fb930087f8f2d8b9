#!/usr/bin/env bash
# Starts a real Kubernetes control plane on this machine (etcd, kube-apiserver, kube-controller-manager,
# kube-scheduler at the versions pinned in versions.sh) as background processes, for the integration tests.
# Idempotent: a healthy running plane is left alone; a partly running one is completed.
set -o errexit -o nounset -o pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=localcluster/lib/control-plane.sh
source "${ROOT}/localcluster/lib/control-plane.sh"
redispair::log::install_err_trap

usage() {
  cat <<USAGE
Usage: ${0##*/} [--help]

Starts etcd ${ETCD_VERSION} and Kubernetes ${KUBE_VERSION} (kube-apiserver, kube-controller-manager,
kube-scheduler) from ${K8S_BIN_DIR}
(built by localcluster/build-binaries.sh when missing), waits for /readyz, and prints the KUBECONFIG export.
Safe to run again: a healthy plane is reused, missing pieces are started. No kubelet: pods stay Pending.

State (PKI, etcd data, logs/, run/*.pid, kubeconfig): \${REDISPAIR_CLUSTER_DIR} = ${REDISPAIR_CLUSTER_DIR}
Stop with localcluster/control-plane-down.sh [--purge].

Environment (defaults in brackets):
  REDISPAIR_CLUSTER_DIR        state directory                      [${REDISPAIR_CLUSTER_DIR}]
  APISERVER_PORT               kube-apiserver secure port            [${APISERVER_PORT}]
  APISERVER_BIND_ADDRESS       kube-apiserver bind address           [${APISERVER_BIND_ADDRESS}]
  APISERVER_ADVERTISE_ADDRESS  address in the kubernetes Service; not loopback  [default-route IP]
  APISERVER_EXTRA_SANS         extra serving-cert IPs/DNS names (comma or space separated; added
                               to the certificate, never dropped until --purge)  [none]
  ETCD_CLIENT_PORT / ETCD_PEER_PORT                                  [${ETCD_CLIENT_PORT} / ${ETCD_PEER_PORT}]
  KCM_PORT / SCHEDULER_PORT    secure (healthz) ports, on 127.0.0.1  [${KCM_PORT} / ${SCHEDULER_PORT}]
  SERVICE_CIDR                 Service ClusterIP range               [${SERVICE_CIDR}]
  SERVICE_NODE_PORT_RANGE                                            [${SERVICE_NODE_PORT_RANGE}]
  ETCD_EXTRA_ARGS, APISERVER_EXTRA_ARGS, KCM_EXTRA_ARGS, SCHEDULER_EXTRA_ARGS   appended flags
  CP_READY_TIMEOUT             seconds to wait for /readyz           [${CP_READY_TIMEOUT}]
USAGE
}

redispair::cp_up::check_prerequisites() {
  local tool missing=()
  for tool in openssl curl jq setsid flock ss base64; do
    command -v "${tool}" >/dev/null 2>&1 || missing+=("${tool}")
  done
  if ((${#missing[@]} > 0)); then
    redispair::log::fatal "missing ${missing[*]}; install with: apt-get install -y openssl curl jq util-linux iproute2 coreutils"
  fi
}

redispair::cp_up::ensure_binaries() {
  local comp
  for comp in "${REDISPAIR_CP_COMPONENTS[@]}" kubectl; do
    if [[ ! -x "${K8S_BIN_DIR}/${comp}" ]]; then
      redispair::log::info "${comp} is not in ${K8S_BIN_DIR}; running build-binaries.sh"
      "${ROOT}/localcluster/build-binaries.sh" >&2
      return 0
    fi
  done
}

redispair::cp_up::ensure_pki() {
  local pki
  pki="$(redispair::cp::pki_dir)"
  redispair::log::step "PKI in ${pki}"
  redispair::pki::ensure_ca "${pki}"
  local sans
  sans="$(redispair::cp_up::wanted_sans)"
  if [[ -s "${pki}/apiserver.sans" && "$(<"${pki}/apiserver.sans")" != "${sans}" ]]; then
    redispair::log::step "apiserver SANs changed; re-issuing its certificate"
    # A running apiserver keeps serving the old certificate until it restarts.
    redispair::cp::stop kube-apiserver
  fi
  redispair::pki::ensure_serving_cert "${pki}" apiserver "${sans}"
  redispair::pki::ensure_client_cert "${pki}" admin kubernetes-admin system:masters
  redispair::pki::ensure_client_cert "${pki}" controller-manager system:kube-controller-manager
  redispair::pki::ensure_client_cert "${pki}" scheduler system:kube-scheduler
  redispair::pki::ensure_client_cert "${pki}" apiserver-kubelet-client kube-apiserver-kubelet-client system:masters
  redispair::pki::ensure_sa_keys "${pki}"
  redispair::cp::write_kubeconfig "$(redispair::cp::kubeconfig)" admin kubernetes-admin
  redispair::cp::write_kubeconfig "${REDISPAIR_CLUSTER_DIR}/controller-manager.kubeconfig" controller-manager system:kube-controller-manager
  redispair::cp::write_kubeconfig "${REDISPAIR_CLUSTER_DIR}/scheduler.kubeconfig" scheduler system:kube-scheduler
}

# Prints the SAN list the apiserver certificate should carry: the one it has, plus whatever
# redispair::cp::apiserver_sans asks for now. SANs are only ever added, so that a plain `control-plane-up.sh`
# (e.g. from a test helper) never drops the addresses an earlier run with APISERVER_EXTRA_SANS added.
redispair::cp_up::wanted_sans() {
  local file out entry
  file="$(redispair::cp::pki_dir)/apiserver.sans"
  out="$(cat "${file}" 2>/dev/null)" || out=""
  local -a wanted
  IFS=, read -r -a wanted <<<"$(redispair::cp::apiserver_sans)"
  for entry in "${wanted[@]}"; do
    [[ ",${out}," == *",${entry},"* ]] || out+="${out:+,}${entry}"
  done
  printf '%s\n' "${out}"
}

# 0 when the apiserver certificate already carries every SAN asked for (see APISERVER_EXTRA_SANS).
redispair::cp_up::sans_covered() {
  local file
  file="$(redispair::cp::pki_dir)/apiserver.sans"
  [[ -s "${file}" && "$(<"${file}")" == "$(redispair::cp_up::wanted_sans)" ]]
}

main() {
  case "${1:-}" in
    -h | --help)
      usage
      return 0
      ;;
    "") ;;
    *)
      usage >&2
      redispair::log::fatal "unknown argument: $1"
      ;;
  esac
  local start
  start="$(redispair::process::now)"
  redispair::cp_up::check_prerequisites
  redispair::cp_up::ensure_binaries
  redispair::cp::lock

  if redispair::cp::is_healthy && redispair::cp_up::sans_covered; then
    redispair::log::info "control plane already running and healthy ($(redispair::cp::apiserver_url), state ${REDISPAIR_CLUSTER_DIR})"
    echo "export KUBECONFIG=$(redispair::cp::kubeconfig)"
    return 0
  fi

  # cold: new PKI and an empty etcd; warm: both kept from an earlier run.
  local mode=warm
  [[ -d "${REDISPAIR_CLUSTER_DIR}/etcd" ]] || mode=cold
  redispair::log::info "starting the control plane (${mode}) in ${REDISPAIR_CLUSTER_DIR}"
  # Marks the directory as ours, so that `control-plane-down.sh --purge` never removes anything else.
  touch "${REDISPAIR_CLUSTER_DIR}/.redispair-cluster"
  redispair::cp_up::ensure_pki

  redispair::cp::start_etcd
  redispair::cp::wait_etcd
  redispair::cp::start_apiserver_process
  redispair::cp::wait_ready "${CP_READY_TIMEOUT}"
  redispair::log::step "kube-apiserver ready after $(redispair::process::elapsed "${start}")s"
  redispair::cp::start_controller_manager
  redispair::cp::start_scheduler
  redispair::cp::wait_component kube-controller-manager "${KCM_PORT}"
  redispair::cp::wait_component kube-scheduler "${SCHEDULER_PORT}"
  redispair::cp::wait_default_service_account

  local version
  version="$(redispair::cp::kubectl version -o json | jq -r '.serverVersion.gitVersion')"
  redispair::log::info "control plane ${version} ready in $(redispair::process::elapsed "${start}")s (${mode} start); logs in ${REDISPAIR_CLUSTER_DIR}/logs"
  echo "export KUBECONFIG=$(redispair::cp::kubeconfig)"
}

main "$@"
