#!/usr/bin/env bash
# Runs one step of `make up` / `make down` against the cluster that CLUSTER chooses:
#   CLUSTER=minikube   minikube, as installed (the numbered scripts say how to install it when it is missing)
#   CLUSTER=local      the built-in two-node cluster of localcluster/ (real Kubernetes built from source): its
#                      minikube-compatible command, localcluster/bin/minikube, goes first on PATH, so the numbered
#                      scripts run unmodified; needs Linux and root
#   CLUSTER unset      minikube when it is installed; else the built-in cluster where it can run (Linux, root);
#                      else minikube (the scripts then say how to install it, as before)
#
# Usage: hack/with-cluster.sh [--announce] [COMMAND ARGS...]
#   --announce   say which cluster is used and why (make runs it on its first step)
set -o errexit -o nounset -o pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly ROOT
# shellcheck source=scripts/lib/log.sh
source "${ROOT}/scripts/lib/log.sh"
# shellcheck source=localcluster/versions.sh
source "${ROOT}/localcluster/versions.sh"
redispair::log::install_err_trap

usage() {
  sed -n '2,11p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

# The built-in cluster needs network namespaces, mounts and cgroups.
local_cluster_can_run() {
  [[ "$(uname -s)" == Linux ]] && ((EUID == 0))
}

# Prints "minikube" or "local", and on stderr why, when asked to announce.
choose() {
  local announce="$1"
  local what="the built-in two-node cluster (real Kubernetes ${KUBE_VERSION}, built from source; localcluster/)"
  case "${CLUSTER:-}" in
    minikube)
      ((announce == 0)) || redispair::log::info "CLUSTER=minikube: using minikube only (the built-in cluster is not used)" >&2
      echo minikube
      ;;
    local)
      if ! local_cluster_can_run; then
        redispair::log::error "CLUSTER=local: ${what} needs Linux and root (network namespaces, mounts); this is $(uname -s) as uid ${EUID}."
        redispair::log::error "Run make up as root on Linux, or install minikube and use CLUSTER=minikube."
        return 1
      fi
      ((announce == 0)) || redispair::log::info "CLUSTER=local: using ${what}" >&2
      echo local
      ;;
    "")
      if command -v minikube >/dev/null 2>&1; then
        ((announce == 0)) || redispair::log::info "using minikube ($(command -v minikube)); CLUSTER=local uses the built-in cluster instead" >&2
        echo minikube
      elif local_cluster_can_run; then
        ((announce == 0)) || redispair::log::info "minikube not found: using ${what}; set CLUSTER=minikube to refuse" >&2
        echo local
      else
        ((announce == 0)) || redispair::log::warn "minikube not found, and the built-in cluster needs Linux and root: the scripts say what to install" >&2
        echo minikube
      fi
      ;;
    *)
      redispair::log::error "CLUSTER=${CLUSTER}: use CLUSTER=minikube or CLUSTER=local (or leave it unset: minikube when installed, else local)"
      return 1
      ;;
  esac
}

first_run_note() {
  [[ -x "${K8S_BIN_DIR}/kube-apiserver" ]] && return 0
  redispair::log::info "first run: Kubernetes ${KUBE_VERSION}, etcd ${ETCD_VERSION} and CoreDNS are built from the Go module proxy, then the images with podman (measured on 2 busy cores: binaries 6 min, the operator image 16 min; cached in ${REDISPAIR_CACHE}, so once)" >&2
}

# The numbered scripts' `minikube` is the built-in cluster's command; they word their messages for it when
# CLUSTER=local. The operator image is the one the cluster built from this checkout's Dockerfile and imported into
# both nodes, so 01 builds and loads nothing.
use_local() {
  export CLUSTER=local
  export PATH="${ROOT}/localcluster/bin:${K8S_BIN_DIR}:${PATH}"
  : "${OPERATOR_IMAGE:=docker.io/library/redispair-operator:dev}"
  export OPERATOR_IMAGE
}

main() {
  local announce=0
  while (($# > 0)); do
    case "$1" in
      -h | --help)
        usage
        return 0
        ;;
      --announce) announce=1 ;;
      *) break ;;
    esac
    shift
  done
  local cluster
  cluster="$(choose "${announce}")" || exit 1
  if [[ "${cluster}" == local ]]; then
    ((announce == 0)) || first_run_note
    use_local
  fi
  (($# == 0)) || exec "$@"
}

main "$@"
