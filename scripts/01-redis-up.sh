#!/usr/bin/env bash
# Deploys RedisPair into namespace "redis": the CRD, the operator (its image built from the Dockerfile and
# loaded into every minikube node, or $OPERATOR_IMAGE), its RBAC, and the RedisPair "redis"; then waits
# until the master and the replica are Ready. Undo: scripts/98-redis-down.sh
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
redispair::log::install_err_trap

: "${OPERATOR_IMAGE:=}"
: "${CONTAINER_TOOL:=}"
: "${CONTAINER_BUILD_ARGS:=}"
: "${REDISPAIR_OPERATOR_TIMEOUT:=180}"

readonly IMAGE_REPO=redispair-operator
readonly CRD_FILE="${ROOT}/crd/redispair.io_redispairs.yaml"
readonly RBAC_FILE="${ROOT}/deploy/operator/rbac.yaml"
readonly OPERATOR_FILE="${ROOT}/deploy/operator/deployment.yaml"
readonly OPERATOR_SERVICE_FILE="${ROOT}/deploy/operator/service.yaml"
readonly REDISPAIR_FILE="${ROOT}/deploy/redispair.yaml"
# Server-side apply as this manager, forcing conflicts: like `kubectl apply`, the script makes the objects
# match deploy/ even when someone changed them by hand (kubectl edit/set image).
readonly FIELD_MANAGER=redispair-scripts
# What the Dockerfile builds from: the image tag is a hash of these files.
readonly IMAGE_SOURCES=(Dockerfile .dockerignore CMakeLists.txt .clang-format operator)

usage() {
  cat <<USAGE
Usage: scripts/${0##*/} [--help]

In namespace ${REDISPAIR_NAMESPACE}, on kubectl $(redispair::k8s::context_label):
  1. creates the namespace (Pod Security Standard "restricted" enforced);
  2. builds the operator image from the Dockerfile with docker or podman, tagged
     ${IMAGE_REPO}:<last commit of its sources>-<content checksum>, and loads it into every node
     (minikube image load); skipped when OPERATOR_IMAGE is set;
  3. applies the CRD, the RBAC and the operator Deployment from deploy/, then the RedisPair
     (deploy/redispair.yaml; the INFO CronJob setting of 02/97 is kept);
  4. waits for condition Ready, showing progress, and prints pods, nodes, NodePorts and what to run next.
Safe to run again: unchanged objects stay as they are, an unchanged image is not rebuilt.

Environment (defaults in brackets):
  OPERATOR_IMAGE           use this image, build and load nothing    [build one]
  CONTAINER_TOOL           docker or podman                         [docker if its daemon answers, else podman]
  CONTAINER_BUILD_ARGS     more flags for the image build (split on spaces), e.g. --network host
  MINIKUBE_PROFILE         minikube profile to load the image into  [${MINIKUBE_PROFILE}]
  KUBE_CONTEXT             kubectl context; empty: current context  [${KUBE_CONTEXT:-current context}]
  REDISPAIR_READY_TIMEOUT  seconds to wait for Ready                 [${REDISPAIR_READY_TIMEOUT}]
  REDISPAIR_OPERATOR_TIMEOUT  seconds to wait for the operator rollout  [${REDISPAIR_OPERATOR_TIMEOUT}]
Next: scripts/02-redis-info.sh, scripts/redisImport.sh, source scripts/_dev_vars.sh
Undo: scripts/98-redis-down.sh
USAGE
}

check_prerequisites() {
  if [[ -n "${OPERATOR_IMAGE}" ]]; then
    redispair::log::info "checking prerequisites: kubectl (OPERATOR_IMAGE is set: no build, no minikube image load)"
    redispair::prereq::require kubectl || exit 1
    return 0
  fi
  redispair::log::info "checking prerequisites: kubectl minikube, and docker or podman (to build the operator image)"
  local ok=0
  redispair::prereq::require kubectl minikube || ok=1
  if [[ -n "${CONTAINER_TOOL}" ]]; then
    redispair::prereq::require "${CONTAINER_TOOL}" || ok=1
  else
    redispair::prereq::require_one_of docker podman || ok=1
  fi
  if ((ok != 0)); then
    redispair::log::error "install what is missing above and run $(redispair::args::rerun) again (or set OPERATOR_IMAGE to an image the cluster can pull)"
    exit 1
  fi
}

container_tool() {
  if [[ -n "${CONTAINER_TOOL}" ]]; then
    printf '%s' "${CONTAINER_TOOL}"
  elif command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then
    printf 'docker'
  elif command -v podman >/dev/null 2>&1; then
    printf 'podman'
  else
    redispair::log::fatal "docker is installed but its daemon does not answer, and podman is not installed: start docker (Linux: sudo systemctl start docker; macOS: open Docker Desktop)"
  fi
}

# <git short commit>-<checksum of the names and contents of IMAGE_SOURCES>: a new tag whenever the sources change
# (even uncommitted), the same tag when they did not, so a second run reuses the image.
image_tag() {
  local commit="nogit" sum f
  if command -v git >/dev/null 2>&1 && git -C "${ROOT}" rev-parse --git-dir >/dev/null 2>&1; then
    # The last commit that changed the image's sources: unrelated commits keep the tag.
    commit="$(git -C "${ROOT}" log -1 --format=%h --abbrev=8 -- "${IMAGE_SOURCES[@]}" 2>/dev/null || true)"
    commit="${commit:-nogit}"
    sum="$(cd "${ROOT}" && git ls-files -co --exclude-standard -z -- "${IMAGE_SOURCES[@]}" |
      while IFS= read -r -d '' f; do if [[ -f "${f}" ]]; then printf '%s\n' "${f}" && cat -- "${f}"; fi; done | cksum | tr -d ' ')"
  else
    sum="$(date +%s)"
  fi
  printf '%s:%s-%s' "${IMAGE_REPO}" "${commit}" "${sum:0:10}"
}

