#!/usr/bin/env bats
# The Ready condition end to end on the control plane, without kubelets: the test plays the kubelet.
# It binds the operator's pods to two stand-in Node objects, runs real redis-server processes with the
# configuration rendered into the pods (on 127.0.0.2 and 127.0.0.3, which it then reports as the pod
# IPs), and marks the pods Running and Ready. The operator must then probe replication with hiredis
# and report Ready=True, the nodes, the endpoints and the link; and see the link go down.
# (The kubelet-backed end-to-end tests are in test/e2e.)

bats_require_minimum_version 1.5.0

load helpers
load lib/operator
load lib/standin

NS=redis-ready
RP_NAME=ready
MASTER_IP=127.0.0.2
REPLICA_IP=127.0.0.3
# Nodes without a kubelet turn NotReady after the node-monitor grace period (~50 s) and their pods
# are then marked not ready; every step here finishes well within that.
STEP_TIMEOUT=30
# The operator's ops port: 18481 by default, next to operator.bats' 18480; the environment's wins, so that
# instances side by side (each with its own REDISPAIR_OP_PORT) do not meet on one port.
export REDISPAIR_OP_PORT="${REDISPAIR_OP_PORT:-18481}"

k() { redispair::test::kubectl -n "${NS}" "$@"; }
jp() { k get "$1" -o "jsonpath=$2"; }
condition() { jp "redispair/${RP_NAME}" "{.status.conditions[?(@.type==\"$1\")].$2}"; }

port_free() { ! (exec 3<>"/dev/tcp/$1/6379") 2>/dev/null; }

setup_file() {
  redispair::test::ensure_control_plane
  redispair::test::apply_crd
  local ip
  for ip in "${MASTER_IP}" "${REPLICA_IP}"; do
    port_free "${ip}" || {
      echo "${ip}:6379 is taken; this test needs it free for its redis-server" >&2
      return 1
    }
  done
  redispair::test::ensure_namespace "${NS}"
  redispair::op::install_rbac "${NS}"
  redispair::op::start "${NS}"
  export WORK="${BATS_FILE_TMPDIR}/ready"
  mkdir -p "${WORK}/master" "${WORK}/replica"
  # Stand-in nodes, tainted so that the real scheduler leaves the pods to this test.
  redispair::standin::add_nodes node-a node-b
  sed -e "s/name: redis$/name: ${RP_NAME}/" -e "s/namespace: redis$/namespace: ${NS}/" \
    -e 's/nodePort: 32400/nodePort: 31500/' -e 's/nodePort: 32401/nodePort: 31501/' \
    "${REDISPAIR_TEST_ROOT}/deploy/redispair.yaml" | redispair::test::kubectl apply --server-side -f - >/dev/null
}

teardown_file() {
  stop_redis replica || true
  stop_redis master || true
  redispair::op::stop || true
  redispair::test::kubectl delete namespace "${NS}" --wait=false >/dev/null 2>&1 || true
  redispair::test::kubectl delete node node-a node-b --ignore-not-found >/dev/null 2>&1 || true
  redispair::test::release_control_plane
}

teardown() {
  if [[ -n "${BATS_TEST_COMPLETED:-}" ]]; then return 0; fi
  echo "# operator log (last 20 lines):" >&3
  tail -n 20 "$(redispair::op::log)" | sed 's/^/#   /' >&3
}

replica_pod() { k get pods -l app.kubernetes.io/instance="${RP_NAME}",app.kubernetes.io/component=replica -o name | head -n 1; }
# A function, so that every retry of `eventually` asks the API server again.
replica_pod_exists() { [[ -n "$(replica_pod)" ]]; }

# Runs the role's container launcher with the REDIS_CONFIG the operator rendered into its workload (rewritten
# only where a pod differs from loopback: the bind address, the data dir, the master host) and both passwords,
# the clients' and the operator's (operator/src/controller/launcher.h).
start_redis() {
  local role="$1" ip="$2" workload="$3" config launcher
  config="$(jp "${workload}" '{.spec.template.spec.containers[0].env[?(@.name=="REDIS_CONFIG")].value}')"
  launcher="$(jp "${workload}" '{.spec.template.spec.containers[0].args[2]}')"
  config="$(sed -e "s|^bind .*|bind ${ip}|" -e "s|^dir /data$|dir ${WORK}/${role}|" \
    -e "s|^replicaof .* 6379$|replicaof ${MASTER_IP} 6379|" <<<"${config}")"
  REDIS_CONFIG="${config}" REDISPAIR_PASSWORD="${PASSWORD}" REDISCLI_AUTH="${OP_PASSWORD}" \
    sh -c "${launcher}" >"${WORK}/${role}.log" 2>&1 3>&- &
  echo $! >"${WORK}/${role}.pid"
  disown
}

