#!/usr/bin/env bats
# End-to-end: the operator, deployed as a Deployment from its image, runs deploy/redispair.yaml on a real
# two-node cluster (localcluster/cluster-up.sh: two kubelets with containerd, CNI bridge, kube-proxy, CoreDNS,
# local PVs). Real Redis pods; the host writes and reads through the NodePorts. The tests run in file order and
# build on each other's state (one RedisPair, one data set).
#
# Needs root (the cluster uses network namespaces, cgroups and mounts). The cluster is left running afterwards
# (the next run reuses it warm); REDISPAIR_E2E_TEARDOWN=1 runs cluster-down.sh at the end.

bats_require_minimum_version 1.5.0

load lib/e2e

operator_gone() { [[ -z "$(redispair::e2e::k get pods -l app.kubernetes.io/name=redispair-operator -o name)" ]]; }
master_gone() { [[ -z "$(redispair::e2e::pods master)" ]]; }
replica_running_on() { [[ "$(redispair::e2e::pods replica | awk '{ print $2, $3 }')" == "$1 Running" ]]; }
status_nodes_are() {
  local nodes
  nodes="$(redispair::e2e::k get rp "${E2E_RP}" -o jsonpath='{.status.master.node} {.status.replica.node}')"
  [[ "${nodes}" == "$1 $2" ]] || {
    echo "status: master and replica on '${nodes}'"
    return 1
  }
}
cronjob_gone() { ! redispair::e2e::k get cronjob "${E2E_RP}-info" >/dev/null 2>&1; }
info_jobs_exist() { [[ -n "$(redispair::e2e::k get jobs -l app.kubernetes.io/component=info -o name)" ]]; }

setup_file() {
  redispair::e2e::ensure_cluster
  redispair::e2e::lock
  redispair::e2e::reset
  redispair::e2e::deploy_operator
  # Keys written so far and their values; every check of "no key is lost" reads all of them.
  export E2E_KEYS_FILE="${BATS_FILE_TMPDIR}/keys"
  : >"${E2E_KEYS_FILE}"
}

teardown_file() {
  # A failed test must not leave a node cordoned or the operator scaled down for the next file or run.
  local node
  for node in "${REDISPAIR_NODES[@]}"; do
    redispair::e2e::kubectl uncordon "${node}" >/dev/null 2>&1 || true # best effort on the way out
  done
  redispair::e2e::k scale deployment redispair-operator --replicas=1 >/dev/null 2>&1 || true # idem
  redispair::e2e::unlock
  if [[ "${REDISPAIR_E2E_TEARDOWN:-}" == 1 ]]; then
    "${REDISPAIR_E2E_ROOT}/localcluster/cluster-down.sh" >&3
  fi
}

# Writes KEY=VALUE through the master's NodePort and records it.
write_key() {
  redispair::test::eventually "${E2E_POD_READY_TIMEOUT}" redispair::e2e::master_set "$1" "$2"
  printf '%s %s\n' "$1" "$2" >>"${E2E_KEYS_FILE}"
}

# 0 when every recorded key reads back its value through CLI (master_has or replica_has).
all_keys_on() {
  local check="$1" key value
  while read -r key value; do
    "${check}" "${key}" "${value}" || {
      echo "missing or wrong: ${key}"
      return 1
    }
  done <"${E2E_KEYS_FILE}"
}

