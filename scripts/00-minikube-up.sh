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
# shellcheck source=scripts/lib/args.sh
source "${ROOT}/scripts/lib/args.sh"
# shellcheck source=scripts/lib/k8s.sh
source "${ROOT}/scripts/lib/k8s.sh"
# shellcheck source=scripts/lib/flavour.sh
source "${ROOT}/scripts/lib/flavour.sh"
redispair::log::install_err_trap

# The settings are REDISPAIR_*, not MINIKUBE_*: minikube reads every MINIKUBE_<FLAG> variable as its own flag, so
# MINIKUBE_DRIVER or MINIKUBE_KUBERNETES_VERSION in the environment made `minikube start` of an existing profile
# fail (exit 81, 106). The old names are still read for one release, with a warning (legacy_setting below), and
# minikube never sees them (redispair::k8s::minikube removes them from its environment).
legacy_setting() {
  local new="$1" old="$2"
  if [[ -z "${!new:-}" && -n "${!old:-}" ]]; then
    printf -v "${new}" '%s' "${!old}"
    redispair::log::warn "${old} is deprecated and read for this release only: use ${new}=${!old} (minikube reads MINIKUBE_* variables as its own flags)"
  fi
}
legacy_setting REDISPAIR_DRIVER MINIKUBE_DRIVER
legacy_setting REDISPAIR_KUBERNETES_VERSION MINIKUBE_KUBERNETES_VERSION
legacy_setting REDISPAIR_CPUS MINIKUBE_CPUS
legacy_setting REDISPAIR_MEMORY MINIKUBE_MEMORY
legacy_setting REDISPAIR_MINIKUBE_ARGS MINIKUBE_EXTRA_ARGS
legacy_setting REDISPAIR_NODES_TIMEOUT MINIKUBE_NODES_TIMEOUT
# Whether the user chose the driver: docker is only the default, and podman stands in when docker cannot run.
DRIVER_CHOSEN=0
[[ -n "${REDISPAIR_DRIVER:-}" ]] && DRIVER_CHOSEN=1
: "${REDISPAIR_DRIVER:=docker}"
: "${REDISPAIR_KUBERNETES_VERSION:=v1.34.0}"
: "${REDISPAIR_CPUS:=2}"
: "${REDISPAIR_MEMORY:=2048}"
: "${REDISPAIR_MINIKUBE_ARGS:=}"
: "${REDISPAIR_NODES_TIMEOUT:=300}"

# Two nodes, because the master and the replica must never share one.
readonly WANTED_NODES=2
# The minikube addon of rancher's local-path provisioner: volumes are created on the node where the
# pod is scheduled (WaitForFirstConsumer). The default hostpath provisioner creates every volume on
# the control-plane node, whatever node the pod lands on (minikube issue #12360).
readonly STORAGE_ADDON=storage-provisioner-rancher
readonly STORAGE_CLASS=local-path