build_and_load_image() {
  local tool image tmp
  tool="$(container_tool)"
  image="$(image_tag)"
  if "${tool}" image inspect "${image}" >/dev/null 2>&1; then
    redispair::log::info "operator image ${image} already built (${tool}): sources unchanged"
  else
    local -a extra=()
    [[ -n "${CONTAINER_BUILD_ARGS}" ]] && read -r -a extra <<<"${CONTAINER_BUILD_ARGS}"
    redispair::log::info "building operator image ${image} with ${tool} from ${ROOT}/Dockerfile"
    "${tool}" build ${extra[@]+"${extra[@]}"} -t "${image}" -f "${ROOT}/Dockerfile" "${ROOT}"
  fi
  tmp="$(mktemp -d)"
  redispair::util::trap_add "rm -rf '${tmp}'" EXIT
  redispair::log::info "loading ${image} into every node of minikube profile ${MINIKUBE_PROFILE}"
  # Saved under its fully qualified name, which is what the nodes' runtime looks the short name up as
  # (podman would otherwise record it as localhost/${IMAGE_REPO}).
  "${tool}" tag "${image}" "docker.io/library/${image}"
  "${tool}" save -o "${tmp}/operator.tar" "docker.io/library/${image}"
  redispair::k8s::minikube image load "${tmp}/operator.tar"
  check_image_on_nodes "docker.io/library/${image}"
  OPERATOR_IMAGE="${image}"
}

# `minikube image load` exits 0 even when a node did not get the image (it only logs the failure, and skips nodes
# that are not Running), and the rollout would then wait its whole timeout on ErrImageNeverPull. So every node is
# asked, and a node without the image is named at once.
check_image_on_nodes() {
  local image="$1" missing rc=0
  redispair::log::step "checking that every node of profile ${MINIKUBE_PROFILE} has the image (minikube ssh -n NODE -- sudo crictl inspecti)"
  missing="$(redispair::k8s::nodes_without_image "${image}")" || rc=$?
  if [[ -n "${missing}" ]]; then
    redispair::log::error "image ${image} is not on node(s): $(echo "${missing}" | tr '\n' ' ')(minikube image load exits 0 even when a node fails)"
    redispair::log::error "Is every node Running? minikube --profile ${MINIKUBE_PROFILE} status. To see why the load failed: minikube --profile ${MINIKUBE_PROFILE} image load --alsologtostderr ${image}"
    redispair::log::error "Then run $(redispair::args::rerun) again."
    exit 1
  fi
  if ((rc != 0)); then
    redispair::log::warn "not every node could be asked (see above); the operator rollout will tell"
  fi
}

apply_namespace() {
  redispair::log::info "namespace ${REDISPAIR_NAMESPACE} (Pod Security Standard: restricted)"
  redispair::k8s::kubectl apply --server-side --force-conflicts --field-manager="${FIELD_MANAGER}" -f - <<NS
apiVersion: v1
kind: Namespace
metadata:
  name: ${REDISPAIR_NAMESPACE}
  labels:
    app.kubernetes.io/part-of: redispair
    pod-security.kubernetes.io/enforce: restricted
    pod-security.kubernetes.io/warn: restricted
NS
}