@test "placement: deploy/redispair.yaml reaches Ready; master and replica run on different nodes, the replica placed by the scheduler" {
  # The operator runs as a Deployment from the image built from the Dockerfile.
  run redispair::e2e::k get deploy redispair-operator -o jsonpath='{.spec.template.spec.containers[0].image}'
  [ "${output}" == redispair-operator:dev ]
  run redispair::e2e::k get pods -l app.kubernetes.io/name=redispair-operator -o jsonpath='{.items[0].status.containerStatuses[0].imageID}'
  [[ "${output}" == *redispair-operator* || "${output}" == sha256:* ]]

  local start
  start="$(redispair::process::now)"
  redispair::e2e::apply_redispair
  redispair::e2e::wait_ready
  redispair::e2e::note "apply -> Ready: $(redispair::process::elapsed "${start}")s"

  local master_node replica_node
  master_node="$(redispair::e2e::pod_node master)"
  replica_node="$(redispair::e2e::pod_node replica)"
  redispair::e2e::note "master on ${master_node}, replica on ${replica_node}"
  [[ "${master_node}" == node-? && "${replica_node}" == node-? ]]
  [ "${master_node}" != "${replica_node}" ]

  # The master's volume is a local PV on the master's node.
  [ "$(redispair::e2e::pv_node "$(redispair::e2e::master_pv)")" == "${master_node}" ]

  # Never hard-pinned: no nodeName or nodeSelector in the replica's template, no node affinity that requires a
  # node (only NotIn exclusions), and the pod was bound by the default scheduler.
  local template
  template="$(redispair::e2e::k get deploy "${E2E_RP}-replica" -o json | jq -c .spec.template.spec)"
  [ "$(jq -r '.nodeName // ""' <<<"${template}")" == "" ]
  [ "$(jq -r '.nodeSelector // {} | length' <<<"${template}")" == 0 ]
  [ "$(jq -r '[.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[]?.matchExpressions[]? | select(.operator != "NotIn")] | length' <<<"${template}")" == 0 ]
  run redispair::e2e::k get pod "$(redispair::e2e::pod replica)" -o jsonpath='{.spec.schedulerName} {.status.conditions[?(@.type=="PodScheduled")].status}'
  [ "${output}" == "default-scheduler True" ]
  # The status names the same nodes (eventually: it may trail the pods by one pass of the operator).
  redispair::test::eventually 30 status_nodes_are "${master_node}" "${replica_node}"
}

@test "replication: a write to the master's NodePort from the host is read from the replica's NodePort" {
  run redispair::e2e::master_cli INFO replication
  [[ "${output}" == *role:master* ]]
  run redispair::e2e::replica_cli INFO replication
  [[ "${output}" == *role:slave* ]]

  write_key e2e:hello world
  redispair::test::eventually 30 redispair::e2e::replica_has e2e:hello world
  # Through the other node's IP too: NodePorts answer on every node (kube-proxy on each).
  E2E_VIA_NODE=node-b write_key e2e:via-node-b yes
  E2E_VIA_NODE=node-b redispair::test::eventually 30 redispair::e2e::replica_has e2e:via-node-b yes
  # The replica is read-only.
  run redispair::e2e::replica_cli SET e2e:nope 1
  [[ "${output}" == *READONLY* ]]
}

# Status writes to RedisPairs the API server has answered since it started (apiserver_request_total: every verb
# that writes the status subresource).
status_writes() {
  redispair::e2e::kubectl get --raw /metrics |
    awk '/^apiserver_request_total\{/ && /resource="redispairs"/ && /subresource="status"/ &&
      /verb="(APPLY|PATCH|UPDATE)"/ { s += $NF } END { printf "%d\n", s }'
}

master_repl_offset() {
  redispair::e2e::master_cli INFO replication | tr -d '\r' | awk -F: '$1 == "master_repl_offset" { print $2 }'
}

# Writes FILE with the RESP of E2E_LOAD_KEYS SETs of 1 KiB values: one second's worth of load, about 1 MiB.
make_load_chunk() {
  local value i
  value="$(head -c 1024 /dev/zero | tr '\0' v)"
  for ((i = 0; i < E2E_LOAD_KEYS; i++)); do
    # shellcheck disable=SC2016 # RESP, not shell: $ starts a bulk string
    printf '*3\r\n$3\r\nSET\r\n$%d\r\ne2e:load:%d\r\n$1024\r\n%s\r\n' "$((9 + ${#i}))" "${i}" "${value}"
  done >"$1"
}