usage() {
  cat <<USAGE
Usage: scripts/${0##*/} [--help]

Starts minikube profile "${MINIKUBE_PROFILE}" with ${WANTED_NODES} nodes, enables the ${STORAGE_ADDON} addon
and makes its StorageClass "${STORAGE_CLASS}" the default (the master's volume follows its node), then
waits until both nodes are Ready. An existing profile is reused: a stopped one is started, and one with
a different number of nodes is reported (delete it with scripts/99-minikube-down.sh, or pick another
profile). Safe to run again.

Environment (defaults in brackets; they apply when the profile is created):
  MINIKUBE_PROFILE              profile (and kubectl context) name     [${MINIKUBE_PROFILE}]
  REDISPAIR_DRIVER              docker, podman, kvm2, qemu, vfkit, ...  [docker; podman when docker's daemon is down]
  REDISPAIR_KUBERNETES_VERSION  Kubernetes version                     [${REDISPAIR_KUBERNETES_VERSION}]
  REDISPAIR_CPUS                CPUs per node                          [${REDISPAIR_CPUS}]
  REDISPAIR_MEMORY              memory per node, MB or with unit (4g)  [${REDISPAIR_MEMORY}]
  REDISPAIR_MINIKUBE_ARGS       more flags for 'minikube start' (split on spaces)  [${REDISPAIR_MINIKUBE_ARGS:-none}]
  REDISPAIR_NODES_TIMEOUT       seconds to wait for the nodes          [${REDISPAIR_NODES_TIMEOUT}]
  KUBE_CONTEXT                  kubectl context to check the nodes with [${KUBE_CONTEXT:-current context}]
(The MINIKUBE_* names of these settings, minikube's own flag variables, are read for one more release.)

Next: scripts/01-redis-up.sh
Undo: scripts/99-minikube-down.sh
USAGE
}

# Every missing tool, and a container engine that does not answer, in one report. With the default driver
# (docker), podman stands in when docker is missing or its daemon is down and podman answers. The driver only
# matters for a new profile: an existing one keeps its own.
check_prerequisites() {
  local -a tools=(minikube kubectl)
  local driver_tool problems=0
  if [[ "${CLUSTER:-}" == local ]]; then
    # The built-in cluster's nodes are network namespaces on this machine: there is no driver to check.
    redispair::log::info "checking prerequisites: ${tools[*]} (the built-in cluster: minikube is ${REDISPAIR_MINIKUBE_CMD}, no driver)"
    redispair::prereq::require "${tools[@]}" || {
      redispair::log::error "fix what is listed above, then run $(redispair::args::rerun) again"
      exit 1
    }
    return 0
  fi
  if command -v minikube >/dev/null 2>&1 && redispair::k8s::profile_nodes >/dev/null 2>&1; then
    redispair::log::info "checking prerequisites: ${tools[*]} (profile ${MINIKUBE_PROFILE} exists: it keeps its own driver)"
    redispair::prereq::require "${tools[@]}" || {
      redispair::log::error "fix what is listed above, then run $(redispair::args::rerun) again"
      exit 1
    }
    return 0
  fi
  driver_tool="$(redispair::prereq::driver_tool "${REDISPAIR_DRIVER}")"
  if [[ "${driver_tool}" == docker ]] && ! redispair::prereq::engine_answers docker &&
    ((DRIVER_CHOSEN == 0)) && redispair::prereq::engine_answers podman; then
    redispair::log::info "docker is not installed or its daemon does not answer; podman does: using driver podman (REDISPAIR_DRIVER=docker insists on docker)"
    REDISPAIR_DRIVER=podman
    driver_tool=podman
  fi
  [[ -n "${driver_tool}" ]] && tools+=("${driver_tool}")
  redispair::log::info "checking prerequisites: ${tools[*]} (driver ${REDISPAIR_DRIVER})"
  redispair::prereq::require "${tools[@]}" || problems=1
  if [[ "${driver_tool}" == docker || "${driver_tool}" == podman ]] && command -v "${driver_tool}" >/dev/null 2>&1 &&
    ! redispair::prereq::engine_answers "${driver_tool}"; then
    problems=1
    if [[ "${driver_tool}" == docker ]]; then
      redispair::log::error "docker is installed but its daemon does not answer (docker info failed)."
      redispair::log::error "Start it: Linux: sudo systemctl start docker (and be in the docker group); macOS: open Docker Desktop"
    else
      redispair::log::error "podman is installed but does not answer (podman info failed). macOS: podman machine start"
    fi
  fi
  if ((problems != 0)); then
    local other="REDISPAIR_DRIVER=podman|kvm2|qemu|vfkit ..."
    if [[ "${driver_tool}" == docker ]] && redispair::prereq::engine_answers podman; then
      other="podman works here: REDISPAIR_DRIVER=podman $(redispair::args::rerun)"
    fi
    redispair::log::error "fix what is listed above, then run $(redispair::args::rerun) again (another driver: ${other})"
    exit 1
  fi
}

# Where minikube writes the log of its last start (pkg/minikube/localpath/localpath.go LastStartLog).
minikube_last_start_log() {
  local home="${MINIKUBE_HOME:-${HOME}}"
  [[ "${home##*/}" == .minikube ]] || home="${home}/.minikube"
  printf '%s/logs/lastStart.txt' "${home}"
}

# Runs `minikube start ARGS...`; when it fails, says where to look and what to do, and exits with its status.
start_minikube() {
  local rc=0 alt=podman
  redispair::k8s::minikube start "$@" || rc=$?
  ((rc == 0)) && return 0
  [[ "${REDISPAIR_DRIVER}" == podman ]] && alt=docker
  if [[ "${CLUSTER:-}" == local ]]; then
    redispair::log::error "the built-in cluster did not start (exit ${rc}); its message is above. Next:"
    redispair::log::error "  clean up and retry: make down YES=1 && make up"
    exit "${rc}"
  fi
  redispair::log::error "minikube start failed (exit ${rc}); minikube's own message is above. Next:"
  redispair::log::error "  logs:           ${REDISPAIR_MINIKUBE_CMD} --profile ${MINIKUBE_PROFILE} logs --file=${MINIKUBE_PROFILE}.log   (and $(minikube_last_start_log))"
  redispair::log::error "  clean up:       scripts/99-minikube-down.sh --yes   (deletes the half-made profile ${MINIKUBE_PROFILE})"
  redispair::log::error "  another driver: scripts/99-minikube-down.sh --yes && REDISPAIR_DRIVER=${alt} $(redispair::args::rerun)   (docker, podman, kvm2, qemu, vfkit, ...)"
  exit "${rc}"
}

start_or_reuse() {
  local -a nodes=()
  local line listed rc=0
  listed="$(redispair::k8s::profile_nodes)" || rc=$?
  if ((rc == 1)); then
    redispair::log::error "${REDISPAIR_MINIKUBE_CMD} --profile ${MINIKUBE_PROFILE} node list failed:"
    redispair::k8s::minikube node list >&2 || true # shown for its message; the failure is reported here
    exit 1
  fi
  while IFS= read -r line; do
    [[ -n "${line}" ]] && nodes+=("${line}")
  done <<<"${listed}"

  if ((${#nodes[@]} == 0)); then
    local -a args=(
      --nodes="${WANTED_NODES}" --driver="${REDISPAIR_DRIVER}"
      --kubernetes-version="${REDISPAIR_KUBERNETES_VERSION}" --cpus="${REDISPAIR_CPUS}" --memory="${REDISPAIR_MEMORY}"
    )
    local -a extra=()
    [[ -n "${REDISPAIR_MINIKUBE_ARGS}" ]] && read -r -a extra <<<"${REDISPAIR_MINIKUBE_ARGS}"
    redispair::log::info "creating ${REDISPAIR_PROFILE_NOUN} ${MINIKUBE_PROFILE}: ${REDISPAIR_MINIKUBE_CMD} --profile ${MINIKUBE_PROFILE} start ${args[*]} ${extra[*]:-}"
    start_minikube "${args[@]}" ${extra[@]+"${extra[@]}"}
    return 0
  fi

  redispair::log::info "${REDISPAIR_PROFILE_NOUN} ${MINIKUBE_PROFILE} already exists with ${#nodes[@]} node(s): ${nodes[*]:-}"
  if ((${#nodes[@]} != WANTED_NODES)); then
    redispair::log::error "its shape differs: RedisPair needs exactly ${WANTED_NODES} nodes (master and replica on different nodes), it has ${#nodes[@]}."
    redispair::log::error "Either delete it and start again:   scripts/99-minikube-down.sh && scripts/00-minikube-up.sh"
    redispair::log::error "or use another profile:             MINIKUBE_PROFILE=redispair2 scripts/00-minikube-up.sh"
    exit 1
  fi
  if redispair::k8s::minikube status >/dev/null 2>&1; then
    redispair::log::step "it is running: reusing it (REDISPAIR_DRIVER, _CPUS, _MEMORY and _KUBERNETES_VERSION only apply to a new profile)"
  else
    redispair::log::info "it is not running: starting it with its existing settings (${REDISPAIR_MINIKUBE_CMD} --profile ${MINIKUBE_PROFILE} start)"
    start_minikube
  fi
}

# Enabling the add-on makes local-path the only default class (minikube v1.37.0
# pkg/addons/addons_storage_classes.go). It is checked again here all the same: when minikube restarts a profile it
# re-enables default-storageclass and storage-provisioner-rancher concurrently (pkg/addons/addons.go Enable), and
# either may end up the default.
ensure_storage() {
  redispair::log::info "multi-node storage: enabling addon ${STORAGE_ADDON} (StorageClass ${STORAGE_CLASS}, volumes on the pod's node)"
  local rc=0
  redispair::k8s::minikube addons enable "${STORAGE_ADDON}" || rc=$?
  if ((rc != 0)); then
    redispair::log::error "${REDISPAIR_MINIKUBE_CMD} --profile ${MINIKUBE_PROFILE} addons enable ${STORAGE_ADDON} failed (exit ${rc}); its message is above."
    redispair::log::error "Without it the master's volume would live on the control-plane node only (minikube issue #12360). Try again: $(redispair::args::rerun)"
    exit "${rc}"
  fi
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
  redispair::log::info "waiting up to ${REDISPAIR_NODES_TIMEOUT}s for ${WANTED_NODES} Ready nodes"
  redispair::k8s::kubectl wait --for=condition=Ready nodes --all --timeout="${REDISPAIR_NODES_TIMEOUT}s" >/dev/null
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
  if [[ "${version}" != "${REDISPAIR_KUBERNETES_VERSION}" ]]; then
    redispair::log::warn "the cluster runs Kubernetes ${version}, not REDISPAIR_KUBERNETES_VERSION=${REDISPAIR_KUBERNETES_VERSION} (an existing profile keeps its version; recreate it with 99 then 00)"
  fi
}

main() {
  redispair::args::check "" "$@"
  check_prerequisites
  start_or_reuse
  redispair::k8s::require_cluster || exit 1
  ensure_storage
  wait_for_nodes
  redispair::log::info "cluster ready: ${REDISPAIR_PROFILE_NOUN} ${MINIKUBE_PROFILE}, kubectl $(redispair::k8s::context_label)"
  redispair::k8s::kubectl get nodes -o wide
  cat <<NEXT

Next:
  scripts/01-redis-up.sh        # the operator and the Redis master/replica pair
  ${REDISPAIR_MINIKUBE_CMD} --profile ${MINIKUBE_PROFILE} ip   # the node IP (it changes when the cluster is recreated)
NEXT
}

main "$@"
