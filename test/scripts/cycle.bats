#!/usr/bin/env bats
# The full developer cycle on the real two-node test cluster (test/cluster/, reached through its minikube
# shim): 01 -> _dev_vars -> import -> clean -> 02 -> 97 -> 98 -> 01 -> 98 --purge, each step run twice
# (idempotent), with assertions on the cluster's state after every step. Needs root (the cluster runs
# kubelets in network namespaces); setup_file brings the cluster up itself and fails, never skips,
# when it cannot.
#
# The tests run in file order and build on each other, like a developer's session.

bats_require_minimum_version 1.5.0

load lib/helpers
load lib/cycle

setup_file() {
  rp::cycle::ensure_cluster
  rp::cycle::lock
  # Start from nothing: a previous run may have left a RedisPair or its data behind.
  "${RP_ROOT}/scripts/98-redis-down.sh" --purge >"${BATS_FILE_TMPDIR}/clean-start.log" 2>&1 ||
    { cat "${BATS_FILE_TMPDIR}/clean-start.log" >&2; return 1; }
}

teardown_file() {
  rp::cycle::unlock
  if [[ "${REDISPAIR_TEST_TEARDOWN:-}" == 1 ]]; then
    "${RP_ROOT}/scripts/98-redis-down.sh" --purge || true # best effort: the cluster goes next
    "${RP_ROOT}/test/cluster/cluster-down.sh" || true
  fi
}

setup() {
  cd "${RP_ROOT}"
}

# The state 01-redis-up.sh promises: Ready, master and replica Running on different nodes, the NodePorts.
assert_redis_up() {
  [[ "$(rp::cycle::k get redispair redis -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}')" == True ]]
  local master_node replica_node
  master_node="$(rp::cycle::k get pod redis-master-0 -o jsonpath='{.spec.nodeName}')"
  replica_node="$(rp::cycle::k get pods -l app.kubernetes.io/component=replica -o jsonpath='{.items[0].spec.nodeName}')"
  [[ -n "${master_node}" && -n "${replica_node}" && "${master_node}" != "${replica_node}" ]]
  [[ "$(rp::cycle::k get svc redis-master -o jsonpath='{.spec.ports[0].nodePort}')" == 32400 ]]
  [[ "$(rp::cycle::k get svc redis-replica -o jsonpath='{.spec.ports[0].nodePort}')" == 32401 ]]
  [[ "$(rp::cycle::k get deploy redispair-operator -o jsonpath='{.status.readyReplicas}')" == 1 ]]
}

@test "01-redis-up.sh builds and loads the operator image, deploys, waits for Ready; a second run changes nothing" {
  run scripts/01-redis-up.sh
  echo "${output}"
  [[ "${status}" -eq 0 ]]
  assert_redis_up
  [[ "${output}" == *"is Ready"* && "${output}" == *"NodePorts: master 32400, replica 32401"* && "${output}" == *"Next:"* ]]
  [[ "$(kubectl get namespace redis -o jsonpath='{.metadata.labels.pod-security\.kubernetes\.io/enforce}')" == restricted ]]
  local image operator_pod
  image="$(rp::cycle::k get deploy redispair-operator -o jsonpath='{.spec.template.spec.containers[0].image}')"
  [[ "${image}" =~ ^redispair-operator:[0-9a-f]{7,}-[0-9]+$ ]]
  operator_pod="$(rp::cycle::k get pods -l app.kubernetes.io/name=redispair-operator -o jsonpath='{.items[0].metadata.name}')"

  run scripts/01-redis-up.sh
  echo "${output}"
  [[ "${status}" -eq 0 ]]
  [[ "${output}" == *"already built"* ]]
  assert_redis_up
  [[ "$(rp::cycle::k get deploy redispair-operator -o jsonpath='{.spec.template.spec.containers[0].image}')" == "${image}" ]]
  # Same image, same spec: no rollout, the operator pod is the same one.
  [[ "$(rp::cycle::k get pods -l app.kubernetes.io/name=redispair-operator -o jsonpath='{.items[0].metadata.name}')" == "${operator_pod}" ]]
}