# Sends CHUNK E2E_LOAD_CHUNKS_PER_SECOND times a second for SECONDS seconds to the master's NodePort, through one
# redis-cli --pipe connection; prints redis-cli's summary.
write_load() {
  local chunk="$1" seconds="$2" i j
  for ((i = 0; i < seconds; i++)); do
    for ((j = 0; j < E2E_LOAD_CHUNKS_PER_SECOND; j++)); do cat "${chunk}"; done
    sleep 1
  done | redispair::e2e::master_cli --pipe
}

@test "quiet status under load: ${E2E_LOAD_SECONDS} s of writes at 1 MB/s or more make at most 2 status writes a minute" {
  redispair::e2e::wait_ready 60
  local chunk="${BATS_FILE_TMPDIR}/load.resp"
  make_load_chunk "${chunk}"
  local writes0 offset0 start writes1 offset1 seconds rate per_minute
  writes0="$(status_writes)"
  offset0="$(master_repl_offset)"
  start="$(redispair::process::now)"
  run -0 write_load "${chunk}" "${E2E_LOAD_SECONDS}"
  [[ "${output}" == *"errors: 0"* ]]
  seconds="$(redispair::process::elapsed "${start}")"
  offset1="$(master_repl_offset)"
  writes1="$(status_writes)"
  rate="$(awk -v b=$((offset1 - offset0)) -v s="${seconds}" 'BEGIN { printf "%d", b / s }')"
  per_minute="$(awk -v w=$((writes1 - writes0)) -v s="${seconds}" 'BEGIN { printf "%.2f", w * 60 / s }')"
  redispair::e2e::note "load: $((offset1 - offset0)) bytes replicated in ${seconds}s (${rate} B/s); RedisPair status writes: $((writes1 - writes0)) (${per_minute}/min)"
  ((rate >= 1000000))
  awk -v p="${per_minute}" 'BEGIN { exit !(p <= 2) }'
  # The pair stayed healthy, and status shows the lag as a bucket, never as bytes.
  redispair::e2e::_rp_ready
  run -0 redispair::e2e::k get rp "${E2E_RP}" -o json
  [[ "$(jq -r '.status.replication.lag' <<<"${output}")" == InSync ]]
  [[ "$(jq -r '.status.replication | has("lagBytes")' <<<"${output}")" == false ]]
}

@test "data survives: 5 master deletions with writes in between, a replica deletion, an operator restart" {
  local i start uid
  for i in 1 2 3 4 5; do
    write_key "e2e:round:${i}" "value-${i}-$RANDOM"
    uid="$(redispair::e2e::pod_uid master)"
    start="$(redispair::process::now)"
    redispair::e2e::k delete pod "${E2E_RP}-master-0" --wait=false >/dev/null
    redispair::test::eventually "${E2E_POD_READY_TIMEOUT}" redispair::e2e::role_ready master "${uid}"
    redispair::e2e::note "master deletion ${i} -> new master Ready: $(redispair::process::elapsed "${start}")s (on $(redispair::e2e::pod_node master))"
    redispair::test::eventually 30 all_keys_on redispair::e2e::master_has
  done
  # The replica re-follows the restarted master and catches up.
  redispair::test::eventually "${E2E_POD_READY_TIMEOUT}" all_keys_on redispair::e2e::replica_has

  # The replica: a new pod syncs everything from the master.
  uid="$(redispair::e2e::pod_uid replica)"
  start="$(redispair::process::now)"
  redispair::e2e::k delete pod "$(redispair::e2e::pod replica)" --wait=false >/dev/null
  redispair::test::eventually "${E2E_POD_READY_TIMEOUT}" redispair::e2e::role_ready replica "${uid}"
  redispair::e2e::note "replica deletion -> new replica Ready: $(redispair::process::elapsed "${start}")s"
  redispair::test::eventually 60 all_keys_on redispair::e2e::replica_has
  redispair::e2e::replica_link_up
  [ "$(redispair::e2e::pod_node master)" != "$(redispair::e2e::pod_node replica)" ]

  # The operator restarts: nothing it manages is touched.
  local master_uid replica_uid sts_gen deploy_gen
  master_uid="$(redispair::e2e::pod_uid master)"
  replica_uid="$(redispair::e2e::pod_uid replica)"
  sts_gen="$(redispair::e2e::k get sts "${E2E_RP}-master" -o jsonpath='{.metadata.generation}')"
  deploy_gen="$(redispair::e2e::k get deploy "${E2E_RP}-replica" -o jsonpath='{.metadata.generation}')"
  redispair::e2e::k rollout restart deployment redispair-operator >/dev/null
  redispair::e2e::k rollout status deployment redispair-operator --timeout="${E2E_POD_READY_TIMEOUT}s" >/dev/null
  redispair::e2e::wait_ready 60
  [ "$(redispair::e2e::pod_uid master)" == "${master_uid}" ]
  [ "$(redispair::e2e::pod_uid replica)" == "${replica_uid}" ]
  [ "$(redispair::e2e::k get sts "${E2E_RP}-master" -o jsonpath='{.metadata.generation}')" == "${sts_gen}" ]
  [ "$(redispair::e2e::k get deploy "${E2E_RP}-replica" -o jsonpath='{.metadata.generation}')" == "${deploy_gen}" ]
  all_keys_on redispair::e2e::master_has
  all_keys_on redispair::e2e::replica_has
}

