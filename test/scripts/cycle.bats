#!/usr/bin/env bats
# The full developer cycle on the real two-node test cluster (localcluster/), reached through its minikube shim,
# from 00 to 99: 00 -> 01 -> _dev_vars -> import -> clean -> 02 -> 97 -> 98 -> 01 -> 98 --purge -> 00 on a
# stopped profile -> 99, each step run twice (idempotent), with assertions on the cluster's state after every
# step. 00 makes the shim's profile a fresh cluster; 99 deletes it (and so the cluster). Needs root (the cluster
# runs kubelets in network namespaces); it fails, never skips, when it cannot.
#
# The tests run in file order and build on each other, like a developer's session.
# REDISPAIR_TEST_KEEP_CLUSTER=1 keeps the profile (and the cluster) when a test fails half way.

bats_require_minimum_version 1.5.0

load lib/helpers
load lib/cycle

setup_file() {
  rp::cycle::env
  rp::cycle::lock
  # Start from nothing: a previous run may have left the profile (and its cluster) behind. minikube delete of a
  # profile that does not exist only says so.
  minikube delete >"${BATS_FILE_TMPDIR}/clean-start.log" 2>&1 ||
    { cat "${BATS_FILE_TMPDIR}/clean-start.log" >&2; return 1; }
}

teardown_file() {
  # The suite ends with 99; when a test failed before it, the profile goes here, unless asked to keep it.
  if [[ "${REDISPAIR_TEST_KEEP_CLUSTER:-}" != 1 ]] && minikube node list >/dev/null 2>&1; then
    "${RP_ROOT}/scripts/99-minikube-down.sh" --yes >&2 || true # best effort on the way out; the failure is reported above
  fi
  rp::cycle::unlock
}

setup() {
  cd "${RP_ROOT}"
}

