# shellcheck shell=bash
# kubectl and minikube helpers for the scripts in scripts/. Sourcing this file only defines functions and
# defaulted variables. Works in bash and zsh (scripts/_dev_vars.sh loads it into the user's shell).
# Needs scripts/lib/log.sh.
#
# Variables (set them in the environment to override):
#   MINIKUBE_PROFILE      the minikube profile                                  [redispair]
#   KUBE_CONTEXT          the kubectl context; minikube names it after the profile. Set it to
#                         an empty string to use the current context of $KUBECONFIG  [$MINIKUBE_PROFILE]
#   REDISPAIR_NAMESPACE   namespace of the RedisPair                             [redis]
#   REDISPAIR_NAME        name of the RedisPair                                  [redis]
#   REDISPAIR_READY_TIMEOUT  seconds to wait for condition Ready                 [300]
#
# Functions:
#   redispair::k8s::kubectl ARGS...        kubectl with --context $KUBE_CONTEXT (when not empty)
#   redispair::k8s::kubectl_ns ARGS...     the same, in $REDISPAIR_NAMESPACE
#   redispair::k8s::minikube ARGS...       minikube -p $MINIKUBE_PROFILE, without the MINIKUBE_<FLAG> variables
#                                          that minikube would read as start flags (see below)
#   redispair::k8s::profile_nodes          prints the profile's node (machine) names, one per line; returns 3
#                                          when the profile does not exist, 1 when minikube fails otherwise
#   redispair::k8s::nodes_without_image IMAGE  prints the profile's nodes whose container runtime lacks IMAGE
#                                          (minikube ssh -n NODE -- sudo crictl inspecti IMAGE); returns 1 when a
#                                          node could not be asked
#   redispair::k8s::context_label          "context NAME" or "the current context", for messages
#   redispair::k8s::require_cluster        the API server answers; else says what to run, returns 1
#   redispair::k8s::rp_exists              the CRD is installed and the RedisPair exists
#   redispair::k8s::require_redispair      rp_exists, else says to run 01-redis-up.sh, returns 1
#   redispair::k8s::require_ready          the RedisPair is Ready, else shows why and returns 1
#   redispair::k8s::condition TYPE         prints the status (True/False/Unknown/"") of a condition
#   redispair::k8s::wait_ready TIMEOUT     waits for Ready at the current generation, printing progress
#   redispair::k8s::wait_gone TIMEOUT KIND/NAME...  waits until none of the objects exists
#   redispair::k8s::wait_none TIMEOUT KIND SELECTOR  waits until no KIND matches the label SELECTOR
#   redispair::k8s::pod ROLE               name of the master or replica pod
#   redispair::k8s::redis_cli ROLE ARGS... redis-cli inside that pod (the container holds the password)
#   redispair::k8s::diagnose               prints the RedisPair, pods, events and operator log tail
#   redispair::k8s::preflight cluster|redispair|ready  kubectl is installed and the cluster answers (and
#                                          the RedisPair exists, or is Ready); else says what to do, returns 1

[[ -n "${REDISPAIR_K8S_SH_LOADED:-}" ]] && return 0
REDISPAIR_K8S_SH_LOADED=1

: "${MINIKUBE_PROFILE:=redispair}"
: "${KUBE_CONTEXT=${MINIKUBE_PROFILE}}"
: "${REDISPAIR_NAMESPACE:=redis}"
: "${REDISPAIR_NAME:=redis}"
: "${REDISPAIR_READY_TIMEOUT:=300}"
: "${REDISPAIR_POLL_INTERVAL:=3}"
: "${REDISPAIR_OPERATOR_DEPLOYMENT:=redispair-operator}"

redispair::k8s::kubectl() {
  if [[ -n "${KUBE_CONTEXT:-}" ]]; then
    kubectl --context "${KUBE_CONTEXT}" "$@"
  else
    kubectl "$@"
  fi
}

redispair::k8s::kubectl_ns() {
  redispair::k8s::kubectl --namespace "${REDISPAIR_NAMESPACE}" "$@"
}

# minikube reads every MINIKUBE_<FLAG> environment variable as its --flag (viper with prefix MINIKUBE and
# AutomaticEnv: minikube v1.37.0 cmd/minikube/cmd/root.go setupViper). On an existing profile,
# MINIKUBE_DRIVER=podman makes a plain `minikube start` exit 81 and an older MINIKUBE_KUBERNETES_VERSION exit 106
# (cmd/minikube/cmd/start.go validateSpecifiedDriver, validateKubernetesVersion). These scripts pass the profile's
# settings as flags themselves (00-minikube-up.sh reads REDISPAIR_*), so the start flags minikube could pick up
# from the environment are removed from its environment. MINIKUBE_PROFILE stays: it names the same profile that
# --profile names.
redispair::k8s::minikube() {
  (
    unset MINIKUBE_DRIVER MINIKUBE_VM_DRIVER MINIKUBE_KUBERNETES_VERSION MINIKUBE_CPUS MINIKUBE_MEMORY MINIKUBE_NODES
    minikube --profile "${MINIKUBE_PROFILE}" "$@"
  )
}