@test "no shared node, ever: with the replica's node cordoned the replica stays Pending, then returns there" {
  local master_node replica_node pod
  master_node="$(redispair::e2e::pod_node master)"
  replica_node="$(redispair::e2e::other_node "${master_node}")"
  [ "$(redispair::e2e::pod_node replica)" == "${replica_node}" ]
  redispair::e2e::note "cordoning ${replica_node} (the master is on ${master_node})"
  redispair::e2e::kubectl cordon "${replica_node}" >/dev/null
  redispair::e2e::k delete pod "$(redispair::e2e::pod replica)" --wait=false >/dev/null

  redispair::test::eventually "${E2E_SCHEDULE_TIMEOUT}" redispair::e2e::role_unschedulable replica
  pod="$(redispair::e2e::pod replica)"
  # It stays Pending: the only schedulable node holds the master.
  local until=$((SECONDS + E2E_PENDING_HOLD))
  while ((SECONDS < until)); do
    run redispair::e2e::k get pod "${pod}" -o jsonpath='{.status.phase} {.spec.nodeName}'
    [ "${output}" == "Pending " ]
    sleep 2
  done
  run redispair::e2e::scheduled_condition "${pod}"
  redispair::e2e::note "replica ${pod}: PodScheduled ${output}"
  # The master keeps serving meanwhile.
  write_key e2e:while-cordoned yes

  redispair::e2e::kubectl uncordon "${replica_node}" >/dev/null
  redispair::test::eventually "${E2E_POD_READY_TIMEOUT}" redispair::e2e::role_ready replica
  [ "$(redispair::e2e::pod_node replica)" == "${replica_node}" ]
  redispair::test::eventually 60 all_keys_on redispair::e2e::replica_has
}