@test "00-minikube-up.sh from nothing: a new 2-node profile; local-path is the one default StorageClass; a second run reuses it" {
  run scripts/00-minikube-up.sh
  echo "${output}"
  [ "${status}" -eq 0 ]
  [[ "${output}" == *"creating minikube profile redispair"* && "${output}" == *"cluster ready"* ]]
  run minikube status
  [ "${status}" -eq 0 ]
  run minikube node list
  [ "$(awk '{ print $1 }' <<<"${output}" | tr '\n' ' ')" == "redispair redispair-m02 " ]
  [ "$(kubectl get nodes -o jsonpath='{range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{" "}{end}')" == "True True " ]

  # Exactly one default class: local-path, as minikube's storage-provisioner-rancher makes it.
  [ "$(rp::cycle::default_classes)" == local-path ]
  [ "$(kubectl get storageclass local-path -o jsonpath='{.provisioner} {.volumeBindingMode} {.reclaimPolicy}')" == \
    "rancher.io/local-path WaitForFirstConsumer Delete" ]
  kubectl get namespace local-path-storage
  # minikube's own "standard" is still there, as minikube has it: Immediate binding, volumes on the first node.
  [ "$(kubectl get storageclass standard -o jsonpath='{.provisioner} {.volumeBindingMode}')" == "k8s.io/minikube-hostpath Immediate" ]
  [ "$(kubectl get pv -o json | jq -r '[.items[] | select(.spec.storageClassName == "standard")
      | .spec.nodeAffinity.required.nodeSelectorTerms[0].matchExpressions[0].values[0]] | unique | join(" ")')" == node-a ]

  run scripts/00-minikube-up.sh
  echo "${output}"
  [ "${status}" -eq 0 ]
  [[ "${output}" == *"already exists with 2 node(s): redispair redispair-m02"* && "${output}" == *"reusing it"* ]]
  [[ "${output}" != *"creating"* ]]
  [ "$(rp::cycle::default_classes)" == local-path ]
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

@test "the master's volume: class local-path, a local PV on the node the master pod runs on" {
  local pv master_node pv_node
  pv="$(rp::cycle::k get pvc data-redis-master-0 -o jsonpath='{.spec.volumeName}')"
  [ -n "${pv}" ]
  [ "$(rp::cycle::k get pvc data-redis-master-0 -o jsonpath='{.spec.storageClassName}')" == local-path ]
  master_node="$(rp::cycle::k get pod redis-master-0 -o jsonpath='{.spec.nodeName}')"
  pv_node="$(kubectl get pv "${pv}" -o jsonpath='{.spec.nodeAffinity.required.nodeSelectorTerms[0].matchExpressions[0].values[0]}')"
  echo "master on ${master_node}, PV ${pv} on ${pv_node}"
  [ -n "${master_node}" ]
  [ "${pv_node}" == "${master_node}" ]
}

@test "01-redis-up.sh names a node that lacks the operator image within seconds, although minikube image load exits 0" {
  local image
  image="docker.io/library/$(rp::cycle::k get deploy redispair-operator -o jsonpath='{.spec.template.spec.containers[0].image}')"
  # The second node loses the image, and the next load skips it the way a failed load does: exit 0, nothing said.
  minikube ssh -n redispair-m02 -- sudo crictl rmi "${image}"
  run ! minikube ssh -n redispair-m02 -- sudo crictl inspecti "${image}"
  local start=${SECONDS}
  run env REDISPAIR_SHIM_IMAGE_LOAD_SKIP=redispair-m02 scripts/01-redis-up.sh
  echo "${output}"
  echo "# 01 with a node skipped by the load: exit ${status} after $((SECONDS - start)) s" >&3
  [ "${status}" -ne 0 ]
  [[ "${output}" == *"is not on node(s): redispair-m02 "* ]]
  [[ "${output}" != *"waiting up to"* ]] # it stops before the rollout wait
  ((SECONDS - start < 60))
  # A normal run loads it on both again.
  run scripts/01-redis-up.sh
  [ "${status}" -eq 0 ]
  minikube ssh -n redispair-m02 -- sudo crictl inspecti "${image}" >/dev/null
}

@test "the test cluster's redis:7.2 behaves like the official image where the pods depend on it" {
  # Inside the pods: uid 999 (user redis) and the task's /usr/local/bin/redis-cli.
  [ "$(rp::cycle::k exec redis-master-0 -c redis -- id -u)" == 999 ]
  [ "$(rp::cycle::k exec redis-master-0 -c redis -- id -un)" == redis ]
  [ "$(rp::cycle::k exec redis-master-0 -c redis -- /usr/local/bin/redis-cli -p 6379 ping)" == PONG ]
  [ "$(rp::cycle::k exec deploy/redis-replica -c redis -- /usr/local/bin/redis-cli -p 6379 ping)" == PONG ]
  # The version its labels give, and the README with them (test/scripts/ux.bats): Debian's, not 7.2.
  local labelled
  labelled="$(sed -n 's/.*org\.opencontainers\.image\.version="\([0-9.]*\)-debian-bookworm".*/\1/p' "${RP_ROOT}/localcluster/images/redis/Containerfile")"
  run rp::cycle::k exec redis-master-0 -c redis -- /usr/local/bin/redis-server --version
  echo "${output}"
  [[ -n "${labelled}" && "${output}" == *" v=${labelled}."* ]]
  # The image itself: the entrypoint, and its privilege drop when redis-server is started as root.
  local lib
  for lib in versions.sh lib/cluster.sh lib/network.sh lib/node.sh lib/images.sh; do
    # shellcheck disable=SC1090 # the test cluster's libraries, for its podman settings
    source "${RP_ROOT}/localcluster/${lib}"
  done
  # The archive the nodes imported, not whatever the local store holds: with a cached archive (CI keeps the cache,
  # not the store; or another checkout built it) nothing was built here, so the store may not have the image at
  # all, or hold an older build under the same tag (seen: one from before the entrypoint). Loading retags.
  redispair::images::podman load -i "$(redispair::images::archive redis)" >/dev/null
  [ "$(redispair::images::podman image inspect docker.io/library/redis:7.2 --format '{{json .Config.Entrypoint}} {{json .Config.Cmd}} {{.Config.WorkingDir}}')" == \
    '["docker-entrypoint.sh"] ["redis-server"] /data' ]
  [ "$(redispair::images::podman run --rm --network none docker.io/library/redis:7.2 id -u)" == 0 ] # other commands run as given
  local name="rp-cycle-entrypoint-$$"
  redispair::images::podman run -d --name "${name}" --network none docker.io/library/redis:7.2 >/dev/null
  run redispair::images::podman exec "${name}" sh -c 'sleep 1; grep ^Uid: /proc/1/status'
  redispair::images::podman rm -f "${name}" >/dev/null
  echo "${output}"
  [[ "${output}" == "Uid:"*"999"* ]]
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
  rp::cycle::eventually 10 rp::cycle::get_is "${replica}" Hello World
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

# Prints the argv of every process in the master's redis container, one line each (NULs as spaces).
argv_in_master() {
  # shellcheck disable=SC2016 # expanded by the container's shell
  rp::cycle::k exec redis-master-0 -c redis -- sh -c 'for f in /proc/[0-9]*/cmdline; do tr "\0" " " <"$f"; echo; done'
}

@test "redisImport.sh runs the importer inside the master pod; no process there has the password in its argv" {
  local big="${BATS_TEST_TMPDIR}/big.txt" scans="${BATS_TEST_TMPDIR}/argv.txt" pw import_pid
  pw="$(rp::cycle::password)"
  [[ -n "${pw}" ]]
  # Large enough that the import runs while the container's processes are listed again and again.
  awk 'BEGIN { for (i = 0; i < 500000; i++) printf "SET cycle:argv:%d %d\n", i, i }' >"${big}"
  scripts/redisImport.sh --force "${big}" >"${BATS_TEST_TMPDIR}/import.log" 2>&1 &
  import_pid=$!
  : >"${scans}"
  while kill -0 "${import_pid}" 2>/dev/null; do
    # A process may exit between the listing and the read: such a scan is incomplete, not failed.
    argv_in_master >>"${scans}" 2>/dev/null || echo "(incomplete scan)" >>"${scans}"
  done
  wait "${import_pid}"
  cat "${BATS_TEST_TMPDIR}/import.log"
  # The importer ran in the pod, and a scan saw it there: the scans looked while the import ran.
  grep -q 'redispair-import --port 6379' "${scans}"
  [[ "$(rp::cycle::cli "$(rp::cycle::node_ip):32400" GET cycle:argv:499999)" == 499999 ]]
  # No argv held the password.
  run grep -cF -- "${pw}" "${scans}"
  [[ "${output}" == 0 ]]
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
  # (run -0: a Secret that is gone must fail here, not read as "no owner")
  run -0 rp::cycle::k get secret redis-auth -o jsonpath='{.metadata.ownerReferences}'
  [[ -z "${output}" ]]
  [[ -z "$(rp::cycle::k get pods -o name)" ]]
  rp::cycle::k get pvc data-redis-master-0
  local pid
  for pid in ${pids}; do run ! rp::cycle::port_forward_running "${pid}"; done

  run scripts/98-redis-down.sh
  [[ "${status}" -eq 0 && "${output}" == *"already gone"* ]]
  # Garbage collection has had the time to act on anything still owned: the Secret is still there.
  rp::cycle::k get secret redis-auth

  run scripts/01-redis-up.sh
  [[ "${status}" -eq 0 ]]
  assert_redis_up
  # The old data, with the old password; the Secret belongs to the new RedisPair again.
  [[ "$(rp::cycle::password)" == "${password}" ]]
  [[ "$(rp::cycle::cli "${master}" GET cycle:survivor)" == "still here" ]]
  rp::cycle::eventually 30 secret_adopted
  # The address is fixed; the value is read again on every retry (rp::cycle::get_is).
  local replica
  replica="$(rp::cycle::node_ip):32401"
  rp::cycle::eventually 30 rp::cycle::get_is "${replica}" cycle:survivor "still here"
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

@test "the shim answers like minikube: status exit bits; another MINIKUBE_DRIVER and an older MINIKUBE_KUBERNETES_VERSION on the profile: 81, 106" {
  run minikube status
  [ "${status}" -eq 0 ]
  [[ "${output}" == *$'redispair\ntype: Control Plane\nhost: Running\nkubelet: Running\napiserver: Running\nkubeconfig: Configured'* ]]
  [[ "${output}" == *$'redispair-m02\ntype: Worker\nhost: Running\nkubelet: Running'* ]]
  # The profile was made with docker, or podman where docker's daemon is down: kvm2 is another driver either way.
  run env MINIKUBE_DRIVER=kvm2 minikube start
  echo "${output}"
  [ "${status}" -eq 81 ]
  [[ "${output}" == *GUEST_DRIVER_MISMATCH* ]]
  run env MINIKUBE_KUBERNETES_VERSION=v1.33.1 minikube start
  echo "${output}"
  [ "${status}" -eq 106 ]
  [[ "${output}" == *"Unable to safely downgrade existing Kubernetes v1.34.0 cluster to v1.33.1"* ]]
}

@test "00-minikube-up.sh starts a stopped profile with its own settings, whatever MINIKUBE_* say; local-path is again the one default" {
  run minikube stop
  [ "${status}" -eq 0 ]
  run minikube status
  echo "${output}"
  [ "${status}" -eq 7 ] # 1 host + 2 kubelet/apiserver + 4 kubeconfig
  [[ "${output}" == *"host: Stopped"* ]]
  # (MINIKUBE_DRIVER is kept from minikube the same way: prereq.bats checks its environment with a stub.)
  run env MINIKUBE_KUBERNETES_VERSION=v1.33.1 MINIKUBE_CPUS=3 scripts/00-minikube-up.sh
  echo "${output}"
  [ "${status}" -eq 0 ]
  [[ "${output}" == *"MINIKUBE_KUBERNETES_VERSION is deprecated"* ]]
  [[ "${output}" == *"it is not running: starting it with its existing settings"* ]]
  [[ "${output}" == *"not REDISPAIR_KUBERNETES_VERSION=v1.33.1"* ]] # the profile keeps its version, and says so
  run minikube status
  [ "${status}" -eq 0 ]
  # minikube re-enables its storage add-ons concurrently on a start; 00 leaves local-path the only default.
  [ "$(rp::cycle::default_classes)" == local-path ]
}

@test "99-minikube-down.sh deletes the profile and its cluster; then minikube says 'not found' (85); a second 99 says nothing to delete" {
  run scripts/99-minikube-down.sh --yes
  echo "${output}"
  [ "${status}" -eq 0 ]
  [[ "${output}" == *"minikube profile redispair: nodes redispair redispair-m02"* && "${output}" == *"deleted minikube profile redispair"* ]]
  local cmd
  for cmd in "node list" status ip; do
    # shellcheck disable=SC2086 # the command's words
    run minikube ${cmd}
    [ "${status}" -eq 85 ] || { echo "minikube ${cmd}: exit ${status}"; return 1; }
    [ "${lines[0]}" == '* Profile "redispair" not found. Run "minikube profile list" to view all profiles.' ]
    [ "${lines[1]}" == '  To start a cluster, run: "minikube start -p redispair"' ]
  done
  run ! kubectl get --raw=/readyz --request-timeout=5s

  run scripts/99-minikube-down.sh --yes
  echo "${output}"
  [ "${status}" -eq 0 ]
  [[ "${output}" == *"does not exist: nothing to delete"* ]]
  run scripts/99-minikube-down.sh </dev/null
  [ "${status}" -eq 0 ]
  [[ "${output}" == *"nothing to delete"* ]]
}