# Sources _dev_vars.sh in SHELL and prints the three variables and the redis-cli answers it gets with them.
dev_vars_in() {
  "$1" -c '
    source scripts/_dev_vars.sh >/dev/null || exit 9
    echo "MASTER=${REDIS_MASTER_HOST_PORT}"
    echo "SLAVE=${REDIS_SLAVE_HOST_PORT}"
    echo "AUTH=${REDISCLI_AUTH}"
    echo "MASTER_PING=$(redis-cli -h ${REDIS_MASTER_HOST_PORT%:*} -p ${REDIS_MASTER_HOST_PORT#*:} ping)"
    echo "SLAVE_PING=$(redis-cli -h ${REDIS_SLAVE_HOST_PORT%:*} -p ${REDIS_SLAVE_HOST_PORT#*:} ping)"
    echo "SLAVE_ROLE=$(redis-cli -h ${REDIS_SLAVE_HOST_PORT%:*} -p ${REDIS_SLAVE_HOST_PORT#*:} role | head -n 1)"'
}

@test "_dev_vars.sh in bash and zsh: node IP and live NodePorts, REDISCLI_AUTH; redis-cli answers PONG on both" {
  local ip shell
  ip="$(rp::cycle::node_ip)"
  for shell in bash zsh; do
    run dev_vars_in "${shell}"
    echo "${shell}: ${output}"
    [[ "${status}" -eq 0 ]]
    [[ "${output}" == *"MASTER=${ip}:32400"* ]]
    [[ "${output}" == *"SLAVE=${ip}:32401"* ]]
    [[ "${output}" == *"AUTH=$(rp::cycle::password)"* ]]
    [[ "${output}" == *"MASTER_PING=PONG"* && "${output}" == *"SLAVE_PING=PONG"* ]]
    [[ "${output}" == *"SLAVE_ROLE=slave"* ]]
  done
}

@test "_dev_vars.sh --port-forward: 127.0.0.1 addresses that answer PONG; --stop ends the processes" {
  run bash -c '
    source scripts/_dev_vars.sh --port-forward >/dev/null || exit 9
    echo "MASTER=${REDIS_MASTER_HOST_PORT} SLAVE=${REDIS_SLAVE_HOST_PORT}"
    echo "PINGS=$(redis-cli -h ${REDIS_MASTER_HOST_PORT%:*} -p ${REDIS_MASTER_HOST_PORT#*:} ping)$(redis-cli -h ${REDIS_SLAVE_HOST_PORT%:*} -p ${REDIS_SLAVE_HOST_PORT#*:} ping)"'
  echo "${output}"
  [[ "${status}" -eq 0 ]]
  [[ "${output}" == *"MASTER=127.0.0.1:"* && "${output}" == *"SLAVE=127.0.0.1:"* ]]
  [[ "${output}" == *"PINGS=PONGPONG"* ]]
  local dir="${XDG_STATE_HOME}/redispair/port-forward/${KUBE_CONTEXT}" pids
  pids="$(cat "${dir}"/*.pid)"
  [[ -n "${pids}" ]]
  # Sourcing again reuses the live forwards.
  run bash -c 'source scripts/_dev_vars.sh --port-forward >/dev/null && echo ok'
  [[ "$(cat "${dir}"/*.pid)" == "${pids}" ]]
  run bash -c 'source scripts/_dev_vars.sh --stop'
  [[ "${status}" -eq 0 ]]
  local pid
  for pid in ${pids}; do
    run ! rp::cycle::port_forward_running "${pid}"
  done
}

