#!/usr/bin/env bash
# Starts a two-node minikube cluster for RedisPair (the master and the replica always run on different
# nodes), with storage that is safe on more than one node, and waits until both nodes are Ready.
# Undo: scripts/99-minikube-down.sh
set -o errexit -o nounset -o pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly ROOT
# shellcheck source=scripts/lib/log.sh
source "${ROOT}/scripts/lib/log.sh"
# shellcheck source=scripts/lib/prereq.sh
source "${ROOT}/scripts/lib/prereq.sh"
# shellcheck source=scripts/lib/k8s.sh
source "${ROOT}/scripts/lib/k8s.sh"
redispair::log::install_err_trap

: "${MINIKUBE_DRIVER:=docker}"
: "${MINIKUBE_KUBERNETES_VERSION:=v1.34.0}"
: "${MINIKUBE_CPUS:=2}"
: "${MINIKUBE_MEMORY:=2048}"
: "${MINIKUBE_EXTRA_ARGS:=}"
: "${MINIKUBE_NODES_TIMEOUT:=300}"

# Two nodes, because the master and the replica must never share one.
readonly WANTED_NODES=2
# The minikube addon of rancher's local-path provisioner: volumes are created on the node where the
# pod is scheduled (WaitForFirstConsumer). The default hostpath provisioner creates every volume on
# the control-plane node, whatever node the pod lands on (minikube issue #12360).
readonly STORAGE_ADDON=storage-provisioner-rancher
readonly STORAGE_CLASS=local-path

