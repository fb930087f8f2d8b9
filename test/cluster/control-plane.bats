#!/usr/bin/env bats
# The local control plane of control-plane-up.sh / control-plane-down.sh. Reuses a running plane; the
# disruptive tests (apiserver restart, down) run only when this file started the plane, so that a plane someone
# else is using is never taken away.

bats_require_minimum_version 1.5.0

load ../integration/helpers

UP="${BATS_TEST_DIRNAME}/../../localcluster/control-plane-up.sh"
DOWN="${BATS_TEST_DIRNAME}/../../localcluster/control-plane-down.sh"
SCRATCH_NS=redispair-cp-test

setup_file() {
  redispair::test::ensure_control_plane
}

teardown_file() {
  # The down test normally stopped it already; this catches a failure half way.
  if [[ "${REDISPAIR_TEST_STARTED_CP}" == 1 ]]; then
    "${DOWN}" >/dev/null 2>&1 || true
  fi
}

skip_unless_started_here() {
  if [[ "${REDISPAIR_TEST_STARTED_CP}" != 1 ]]; then
    skip "the control plane was already running before this file; not disrupting it"
  fi
}

@test "both scripts answer --help" {
  run "${UP}" --help
  [ "${status}" -eq 0 ]
  [[ "${output}" == Usage:* ]]
  run "${DOWN}" --help
  [ "${status}" -eq 0 ]
  [[ "${output}" == *--purge* ]]
}

@test "/readyz answers ok" {
  run redispair::test::kubectl get --raw /readyz
  [ "${status}" -eq 0 ]
  [ "${output}" == ok ]
}

@test "the API server runs the pinned Kubernetes version" {
  run --separate-stderr redispair::test::kubectl version -o json
  [ "${status}" -eq 0 ]
  [ "$(jq -r .serverVersion.gitVersion <<<"${output}")" == "${KUBE_VERSION}" ]
  [ "${KUBE_VERSION}" == v1.34.0 ]
}

@test "kube-controller-manager and kube-scheduler are healthy" {
  [ "$(curl -ksS "https://127.0.0.1:${KCM_PORT}/healthz")" == ok ]
  [ "$(curl -ksS "https://127.0.0.1:${SCHEDULER_PORT}/healthz")" == ok ]
}

@test "the kubeconfig embeds the client certificate like minikube's" {
  run grep -c -e 'client-certificate-data:' -e 'client-key-data:' -e 'certificate-authority-data:' "${KUBECONFIG}"
  [ "${output}" == 3 ]
  run redispair::test::kubectl auth whoami -o jsonpath='{.status.userInfo.username}'
  [ "${output}" == kubernetes-admin ]
}

@test "running up again reuses the healthy plane" {
  run "${UP}"
  [ "${status}" -eq 0 ]
  [[ "${output}" == *"already running and healthy"* ]]
  [[ "${output}" == *"export KUBECONFIG=${KUBECONFIG}"* ]]
}

@test "etcd compaction through the gateway drops older revisions" {
  local rev
  rev="$(redispair::cp::etcd_revision)"
  redispair::cp::etcd_compact "${rev}"
  run curl -sS -X POST "$(redispair::cp::etcd_url)/v3/kv/range" -d "{\"key\":\"AA==\",\"revision\":\"$((rev - 1))\"}"
  [[ "${output}" == *"required revision has been compacted"* ]]
}

@test "expire_watch_history makes a watch from an old resourceVersion get 410 Expired" {
  skip_unless_started_here
  redispair::test::ensure_namespace "${SCRATCH_NS}"
  local rv
  rv="$(redispair::test::kubectl create configmap -n "${SCRATCH_NS}" "watched-$$" -o jsonpath='{.metadata.resourceVersion}')"
  redispair::test::kubectl patch configmap -n "${SCRATCH_NS}" "watched-$$" --type=merge -p '{"data":{"a":"b"}}' >/dev/null
  redispair::cp::expire_watch_history
  run redispair::test::kubectl get --raw \
    "/api/v1/namespaces/${SCRATCH_NS}/configmaps?watch=1&resourceVersion=${rv}&timeoutSeconds=2"
  [[ "${output}" == *'"type":"ERROR"'*'"reason":"Expired"'*'"code":410'* ]]
  redispair::test::kubectl delete namespace "${SCRATCH_NS}" --wait=false >/dev/null
}

@test "down stops every process and leaves nothing behind" {
  skip_unless_started_here
  local -a pids=()
  local comp
  for comp in "${REDISPAIR_CP_COMPONENTS[@]}"; do
    pids+=("$(redispair::cp::pid "${comp}")")
  done
  run "${DOWN}"
  [ "${status}" -eq 0 ]
  local pid
  for pid in "${pids[@]}"; do
    run ! redispair::process::alive "${pid}"
  done
  for comp in "${REDISPAIR_CP_COMPONENTS[@]}"; do
    run ! redispair::cp::running "${comp}"
  done
  run ss -Hltn "( sport = :${APISERVER_PORT} or sport = :${ETCD_CLIENT_PORT} or sport = :${KCM_PORT} or sport = :${SCHEDULER_PORT} )"
  [ -z "${output}" ]
  # Twice is fine.
  run "${DOWN}"
  [ "${status}" -eq 0 ]
}