@test "redisImport.sh imports data.txt; the replica's NodePort shows the data; a second run imports nothing" {
  run scripts/redisImport.sh
  echo "${output}"
  [[ "${status}" -eq 0 ]]
  local replica
  replica="$(rp::cycle::node_ip):32401"
  rp::cycle::eventually 10 test "$(rp::cycle::cli "${replica}" GET Hello)" = World
  [[ "$(rp::cycle::cli "${replica}" GET Dev)" == Ops ]]
  [[ "$(rp::cycle::cli "${replica}" GET app:quote)" == 'she said "hello" and left' ]]
  [[ "$(rp::cycle::cli "${replica}" HGET user:1000 name)" == "Ada Lovelace" ]]
  [[ "$(rp::cycle::cli "${replica}" GET counter:visits)" == 1 ]]
  # The importer pod is gone (--rm).
  [[ -z "$(rp::cycle::k get pods -l app.kubernetes.io/name=redispair-import -o name)" ]]

  run scripts/redisImport.sh
  echo "${output}"
  [[ "${status}" -eq 0 ]]
  [[ "${output}" == *"already imported"* ]]
  [[ "$(rp::cycle::cli "${replica}" GET counter:visits)" == 1 ]]
}

@test "redisImport.sh passes the importer's flags and exit status through; stdin works; the password never shows in the output" {
  printf 'SET cycle:list-or-string x\nLPUSH cycle:list-or-string y\n' >"${BATS_TEST_TMPDIR}/wrongtype.txt"
  run scripts/redisImport.sh "${BATS_TEST_TMPDIR}/wrongtype.txt"
  echo "${output}"
  [[ "${status}" -eq 1 ]]
  [[ "${output}" == *"line 2"* && "${output}" == *WRONGTYPE* ]]
  run bash -c "printf 'SET cycle:stdin yes\n' | scripts/redisImport.sh -"
  echo "${output}"
  [[ "${status}" -eq 0 ]]
  [[ "$(rp::cycle::cli "$(rp::cycle::node_ip):32400" GET cycle:stdin)" == yes ]]
  # --force re-imports content imported before (INCR runs again).
  run scripts/redisImport.sh --force
  [[ "${status}" -eq 0 ]]
  [[ "$(rp::cycle::cli "$(rp::cycle::node_ip):32400" GET counter:visits)" == 2 ]]
  [[ "${output}" != *"$(rp::cycle::password)"* ]]
}

@test "redisClean.sh: refuses without --yes and a terminal; with --yes master and replica report dbsize 0; twice" {
  local master replica
  master="$(rp::cycle::node_ip):32400"
  replica="$(rp::cycle::node_ip):32401"
  run scripts/redisClean.sh </dev/null
  [[ "${status}" -ne 0 && "${output}" == *"--yes"* ]]
  (($(rp::cycle::cli "${master}" DBSIZE) > 0))

  run scripts/redisClean.sh --yes
  echo "${output}"
  [[ "${status}" -eq 0 ]]
  [[ "${output}" == *"before: master "* && "${output}" == *"after: master 0 keys, replica 0 keys"* ]]
  [[ "$(rp::cycle::cli "${master}" DBSIZE)" == 0 ]]
  [[ "$(rp::cycle::cli "${replica}" DBSIZE)" == 0 ]]

  run scripts/redisClean.sh --yes
  [[ "${status}" -eq 0 && "${output}" == *"empty already"* ]]
}

@test "02-redis-info.sh turns the INFO CronJob on and prints its first run; a second run prints the latest" {
  run scripts/02-redis-info.sh
  echo "${output}"
  [[ "${status}" -eq 0 ]]
  [[ "$(rp::cycle::k get redispair redis -o jsonpath='{.spec.infoJob.enabled}')" == true ]]
  [[ "$(rp::cycle::k get cronjob redis-info -o jsonpath='{.spec.schedule}')" == '*/1 * * * *' ]]
  [[ "${output}" == *"role:master"* && "${output}" == *"role:slave"* && "${output}" == *"master_link_status:up"* ]]
  [[ "${output}" == *"--follow"* ]]

  run scripts/02-redis-info.sh
  echo "${output}"
  [[ "${status}" -eq 0 ]]
  [[ "${output}" == *"already true"* && "${output}" == *"role:master"* ]]
}

@test "01-redis-up.sh run again keeps the INFO CronJob on" {
  run scripts/01-redis-up.sh
  [[ "${status}" -eq 0 ]]
  [[ "$(rp::cycle::k get redispair redis -o jsonpath='{.spec.infoJob.enabled}')" == true ]]
  rp::cycle::k get cronjob redis-info
}