# `minikube node list` prints "NAME<TAB>IP" per node (cmd/minikube/cmd/node_list.go). For a profile that does not
# exist it prints two lines on stdout ("* Profile ... not found", "  To start a cluster, run: ...") and exits 85
# (pkg/minikube/mustload/mustload.go Partial, ExGuestNotFound): never read those as node names.
redispair::k8s::profile_nodes() {
  local out rc=0
  out="$(redispair::k8s::minikube node list 2>/dev/null)" || rc=$?
  if ((rc == 85)); then
    return 3
  elif ((rc != 0)); then
    return 1
  fi
  printf '%s\n' "${out}" | awk -F '\t' 'NF == 2 && $1 ~ /^[A-Za-z0-9][A-Za-z0-9._-]*$/ { print $1 }'
}

# `minikube image load` exits 0 even when a node did not get the image: a failure is only logged, and nodes that
# are not Running are skipped (pkg/minikube/machine/cache_images.go DoLoadImages). So each node is asked.
redispair::k8s::nodes_without_image() {
  local image="$1" nodes node rc=0 out
  nodes="$(redispair::k8s::profile_nodes)" || return 1
  while IFS= read -r node; do
    [[ -n "${node}" ]] || continue
    # stdin from /dev/null: an ssh session would otherwise read the rest of the node list.
    if out="$(redispair::k8s::minikube ssh -n "${node}" -- sudo crictl inspecti "${image}" 2>&1 </dev/null)"; then
      continue
    fi
    case "${out}" in
      *"no such image"*) printf '%s\n' "${node}" ;;
      *)
        redispair::log::warn "could not ask node ${node} for image ${image}: ${out##*$'\n'}"
        rc=1
        ;;
    esac
  done <<<"${nodes}"
  return "${rc}"
}

redispair::k8s::context_label() {
  if [[ -n "${KUBE_CONTEXT:-}" ]]; then
    printf 'context "%s"' "${KUBE_CONTEXT}"
  else
    printf 'the current context'
  fi
}

redispair::k8s::require_cluster() {
  if [[ -n "${KUBE_CONTEXT:-}" ]] && ! kubectl config get-contexts "${KUBE_CONTEXT}" >/dev/null 2>&1; then
    redispair::log::error "kubectl has no context \"${KUBE_CONTEXT}\" (KUBECONFIG=${KUBECONFIG:-~/.kube/config}): the cluster is not set up."
    redispair::log::error "Start it with: scripts/00-minikube-up.sh   (or point KUBE_CONTEXT at another context; KUBE_CONTEXT= uses the current one)"
    return 1
  fi
  local out
  if ! out="$(redispair::k8s::kubectl get --raw=/readyz --request-timeout=10s 2>&1)"; then
    redispair::log::error "the Kubernetes API server ($(redispair::k8s::context_label)) does not answer: ${out##*$'\n'}"
    redispair::log::error "Is the cluster running? Start it with: scripts/00-minikube-up.sh   (check: minikube -p ${MINIKUBE_PROFILE} status)"
    return 1
  fi
}

redispair::k8s::rp_exists() {
  redispair::k8s::kubectl get crd redispairs.redispair.io >/dev/null 2>&1 &&
    redispair::k8s::kubectl_ns get redispair "${REDISPAIR_NAME}" >/dev/null 2>&1
}

redispair::k8s::require_redispair() {
  if ! redispair::k8s::rp_exists; then
    redispair::log::error "RedisPair ${REDISPAIR_NAMESPACE}/${REDISPAIR_NAME} does not exist. Deploy it with: scripts/01-redis-up.sh"
    return 1
  fi
}

redispair::k8s::condition() {
  redispair::k8s::kubectl_ns get redispair "${REDISPAIR_NAME}" \
    -o jsonpath="{.status.conditions[?(@.type==\"$1\")].status}" 2>/dev/null
}

redispair::k8s::require_ready() {
  redispair::k8s::require_redispair || return 1
  if [[ "$(redispair::k8s::condition Ready)" != True ]]; then
    local why
    why="$(redispair::k8s::kubectl_ns get redispair "${REDISPAIR_NAME}" \
      -o jsonpath='{.status.conditions[?(@.type=="Ready")].reason}: {.status.conditions[?(@.type=="Ready")].message}' 2>/dev/null)"
    redispair::log::error "RedisPair ${REDISPAIR_NAMESPACE}/${REDISPAIR_NAME} is not Ready (${why:-no status yet})."
    redispair::log::error "Wait for it with: scripts/01-redis-up.sh   (or look: kubectl -n ${REDISPAIR_NAMESPACE} describe redispair ${REDISPAIR_NAME})"
    return 1
  fi
}

# One line describing where the RedisPair is: its conditions and its pods' phases.
redispair::k8s::_progress_line() {
  local conds pods
  conds="$(redispair::k8s::kubectl_ns get redispair "${REDISPAIR_NAME}" \
    -o jsonpath='{range .status.conditions[*]}{.type}={.status} {end}' 2>/dev/null)"
  pods="$(redispair::k8s::kubectl_ns get pods -l "app.kubernetes.io/instance=${REDISPAIR_NAME},app.kubernetes.io/name=redis" \
    -o jsonpath='{range .items[*]}{.metadata.name}({.status.phase}{" on "}{.spec.nodeName}) {end}' 2>/dev/null)"
  printf 'conditions: %s| pods: %s' "${conds:-none yet }" "${pods:-none yet}"
}