usage() {
  cat <<USAGE
Usage: ${0##*/} [--help]

Starts minikube profile "${MINIKUBE_PROFILE}" with ${WANTED_NODES} nodes, enables the ${STORAGE_ADDON} addon
and makes its StorageClass "${STORAGE_CLASS}" the default (the master's volume follows its node), then
waits until both nodes are Ready. An existing profile is reused: a stopped one is started, and one with
a different number of nodes is reported (delete it with scripts/99-minikube-down.sh, or pick another
profile). Safe to run again.

Environment (defaults in brackets; they apply when the profile is created):
  MINIKUBE_PROFILE             profile (and kubectl context) name     [${MINIKUBE_PROFILE}]
  MINIKUBE_DRIVER              docker, podman, kvm2, qemu, vfkit, ...  [${MINIKUBE_DRIVER}]
  MINIKUBE_KUBERNETES_VERSION  Kubernetes version                     [${MINIKUBE_KUBERNETES_VERSION}]
  MINIKUBE_CPUS                CPUs per node                          [${MINIKUBE_CPUS}]
  MINIKUBE_MEMORY              memory per node, MB or with unit (4g)  [${MINIKUBE_MEMORY}]
  MINIKUBE_EXTRA_ARGS          more flags for 'minikube start' (split on spaces)  [${MINIKUBE_EXTRA_ARGS:-none}]
  MINIKUBE_NODES_TIMEOUT       seconds to wait for the nodes          [${MINIKUBE_NODES_TIMEOUT}]
  KUBE_CONTEXT                 kubectl context to check the nodes with [${KUBE_CONTEXT:-current context}]

Next: scripts/01-redis-up.sh
USAGE
}

check_prerequisites() {
  local -a tools=(minikube kubectl)
  local driver_tool
  driver_tool="$(redispair::prereq::driver_tool "${MINIKUBE_DRIVER}")"
  [[ -n "${driver_tool}" ]] && tools+=("${driver_tool}")
  redispair::log::info "checking prerequisites: ${tools[*]} (driver ${MINIKUBE_DRIVER})"
  if ! redispair::prereq::require "${tools[@]}"; then
    redispair::log::error "install what is missing above, then run ${0##*/} again (another driver: MINIKUBE_DRIVER=podman|kvm2|qemu|vfkit ...)"
    exit 1
  fi
  if [[ "${driver_tool}" == docker ]] && ! docker info >/dev/null 2>&1; then
    redispair::log::error "docker is installed but its daemon does not answer (docker info failed)."
    redispair::log::error "Start it: Linux: sudo systemctl start docker (and be in the docker group); macOS: open Docker Desktop"
    exit 1
  fi
}

# Prints the profile's node names, one per line; nothing when the profile does not exist.
existing_nodes() {
  local out
  out="$(redispair::k8s::minikube node list 2>/dev/null)" || return 0
  printf '%s\n' "${out}" | awk 'NF > 0 && $1 !~ /[^A-Za-z0-9._-]/ { print $1 }'
}

start_or_reuse() {
  local -a nodes=()
  local line
  while IFS= read -r line; do
    [[ -n "${line}" ]] && nodes+=("${line}")
  done < <(existing_nodes)

  if ((${#nodes[@]} == 0)); then
    local -a args=(
      start --nodes="${WANTED_NODES}" --driver="${MINIKUBE_DRIVER}"
      --kubernetes-version="${MINIKUBE_KUBERNETES_VERSION}" --cpus="${MINIKUBE_CPUS}" --memory="${MINIKUBE_MEMORY}"
    )
    local -a extra=()
    [[ -n "${MINIKUBE_EXTRA_ARGS}" ]] && read -r -a extra <<<"${MINIKUBE_EXTRA_ARGS}"
    redispair::log::info "creating minikube profile ${MINIKUBE_PROFILE}: minikube --profile ${MINIKUBE_PROFILE} ${args[*]} ${extra[*]:-}"
    redispair::k8s::minikube "${args[@]}" "${extra[@]}"
    return 0
  fi

  redispair::log::info "minikube profile ${MINIKUBE_PROFILE} already exists with ${#nodes[@]} node(s): ${nodes[*]}"
  if ((${#nodes[@]} != WANTED_NODES)); then
    redispair::log::error "its shape differs: RedisPair needs exactly ${WANTED_NODES} nodes (master and replica on different nodes), it has ${#nodes[@]}."
    redispair::log::error "Either delete it and start again:   scripts/99-minikube-down.sh && scripts/00-minikube-up.sh"
    redispair::log::error "or use another profile:             MINIKUBE_PROFILE=redispair2 scripts/00-minikube-up.sh"
    exit 1
  fi
  if redispair::k8s::minikube status >/dev/null 2>&1; then
    redispair::log::step "it is running: reusing it (MINIKUBE_DRIVER, _CPUS, _MEMORY and _KUBERNETES_VERSION only apply to a new profile)"
  else
    redispair::log::info "it is not running: starting it with its existing settings (minikube --profile ${MINIKUBE_PROFILE} start)"
    redispair::k8s::minikube start
  fi
}

ensure_storage() {
  redispair::log::info "multi-node storage: enabling addon ${STORAGE_ADDON} (StorageClass ${STORAGE_CLASS}, volumes on the pod's node)"
  redispair::k8s::minikube addons enable "${STORAGE_ADDON}"
  local sc
  while IFS= read -r sc; do
    [[ -z "${sc}" || "${sc}" == "${STORAGE_CLASS}" ]] && continue
    redispair::log::step "StorageClass ${sc}: no longer the default"
    redispair::k8s::kubectl annotate storageclass "${sc}" --overwrite storageclass.kubernetes.io/is-default-class=false >/dev/null
  done < <(redispair::k8s::kubectl get storageclass \
    -o jsonpath='{range .items[?(@.metadata.annotations.storageclass\.kubernetes\.io/is-default-class=="true")]}{.metadata.name}{"\n"}{end}')
  redispair::k8s::kubectl annotate storageclass "${STORAGE_CLASS}" --overwrite storageclass.kubernetes.io/is-default-class=true >/dev/null
  redispair::log::step "default StorageClass: ${STORAGE_CLASS}"
}

wait_for_nodes() {
  redispair::log::info "waiting up to ${MINIKUBE_NODES_TIMEOUT}s for ${WANTED_NODES} Ready nodes"
  redispair::k8s::kubectl wait --for=condition=Ready nodes --all --timeout="${MINIKUBE_NODES_TIMEOUT}s" >/dev/null
  local total ready
  total="$(redispair::k8s::kubectl get nodes -o name | wc -l | tr -d ' ')"
  ready="$(redispair::k8s::kubectl get nodes \
    -o jsonpath='{range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}' | grep -c '^True$' || true)"
  if ((total != WANTED_NODES || ready != WANTED_NODES)); then
    redispair::log::error "expected ${WANTED_NODES} Ready nodes, found ${ready} Ready of ${total}:"
    redispair::k8s::kubectl get nodes -o wide >&2
    exit 1
  fi
  local version
  version="$(redispair::k8s::kubectl get nodes -o jsonpath='{.items[0].status.nodeInfo.kubeletVersion}')"
  if [[ "${version}" != "${MINIKUBE_KUBERNETES_VERSION}" ]]; then
    redispair::log::warn "the cluster runs Kubernetes ${version}, not MINIKUBE_KUBERNETES_VERSION=${MINIKUBE_KUBERNETES_VERSION} (an existing profile keeps its version; recreate it with 99 then 00)"
  fi
}

main() {
  while (($# > 0)); do
    case "$1" in
      -h | --help)
        usage
        return 0
        ;;
      *)
        usage >&2
        redispair::log::fatal "unknown argument: $1"
        ;;
    esac
  done
  check_prerequisites
  start_or_reuse
  redispair::k8s::require_cluster || exit 1
  ensure_storage
  wait_for_nodes
  redispair::log::info "cluster ready: minikube profile ${MINIKUBE_PROFILE}, kubectl $(redispair::k8s::context_label)"
  redispair::k8s::kubectl get nodes -o wide
  cat <<NEXT

Next:
  scripts/01-redis-up.sh        # the operator and the Redis master/replica pair
  minikube --profile ${MINIKUBE_PROFILE} ip   # the node IP (it changes when the cluster is recreated)
NEXT
}

main "$@"