apply_crd_and_operator() {
  redispair::log::info "CRD redispairs.redispair.io (${CRD_FILE#"${ROOT}"/})"
  redispair::k8s::kubectl apply --server-side --force-conflicts --field-manager="${FIELD_MANAGER}" -f "${CRD_FILE}"
  redispair::k8s::kubectl wait --for=condition=Established --timeout=60s crd/redispairs.redispair.io
  redispair::log::info "operator RBAC (${RBAC_FILE#"${ROOT}"/})"
  redispair::k8s::kubectl apply --server-side --force-conflicts --field-manager="${FIELD_MANAGER}" -f "${RBAC_FILE}"
  redispair::log::info "operator Deployment ${REDISPAIR_OPERATOR_DEPLOYMENT} with image ${OPERATOR_IMAGE}"
  # patch, not `set image --local`, which prints nothing when the image is the one in the file already.
  redispair::k8s::kubectl patch --local -f "${OPERATOR_FILE}" --type=json -o yaml \
    -p "[{\"op\":\"replace\",\"path\":\"/spec/template/spec/containers/0/image\",\"value\":\"${OPERATOR_IMAGE}\"},
         {\"op\":\"test\",\"path\":\"/spec/template/spec/containers/0/env/1/name\",\"value\":\"REDISPAIR_IMPORTER_IMAGE\"},
         {\"op\":\"replace\",\"path\":\"/spec/template/spec/containers/0/env/1/value\",\"value\":\"${OPERATOR_IMAGE}\"}]" |
    redispair::k8s::kubectl apply --server-side --force-conflicts --field-manager="${FIELD_MANAGER}" -f -
  redispair::log::info "operator Service (${OPERATOR_SERVICE_FILE#"${ROOT}"/}): /metrics, /healthz, /readyz on a NodePort"
  redispair::k8s::kubectl apply --server-side --force-conflicts --field-manager="${FIELD_MANAGER}" -f "${OPERATOR_SERVICE_FILE}"
  redispair::log::step "waiting up to ${REDISPAIR_OPERATOR_TIMEOUT}s for the operator rollout"
  if ! redispair::k8s::kubectl_ns rollout status "deploy/${REDISPAIR_OPERATOR_DEPLOYMENT}" \
    --timeout="${REDISPAIR_OPERATOR_TIMEOUT}s"; then
    redispair::log::error "the operator did not become ready. Was image ${OPERATOR_IMAGE} loaded into the nodes?"
    redispair::k8s::diagnose
    exit 1
  fi
}

apply_redispair() {
  # Keep the INFO CronJob switch that 02-redis-info.sh / 97-redis-info-down.sh set on the live object.
  local info
  info="$(redispair::k8s::kubectl_ns get redispair "${REDISPAIR_NAME}" -o jsonpath='{.spec.infoJob.enabled}' 2>/dev/null || true)"
  [[ "${info}" == true ]] || info=false
  redispair::log::info "RedisPair ${REDISPAIR_NAMESPACE}/${REDISPAIR_NAME} (${REDISPAIR_FILE#"${ROOT}"/}, infoJob.enabled=${info})"
  redispair::k8s::kubectl patch --local -f "${REDISPAIR_FILE}" --type=merge \
    -p "{\"spec\":{\"infoJob\":{\"enabled\":${info}}}}" -o yaml |
    redispair::k8s::kubectl apply --server-side --force-conflicts --field-manager="${FIELD_MANAGER}" -f -
}

summary() {
  local master_port replica_port ops_port ip
  master_port="$(redispair::k8s::kubectl_ns get svc "$(redispair::names::master_service "${REDISPAIR_NAME}")" -o jsonpath='{.spec.ports[0].nodePort}')"
  replica_port="$(redispair::k8s::kubectl_ns get svc "$(redispair::names::replica_service "${REDISPAIR_NAME}")" -o jsonpath='{.spec.ports[0].nodePort}')"
  ops_port="$(redispair::k8s::kubectl_ns get svc "${REDISPAIR_OPERATOR_DEPLOYMENT}" -o jsonpath='{.spec.ports[0].nodePort}')"
  ip="$(redispair::k8s::kubectl get nodes -o jsonpath='{.items[0].status.addresses[?(@.type=="InternalIP")].address}')"
  echo
  redispair::log::info "RedisPair ${REDISPAIR_NAMESPACE}/${REDISPAIR_NAME} is up"
  redispair::k8s::kubectl_ns get redispair "${REDISPAIR_NAME}"
  echo
  redispair::k8s::kubectl_ns get pods -o wide
  echo
  redispair::k8s::kubectl get nodes -o wide
  echo
  redispair::k8s::kubectl_ns get svc
  cat <<NEXT

NodePorts: master ${master_port}, replica ${replica_port}, operator ${ops_port} (/metrics, /healthz, /readyz), on any node IP, e.g. ${ip}:${master_port}

Next:
  source scripts/_dev_vars.sh     # exports REDIS_MASTER_HOST_PORT, REDIS_SLAVE_HOST_PORT, REDISCLI_AUTH, REDISPAIR_METRICS_HOST_PORT
  redis-cli -h "\${REDIS_MASTER_HOST_PORT%:*}" -p "\${REDIS_MASTER_HOST_PORT#*:}" ping
  scripts/redisImport.sh          # load import/redis/data.txt into the master
  scripts/02-redis-info.sh        # INFO replication every minute
  scripts/98-redis-down.sh        # remove it all (the master's data is kept unless --purge)
NEXT
}

main() {
  redispair::args::check "" "$@"
  check_prerequisites
  redispair::k8s::require_cluster || exit 1
  apply_namespace
  if [[ -n "${OPERATOR_IMAGE}" ]]; then
    redispair::log::info "operator image: OPERATOR_IMAGE=${OPERATOR_IMAGE} (not built, not loaded)"
  else
    build_and_load_image
  fi
  apply_crd_and_operator
  apply_redispair
  redispair::k8s::wait_ready "${REDISPAIR_READY_TIMEOUT}" || exit 1
  summary
}

main "$@"
