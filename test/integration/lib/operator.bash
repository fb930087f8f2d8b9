# shellcheck shell=bash
# Running the real operator binary against the local control plane, as its own ServiceAccount (so the
# namespaced Role in deploy/operator/rbac.yaml is what is tested, not admin rights).
#
#   redispair::op::install_rbac NS          applies deploy/operator/rbac.yaml into NS
#   redispair::op::sa_kubeconfig NS FILE    writes a kubeconfig for the operator's ServiceAccount token
#   redispair::op::start NS                 starts the operator in the background; waits for /readyz
#   redispair::op::stop                     SIGTERM, then waits; returns the operator's exit status
#   redispair::op::alive                    0 while the operator process runs
#   redispair::op::metric NAME              prints the sum of a metric's samples from /metrics
#   redispair::op::log                      path of the operator's log
#
# Constants: REDISPAIR_OP_PORT (ops port, default 18480), REDISPAIR_BIN (the redispair binary),
# REDISPAIR_OP_SERVER (the API server URL the operator is given; default the admin kubeconfig's, a test
# may put a proxy in between).

[[ -n "${REDISPAIR_OP_LOADED:-}" ]] && return 0
REDISPAIR_OP_LOADED=1

: "${REDISPAIR_OP_PORT:=18480}"
: "${REDISPAIR_BIN:=${REDISPAIR_TEST_ROOT}/build/operator/redispair}"
: "${REDISPAIR_OP_DIR:=${BATS_FILE_TMPDIR:-/tmp}/operator}"

redispair::op::log() { printf '%s\n' "${REDISPAIR_OP_DIR}/operator.log"; }

redispair::op::install_rbac() {
  local ns="$1"
  sed "s/namespace: redis$/namespace: ${ns}/" "${REDISPAIR_TEST_ROOT}/deploy/operator/rbac.yaml" |
    redispair::test::kubectl apply --server-side -f - >/dev/null
}

redispair::op::sa_kubeconfig() {
  local ns="$1" file="$2"
  local token ca server
  token="$(redispair::test::kubectl -n "${ns}" create token redispair-operator --duration=2h)"
  ca="$(redispair::test::kubectl config view --raw -o jsonpath='{.clusters[0].cluster.certificate-authority-data}')"
  server="${REDISPAIR_OP_SERVER:-}"
  if [[ -z "${server}" ]]; then
    server="$(redispair::test::kubectl config view --raw -o jsonpath='{.clusters[0].cluster.server}')"
  fi
  cat >"${file}" <<KUBECONFIG
apiVersion: v1
kind: Config
clusters:
- name: local
  cluster:
    server: ${server}
    certificate-authority-data: ${ca}
users:
- name: redispair-operator
  user:
    token: ${token}
contexts:
- name: operator
  context: {cluster: local, user: redispair-operator, namespace: ${ns}}
current-context: operator
KUBECONFIG
}

redispair::op::alive() {
  local pid
  pid="$(cat "${REDISPAIR_OP_DIR}/operator.pid" 2>/dev/null)" || return 1
  kill -0 "${pid}" 2>/dev/null
}

redispair::op::_readyz() {
  curl -fsS "http://127.0.0.1:${REDISPAIR_OP_PORT}/readyz" >/dev/null
}

redispair::op::start() {
  local ns="$1"
  export OP_DIR="${REDISPAIR_OP_DIR}"
  [[ -x "${REDISPAIR_BIN}" ]] || {
    echo "operator binary not found at ${REDISPAIR_BIN}; build it first (make build) or set REDISPAIR_BIN" >&2
    return 1
  }
  mkdir -p "${REDISPAIR_OP_DIR}"
  redispair::op::sa_kubeconfig "${ns}" "${REDISPAIR_OP_DIR}/kubeconfig"
  rm -f "${REDISPAIR_OP_DIR}/operator.exit"
  # A small supervisor records the operator's pid and, once it ends, its exit status: the tests that
  # stop it run in other processes, which cannot `wait` for it. Closing fd 3 keeps bats from waiting.
  # shellcheck disable=SC2016 # expanded by the inner bash
  bash -c '"$@" & echo $! >"${OP_DIR}/operator.pid"; wait $!; echo $? >"${OP_DIR}/operator.exit"' _ \
    "${REDISPAIR_BIN}" operator --kubeconfig "${REDISPAIR_OP_DIR}/kubeconfig" --namespace "${ns}" \
    --ops-address 127.0.0.1 --ops-port "${REDISPAIR_OP_PORT}" \
    >>"$(redispair::op::log)" 2>&1 3>&- &
  redispair::test::eventually 30 redispair::op::_readyz
}

redispair::op::stop() {
  local pid i
  pid="$(cat "${REDISPAIR_OP_DIR}/operator.pid" 2>/dev/null)" || return 0
  kill -TERM "${pid}" 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do
    [[ -f "${REDISPAIR_OP_DIR}/operator.exit" ]] && break
    sleep 0.1
  done
  rm -f "${REDISPAIR_OP_DIR}/operator.pid"
  if [[ ! -f "${REDISPAIR_OP_DIR}/operator.exit" ]]; then
    echo "operator did not stop within 10 s of SIGTERM; killing it" >&2
    kill -KILL "${pid}" 2>/dev/null || true
    return 137
  fi
  return "$(cat "${REDISPAIR_OP_DIR}/operator.exit")"
}

redispair::op::metric() {
  local name="$1"
  curl -fsS "http://127.0.0.1:${REDISPAIR_OP_PORT}/metrics" |
    awk -v n="${name}" '$1 == n || index($1, n "{") == 1 { s += $NF } END { printf "%d\n", s }'
}