redispair::k8s::wait_ready() {
  local timeout="${1:-${REDISPAIR_READY_TIMEOUT}}"
  local deadline=$((SECONDS + timeout)) last="" line gen observed
  redispair::log::info "waiting up to ${timeout}s for RedisPair ${REDISPAIR_NAMESPACE}/${REDISPAIR_NAME} to be Ready"
  while :; do
    line="$(redispair::k8s::_progress_line)"
    if [[ "${line}" != "${last}" ]]; then
      redispair::log::step "$((timeout - deadline + SECONDS))s ${line}"
      last="${line}"
    fi
    gen="$(redispair::k8s::kubectl_ns get redispair "${REDISPAIR_NAME}" -o jsonpath='{.metadata.generation}' 2>/dev/null)"
    observed="$(redispair::k8s::kubectl_ns get redispair "${REDISPAIR_NAME}" -o jsonpath='{.status.observedGeneration}' 2>/dev/null)"
    if [[ "$(redispair::k8s::condition Ready)" == True && (-z "${observed}" || "${observed}" == "${gen}") ]]; then
      redispair::log::info "RedisPair ${REDISPAIR_NAMESPACE}/${REDISPAIR_NAME} is Ready"
      return 0
    fi
    if ((SECONDS >= deadline)); then
      redispair::log::error "RedisPair ${REDISPAIR_NAMESPACE}/${REDISPAIR_NAME} is not Ready after ${timeout}s; what the cluster says:"
      redispair::k8s::diagnose
      return 1
    fi
    sleep "${REDISPAIR_POLL_INTERVAL}"
  done
}

redispair::k8s::wait_gone() {
  local timeout="$1"
  shift
  local deadline=$((SECONDS + timeout)) obj left
  while :; do
    left=""
    for obj in "$@"; do
      if redispair::k8s::kubectl_ns get "${obj}" >/dev/null 2>&1; then
        left="${left} ${obj}"
      fi
    done
    [[ -z "${left}" ]] && return 0
    if ((SECONDS >= deadline)); then
      redispair::log::error "still present after ${timeout}s:${left}"
      return 1
    fi
    sleep 1
  done
}

redispair::k8s::wait_none() {
  local timeout="$1" kind="$2" selector="$3"
  local deadline=$((SECONDS + timeout)) left
  while :; do
    left="$(redispair::k8s::kubectl_ns get "${kind}" -l "${selector}" -o name 2>/dev/null)"
    [[ -z "${left}" ]] && return 0
    if ((SECONDS >= deadline)); then
      redispair::log::error "still present after ${timeout}s: $(echo "${left}" | tr '\n' ' ')"
      return 1
    fi
    sleep 1
  done
}

redispair::k8s::pod() {
  local role="$1"
  redispair::k8s::kubectl_ns get pods \
    -l "app.kubernetes.io/instance=${REDISPAIR_NAME},app.kubernetes.io/name=redis,app.kubernetes.io/component=${role}" \
    --field-selector=status.phase=Running -o jsonpath='{.items[0].metadata.name}' 2>/dev/null
}

redispair::k8s::redis_cli() {
  local role="$1" pod
  shift
  pod="$(redispair::k8s::pod "${role}")"
  if [[ -z "${pod}" ]]; then
    redispair::log::error "no running ${role} pod for RedisPair ${REDISPAIR_NAMESPACE}/${REDISPAIR_NAME}"
    return 1
  fi
  redispair::k8s::kubectl_ns exec "${pod}" -c redis -- redis-cli -p 6379 "$@"
}

redispair::k8s::diagnose() {
  {
    echo "--- kubectl -n ${REDISPAIR_NAMESPACE} get redispair,pods,pvc -o wide"
    redispair::k8s::kubectl_ns get redispair,pods,pvc -o wide 2>&1
    echo "--- RedisPair conditions"
    redispair::k8s::kubectl_ns get redispair "${REDISPAIR_NAME}" \
      -o jsonpath='{range .status.conditions[*]}{.type}={.status} {.reason}: {.message}{"\n"}{end}' 2>&1
    echo "--- recent events"
    redispair::k8s::kubectl_ns get events --sort-by=.lastTimestamp 2>&1 | tail -n 15
    echo "--- operator log (last 20 lines)"
    redispair::k8s::kubectl_ns logs "deploy/${REDISPAIR_OPERATOR_DEPLOYMENT}" --tail=20 2>&1
  } >&2
}

# The start of every script that talks to the cluster (needs scripts/lib/prereq.sh).
redispair::k8s::preflight() {
  redispair::log::info "checking prerequisites: kubectl"
  redispair::prereq::require kubectl || return 1
  redispair::k8s::require_cluster || return 1
  case "$1" in
    cluster) ;;
    redispair) redispair::k8s::require_redispair ;;
    ready) redispair::k8s::require_ready ;;
  esac
}