@test "placement deadlock: a master Pending behind the replica on its volume's node is resolved by the operator" {
  local master_node other pod start
  master_node="$(redispair::e2e::pod_node master)"
  other="$(redispair::e2e::other_node "${master_node}")"
  [ "$(redispair::e2e::pv_node "$(redispair::e2e::master_pv)")" == "${master_node}" ]

  # Build the deadlock with the operator away (it would otherwise prevent it): the replica is moved onto the
  # master's volume node while the master is down, as happens when the master restarts while the other node is
  # unavailable; the replica Deployment's own node exclusion is dropped, as an operator without the guard (or a
  # hand edit) would leave it.
  redispair::e2e::k scale deployment redispair-operator --replicas=0 >/dev/null
  redispair::test::eventually 60 operator_gone
  redispair::e2e::kubectl cordon "${other}" >/dev/null
  redispair::e2e::k scale statefulset "${E2E_RP}-master" --replicas=0 >/dev/null
  redispair::test::eventually 60 master_gone
  redispair::e2e::k patch deployment "${E2E_RP}-replica" --type json \
    -p '[{"op":"remove","path":"/spec/template/spec/affinity/nodeAffinity"}]' >/dev/null 2>&1 || true # absent is fine
  # A new replica pod: the only schedulable node is the master's volume node, and no master runs there now.
  redispair::e2e::k rollout restart deployment "${E2E_RP}-replica" >/dev/null
  redispair::test::eventually "${E2E_POD_READY_TIMEOUT}" replica_running_on "${master_node}"
  redispair::e2e::kubectl uncordon "${other}" >/dev/null
  redispair::e2e::k scale statefulset "${E2E_RP}-master" --replicas=1 >/dev/null
  redispair::test::eventually "${E2E_SCHEDULE_TIMEOUT}" redispair::e2e::role_unschedulable master
  pod="$(redispair::e2e::pod master)"
  run redispair::e2e::scheduled_condition "${pod}"
  redispair::e2e::note "deadlock: replica on ${master_node}; master ${pod} PodScheduled ${output}"
  [[ "${output}" == *"anti-affinity"* || "${output}" == *"node affinity"* || "${output}" == *"volume node affinity"* ]]

  # The operator comes back and resolves it.
  start="$(redispair::process::now)"
  redispair::e2e::k scale deployment redispair-operator --replicas=1 >/dev/null
  redispair::test::eventually "${E2E_DEADLOCK_TIMEOUT}" redispair::e2e::role_ready master
  redispair::test::eventually "${E2E_DEADLOCK_TIMEOUT}" redispair::e2e::role_ready replica
  redispair::e2e::wait_ready "${E2E_DEADLOCK_TIMEOUT}"
  redispair::e2e::note "deadlock resolved in $(redispair::process::elapsed "${start}")s: master on $(redispair::e2e::pod_node master), replica on $(redispair::e2e::pod_node replica)"
  [ "$(redispair::e2e::pod_node master)" == "${master_node}" ]
  [ "$(redispair::e2e::pod_node replica)" == "${other}" ]
  all_keys_on redispair::e2e::master_has
  redispair::test::eventually 60 all_keys_on redispair::e2e::replica_has
}

# The last Job of CronJob redis-info that has a pod which finished; prints the pod name.
info_job_pod() {
  redispair::e2e::k get pods -l app.kubernetes.io/component=info -o json |
    jq -er '[.items[] | select(.status.phase == "Succeeded" or .status.phase == "Failed")] | sort_by(.metadata.creationTimestamp) | last | .metadata.name'
}

@test "INFO job: enabled, a Job runs within about 70 s and logs role:master and connected_slaves:1" {
  local start pod
  start="$(redispair::process::now)"
  redispair::e2e::k patch rp "${E2E_RP}" --type merge -p '{"spec":{"infoJob":{"enabled":true}}}' >/dev/null
  redispair::test::eventually 30 redispair::e2e::k get cronjob "${E2E_RP}-info"
  # Every minute: the first Job starts at the next minute boundary, so within ~70 s.
  redispair::test::eventually "${E2E_INFO_JOB_START_TIMEOUT}" info_jobs_exist
  redispair::e2e::note "INFO Job created $(redispair::process::elapsed "${start}")s after enabling"
  redispair::test::eventually "${E2E_INFO_JOB_RUN_TIMEOUT}" info_job_pod
  pod="$(info_job_pod)"
  redispair::e2e::note "INFO job pod ${pod} finished $(redispair::process::elapsed "${start}")s after enabling"
  run redispair::e2e::k get pod "${pod}" -o jsonpath='{.status.phase}'
  [ "${output}" == Succeeded ]
  run redispair::e2e::k logs "${pod}"
  [[ "${output}" == *role:master* ]]
  [[ "${output}" == *connected_slaves:1* ]]
  # The CronJob goes away when the job is turned off again.
  redispair::e2e::k patch rp "${E2E_RP}" --type merge -p '{"spec":{"infoJob":{"enabled":false}}}' >/dev/null
  redispair::test::eventually 30 cronjob_gone
}
