# shellcheck shell=bash
# Shared helpers for the bats integration tests in test/integration/, which run against the real local control
# plane of localcluster/ (etcd + kube-apiserver + kube-controller-manager + kube-scheduler, no kubelet yet).
#
# Use in a .bats file:
#
#   load helpers
#
#   setup_file() {
#     redispair::test::ensure_control_plane   # once per file; reuses a running plane
#     redispair::test::apply_crd
#     redispair::test::ensure_namespace my-test-ns
#   }
#   teardown_file() {
#     redispair::test::release_control_plane  # stops it only if this file started it and REDISPAIR_TEST_TEARDOWN=1
#   }
#
#   @test "..." {
#     redispair::test::kubectl -n my-test-ns apply --server-side -f - <<<"${manifest}"
#     redispair::test::eventually "${REDISPAIR_TEST_TIMEOUT}" redispair::test::kubectl get rp x -n my-test-ns
#   }
#
# Functions:
#   redispair::test::ensure_control_plane    runs localcluster/control-plane-up.sh unless a healthy plane already
#                                            runs; exports KUBECONFIG (admin), REDISPAIR_KUBECTL (pinned kubectl)
#                                            and REDISPAIR_TEST_STARTED_CP (1 when this call started the plane)
#   redispair::test::release_control_plane   runs control-plane-down.sh only when REDISPAIR_TEST_STARTED_CP=1
#                                            and REDISPAIR_TEST_TEARDOWN=1; by default the plane is left running
#                                            for the next file (a warm start costs ~4 s, a reuse nothing)
#   redispair::test::kubectl ARGS...         the pinned kubectl (Kubernetes ${KUBE_VERSION}) with that kubeconfig
#   redispair::test::apply_crd               server-side applies crd/*.yaml and waits until Established and served
#   redispair::test::ensure_namespace NS     creates namespace NS unless it exists
#   redispair::test::eventually SECS CMD...  runs CMD every REDISPAIR_TEST_POLL_INTERVAL until it succeeds;
#                                            fails (printing CMD's last output) after SECS seconds
#   redispair::test::expectations FILE       prints the "# expect: ..." fragments at the top of a case file
#
# Everything from localcluster/lib/control-plane.sh (redispair::cp::*) is loaded as well: restart_apiserver,
# expire_watch_history (makes old resourceVersions answer 410 Expired), etcd_compact, ... see that file.
#
# Named constants (override in the environment):
#   REDISPAIR_TEST_TIMEOUT        default wait for eventually-style assertions, seconds   [60]
#   REDISPAIR_TEST_POLL_INTERVAL  poll interval, seconds                                  [0.5]
#   REDISPAIR_TEST_TEARDOWN       1: teardown_file stops a plane that its file started      [unset]

[[ -n "${REDISPAIR_TEST_HELPERS_LOADED:-}" ]] && return 0
REDISPAIR_TEST_HELPERS_LOADED=1

REDISPAIR_TEST_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=localcluster/lib/control-plane.sh
source "${REDISPAIR_TEST_ROOT}/localcluster/lib/control-plane.sh"

: "${REDISPAIR_TEST_TIMEOUT:=60}"
: "${REDISPAIR_TEST_POLL_INTERVAL:=0.5}"
: "${REDISPAIR_TEST_CRD_TIMEOUT:=30}"

redispair::test::ensure_control_plane() {
  export KUBECONFIG REDISPAIR_KUBECTL REDISPAIR_TEST_STARTED_CP
  KUBECONFIG="$(redispair::cp::kubeconfig)"
  REDISPAIR_KUBECTL="${K8S_BIN_DIR}/kubectl"
  if [[ -x "${REDISPAIR_KUBECTL}" ]] && redispair::cp::is_healthy; then
    REDISPAIR_TEST_STARTED_CP=0
    return 0
  fi
  # The output is shown by bats only when setup_file fails.
  "${REDISPAIR_TEST_ROOT}/localcluster/control-plane-up.sh"
  REDISPAIR_TEST_STARTED_CP=1
}

redispair::test::release_control_plane() {
  if [[ "${REDISPAIR_TEST_STARTED_CP:-0}" == 1 && "${REDISPAIR_TEST_TEARDOWN:-}" == 1 ]]; then
    "${REDISPAIR_TEST_ROOT}/localcluster/control-plane-down.sh"
  fi
}

redispair::test::kubectl() {
  redispair::cp::kubectl "$@"
}

redispair::test::eventually() {
  local timeout="$1"
  shift
  local start="${SECONDS}" out
  while true; do
    if out="$("$@" 2>&1)"; then
      return 0
    fi
    if ((SECONDS - start >= timeout)); then
      printf 'still failing after %ss: %s\n%s\n' "${timeout}" "$*" "${out}" >&2
      return 1
    fi
    sleep "${REDISPAIR_TEST_POLL_INTERVAL}"
  done
}

# 0 when every CRD in crd/ is Established and its resource is listed in discovery.
redispair::test::_crds_served() {
  redispair::test::kubectl wait --for=condition=Established --timeout=2s -f "${REDISPAIR_TEST_ROOT}/crd/" &&
    redispair::test::kubectl get redispairs.redispair.io -A --request-timeout=2s
}

redispair::test::apply_crd() {
  redispair::test::kubectl apply --server-side --force-conflicts --field-manager=redispair-tests \
    -f "${REDISPAIR_TEST_ROOT}/crd/" >/dev/null
  redispair::test::eventually "${REDISPAIR_TEST_CRD_TIMEOUT}" redispair::test::_crds_served
}

redispair::test::ensure_namespace() {
  local ns="$1" phase
  # A namespace an earlier run deleted with --wait=false may still be Terminating (the state of the plane
  # outlives it), and then refuses new objects: wait until it is gone, then create it again.
  phase="$(redispair::test::kubectl get namespace "${ns}" -o jsonpath='{.status.phase}' 2>/dev/null)" || phase=""
  [[ "${phase}" == Active ]] && return 0
  if [[ "${phase}" == Terminating ]]; then
    redispair::test::kubectl wait --for=delete "namespace/${ns}" --timeout=120s >/dev/null
  fi
  redispair::test::kubectl create namespace "${ns}" >/dev/null
}

redispair::test::expectations() {
  sed -n 's/^# expect: //p' "$1"
}