stop_redis() {
  local pid
  pid="$(cat "${WORK}/$1.pid" 2>/dev/null)" || return 0
  kill "${pid}" 2>/dev/null || true
}

# What a kubelet does: bind (here, the scheduler's job), then report the pod running and ready.
play_kubelet() {
  local pod="$1" node="$2" ip="$3"
  redispair::test::kubectl create --raw "/api/v1/namespaces/${NS}/pods/${pod}/binding" -f - >/dev/null <<BINDING
{"apiVersion":"v1","kind":"Binding","metadata":{"name":"${pod}"},"target":{"apiVersion":"v1","kind":"Node","name":"${node}"}}
BINDING
  k patch pod "${pod}" --subresource=status --type=merge -p "{\"status\":{\"phase\":\"Running\",\"hostIP\":\"${ip}\",\"podIP\":\"${ip}\",\"podIPs\":[{\"ip\":\"${ip}\"}],\"conditions\":[{\"type\":\"PodScheduled\",\"status\":\"True\"},{\"type\":\"Ready\",\"status\":\"True\"}]}}" >/dev/null
}

ready_true() { [[ "$(condition Ready status)" == True ]]; }
replication_not_true() { [[ "$(condition ReplicationHealthy status)" != True ]]; }

@test "Ready: with both pods running and replicating, the status says so" {
  redispair::test::eventually "${STEP_TIMEOUT}" k get pod "${RP_NAME}-master-0"
  redispair::test::eventually "${STEP_TIMEOUT}" replica_pod_exists
  PASSWORD="$(jp "secret/${RP_NAME}-auth" '{.data.password}' | base64 -d)"
  OP_PASSWORD="$(jp "secret/${RP_NAME}-operator-auth" '{.data.password}' | base64 -d)"
  export PASSWORD OP_PASSWORD
  start_redis master "${MASTER_IP}" "statefulset/${RP_NAME}-master"
  start_redis replica "${REPLICA_IP}" "deployment/${RP_NAME}-replica"
  local replica start
  replica="$(replica_pod)"
  start="$(date +%s%3N)"
  play_kubelet "${RP_NAME}-master-0" node-a "${MASTER_IP}"
  play_kubelet "${replica#pod/}" node-b "${REPLICA_IP}"
  redispair::test::eventually "${STEP_TIMEOUT}" ready_true
  echo "# Ready=True $(($(date +%s%3N) - start)) ms after the pods were reported ready" >&3
  [[ "$(condition MasterReady status)" == True ]]
  [[ "$(condition ReplicaReady status)" == True ]]
  [[ "$(condition ReplicationHealthy reason)" == LinkUp ]]
  [[ "$(jp "redispair/${RP_NAME}" '{.status.master.node}')" == node-a ]]
  [[ "$(jp "redispair/${RP_NAME}" '{.status.replica.node}')" == node-b ]]
  [[ "$(jp "redispair/${RP_NAME}" '{.status.endpoints.master}')" == "${MASTER_IP}:31500" ]]
  [[ "$(jp "redispair/${RP_NAME}" '{.status.replication.linkStatus}')" == up ]]
  [[ "$(jp "redispair/${RP_NAME}" '{.status.replication.connectedReplicas}')" == 1 ]]
  run -0 k wait --for=condition=Ready "redispair/${RP_NAME}" --timeout=5s
  run -0 k get rp "${RP_NAME}"
  [[ "${lines[1]}" == "${RP_NAME}"*True*node-a*node-b*up* ]]
}

@test "Ready: a replica that stops replicating is reported, with the reason" {
  stop_redis replica
  redispair::test::eventually 45 replication_not_true
  [[ "$(condition Ready status)" == False ]]
  [[ "$(condition ReplicationHealthy reason)" == ReplicaUnreachable ]]
  [[ "$(condition ReplicationHealthy message)" == *"${REPLICA_IP}:6379"* ]]
}