@test "97-redis-info-down.sh turns it off (CronJob and jobs gone); the downq symlink runs the same, twice" {
  run scripts/97-redis-info-down.sh
  echo "${output}"
  [[ "${status}" -eq 0 ]]
  [[ "$(rp::cycle::k get redispair redis -o jsonpath='{.spec.infoJob.enabled}')" == false ]]
  run ! rp::cycle::k get cronjob redis-info
  [[ -z "$(rp::cycle::k get jobs -l app.kubernetes.io/component=info -o name)" ]]
  run scripts/97-redis-info-downq.sh
  [[ "${status}" -eq 0 && "${output}" == *"already false"* ]]
  assert_redis_up
}

secret_adopted() {
  [[ "$(rp::cycle::k get secret redis-auth -o jsonpath='{.metadata.ownerReferences[0].kind}')" == RedisPair ]]
}

@test "98-redis-down.sh keeps the master's data through a full down/up cycle, and stops the port-forwards" {
  local master
  master="$(rp::cycle::node_ip):32400"
  rp::cycle::cli "${master}" SET cycle:survivor "still here"
  # Make sure it reached the AOF (appendfsync everysec) before the pod goes.
  sleep 2
  run bash -c 'source scripts/_dev_vars.sh --port-forward >/dev/null && echo ok'
  local pids
  pids="$(cat "${XDG_STATE_HOME}/redispair/port-forward/${KUBE_CONTEXT}"/*.pid)"

  local password
  password="$(rp::cycle::password)"
  run scripts/98-redis-down.sh
  echo "${output}"
  [[ "${status}" -eq 0 ]]
  [[ "${output}" == *"kept the master's data"* ]]
  [[ "${output}" == *"keeping Secret redis-auth with the data"* ]]
  run ! kubectl get crd redispairs.redispair.io
  run ! rp::cycle::k get deploy redispair-operator
  run ! rp::cycle::k get role redispair-operator
  run ! rp::cycle::k get serviceaccount redispair-operator
  run ! rp::cycle::k get statefulset redis-master
  # The password stays with the data, released from the deleted RedisPair.
  [[ "$(rp::cycle::k get secret redis-auth -o jsonpath='{.metadata.ownerReferences}')" == "" ]]
  [[ -z "$(rp::cycle::k get pods -o name)" ]]
  rp::cycle::k get pvc data-redis-master-0
  local pid
  for pid in ${pids}; do run ! rp::cycle::port_forward_running "${pid}"; done

  run scripts/98-redis-down.sh
  [[ "${status}" -eq 0 && "${output}" == *"already gone"* ]]

  run scripts/01-redis-up.sh
  [[ "${status}" -eq 0 ]]
  assert_redis_up
  # The old data, with the old password; the Secret belongs to the new RedisPair again.
  [[ "$(rp::cycle::password)" == "${password}" ]]
  [[ "$(rp::cycle::cli "${master}" GET cycle:survivor)" == "still here" ]]
  rp::cycle::eventually 30 secret_adopted
  rp::cycle::eventually 30 test "$(rp::cycle::cli "$(rp::cycle::node_ip):32401" GET cycle:survivor)" = "still here"
}

@test "98-redis-down.sh --purge deletes the data and the namespace; a new 01 starts empty and imports at once" {
  run scripts/98-redis-down.sh --purge
  echo "${output}"
  [[ "${status}" -eq 0 ]]
  [[ "${output}" == *"purged"* ]]
  run ! kubectl get namespace redis
  run scripts/98-redis-down.sh --purge
  [[ "${status}" -eq 0 ]]

  run scripts/01-redis-up.sh
  [[ "${status}" -eq 0 ]]
  assert_redis_up
  [[ "$(rp::cycle::cli "$(rp::cycle::node_ip):32400" DBSIZE)" == 0 ]]
  # An import right after a fresh deploy works (no stale DNS answer for the master in the way).
  run scripts/redisImport.sh
  echo "${output}"
  [[ "${status}" -eq 0 ]]
  [[ "$(rp::cycle::cli "$(rp::cycle::node_ip):32400" GET Hello)" == World ]]
  run scripts/98-redis-down.sh --purge
  [[ "${status}" -eq 0 ]]
}
