#!/usr/bin/env bats
# No acknowledged write is lost: the pair under the faults users of Redis operators hit, on the real two-node
# cluster (localcluster/), with the operator deployed from its image (lib/e2e.bash). Every "nothing lost" is
# counted in keys, each key read back with its value (lib/data.bash). The tests run in file order and build on
# each other's state; the last one deletes the pair with scripts/98-redis-down.sh.
#
# Needs root (the cluster uses network namespaces, cgroups and mounts).

bats_require_minimum_version 1.5.0

load lib/e2e
load lib/data

# Keys per lost-volume round (the issue asks for at least 10,000).
: "${E2E_REFILL_KEYS:=10000}"
# A lost volume is refilled and the pair Ready again.
: "${E2E_REFILL_TIMEOUT:=300}"
# A changed password reaches both servers (the generated Secret is watched: the next reconcile).
: "${E2E_PASSWORD_TIMEOUT:=60}"
# A pod that must not restart is watched this long.
: "${E2E_QUIET_HOLD:=30}"

setup_file() {
  redispair::e2e::ensure_cluster
  redispair::e2e::lock
  redispair::e2e::reset
  redispair::e2e::deploy_operator
  redispair::e2e::apply_redispair
  redispair::e2e::wait_ready
  # The key sets written so far, "prefix count bytes" a line: every recovery must bring all of them back.
  export E2E_SETS="${BATS_FILE_TMPDIR}/sets"
  : >"${E2E_SETS}"
}

teardown_file() {
  redispair::e2e::unlock
  if [[ "${REDISPAIR_E2E_TEARDOWN:-}" == 1 ]]; then
    "${REDISPAIR_E2E_ROOT}/localcluster/cluster-down.sh" >&3
  fi
}

teardown() {
  if [[ -n "${BATS_TEST_COMPLETED:-}" ]]; then return 0; fi
  echo "# operator log (last 25 lines):" >&3
  redispair::e2e::k logs deploy/redispair-operator --tail=25 2>&1 | sed 's/^/#   /' >&3 || true
  redispair::e2e::k get rp,pods,pvc -o wide 2>&1 | sed 's/^/#   /' >&3 || true
}

# Writes a set and records it.
write_set() {
  redispair::data::fill "$@"
  echo "$1 $2 ${3:-0}" >>"${E2E_SETS}"
}

# Prints how many recorded keys ROLE's pod lacks or holds with a wrong value (0: nothing lost).
missing_on() {
  local role="$1" prefix n bytes good lost=0
  while read -r prefix n bytes; do
    good="$(redispair::data::good "${role}" "${prefix}" "${n}" "${bytes}")" || return 1
    [[ "${good}" =~ ^[0-9]+$ ]] || return 1
    lost=$((lost + n - good))
  done <"${E2E_SETS}"
  echo "${lost}"
}
all_on() { [[ "$(missing_on "$1")" == 0 ]]; }
recorded_keys() { awk '{ n += $2 } END { print n + 0 }' "${E2E_SETS}"; }

data_condition_is() { [[ "$(redispair::data::condition status) $(redispair::data::condition reason)" == "$1 $2" ]]; }
has_event() { [[ -n "$(redispair::data::events "$1")" ]]; }
flushes_of() { redispair::e2e::k logs "$1" -c redis 2>/dev/null | grep -c 'Flushing old data' || true; }
restarts_of() {
  redispair::e2e::k get pod "$1" -o jsonpath='{.status.containerStatuses[0].restartCount} {.status.containerStatuses[0].lastState.terminated.reason}'
}
pvc_uid() { redispair::e2e::k get pvc "data-${E2E_RP}-master-0" -o jsonpath='{.metadata.uid}' 2>/dev/null; }
new_claim_bound() {
  local uid
  uid="$(pvc_uid)"
  [[ -n "${uid}" && "${uid}" != "$1" ]]
}

@test "lost volume, twice in a row: the replica refills the new master; both hold every key; condition, Events, no second full sync" {
  local round start took replica replica_uid flushes old_claim lost_master lost_replica
  for round in 1 2; do
    write_set "ds:r${round}" "${E2E_REFILL_KEYS}"
    redispair::test::eventually 60 all_on replica
    replica="$(redispair::e2e::pod replica)"
    replica_uid="$(redispair::e2e::pod_uid replica)"
    flushes="$(flushes_of "${replica}")"
    old_claim="$(pvc_uid)"
    [[ -n "${old_claim}" && "$(redispair::e2e::k get rp "${E2E_RP}" -o jsonpath='{.status.data.masterClaimUID}')" == "${old_claim}" ]]

    # The volume is lost: the claim is deleted, and the pod with it (the claim goes once the pod is gone).
    start="$(redispair::process::now)"
    redispair::e2e::k delete pvc "data-${E2E_RP}-master-0" --wait=false >/dev/null
    redispair::e2e::k delete pod "${E2E_RP}-master-0" --wait=false >/dev/null
    redispair::test::eventually "${E2E_REFILL_TIMEOUT}" new_claim_bound "${old_claim}"
    redispair::test::eventually "${E2E_REFILL_TIMEOUT}" data_condition_is False Recovered
    redispair::e2e::wait_ready "${E2E_REFILL_TIMEOUT}"
    took="$(redispair::process::elapsed "${start}")"

    lost_master="$(missing_on master)"
    redispair::test::eventually 60 all_on replica
    lost_replica="$(missing_on replica)"
    redispair::e2e::note "round ${round}: $(recorded_keys) keys; PVC + pod deleted -> refilled, Ready: ${took}s; keys lost: master ${lost_master}, replica ${lost_replica}"
    [[ "${lost_master}" == 0 && "${lost_replica}" == 0 ]]
    # The replica is the same pod, and it never flushed its data: no resync from an empty master.
    [[ "$(redispair::e2e::pod_uid replica)" == "${replica_uid}" ]]
    [[ "$(flushes_of "${replica}")" == "${flushes}" ]]
    # Back in their roles, continued by a partial resync: the new master served no full sync.
    [[ "$(redispair::data::info master replication role)" == master ]]
    [[ "$(redispair::data::info replica replication role)" == slave ]]
    [[ "$(redispair::data::info master stats sync_full)" == 0 ]]
    [[ "$(redispair::data::info master stats sync_partial_ok)" -ge 1 ]]
    # What happened is said: condition, Events, and the launcher's log line.
    [[ "$(redispair::data::condition message)" == *"claim ${old_claim} -> "* ]]
    redispair::test::eventually 15 has_event MasterDataLost
    redispair::test::eventually 15 has_event DataRecovered
    redispair::e2e::k logs "${E2E_RP}-master-0" -c redis | grep -q "redispair-launcher: .* holds no data and replica .* holds [0-9]* keys: detached it"
    # The master's new volume holds the data now: its own restart needs no refill.
    [[ "$(redispair::e2e::k get rp "${E2E_RP}" -o jsonpath='{.status.data.masterClaimUID}')" == "$(pvc_uid)" ]]
    redispair::addons::recycle_released >/dev/null
  done
}

@test "master and replica both lost: the pair comes back empty and Ready, and status and an Event say the data is gone" {
  local old_claim start
  old_claim="$(pvc_uid)"
  start="$(redispair::process::now)"
  redispair::e2e::k delete pvc "data-${E2E_RP}-master-0" --wait=false >/dev/null
  redispair::e2e::k delete pod "${E2E_RP}-master-0" "$(redispair::e2e::pod replica)" --wait=false >/dev/null
  redispair::test::eventually "${E2E_REFILL_TIMEOUT}" new_claim_bound "${old_claim}"
  redispair::test::eventually "${E2E_REFILL_TIMEOUT}" data_condition_is True DataGone
  redispair::e2e::wait_ready "${E2E_REFILL_TIMEOUT}"
  redispair::e2e::note "both lost -> empty and Ready: $(redispair::process::elapsed "${start}")s; keys lost: $(recorded_keys) (all, by design: no copy was left)"
  [[ "$(redispair::e2e::master_cli DBSIZE)" == 0 ]]
  [[ "$(redispair::data::condition message)" == *"$(recorded_keys) keys recorded at "*" are gone"* ]]
  redispair::test::eventually 15 has_event MasterDataGone
  redispair::e2e::k logs "${E2E_RP}-master-0" -c redis | grep -q 'redispair-launcher: .* no replica holds any: starting as an empty master'
  : >"${E2E_SETS}"
  redispair::addons::recycle_released >/dev/null
}

# Prints "uid restartCount lastTerminationReason" of ROLE's pod.
pod_state() {
  local pod
  pod="$(redispair::e2e::pod "$1")"
  echo "$(redispair::e2e::pod_uid "$1") $(restarts_of "${pod}")"
}
used_memory() { redispair::data::info master memory used_memory; }
aof_rewritten() {
  [[ "$(redispair::data::info master persistence aof_rewrite_in_progress)" == 0 &&
    "$(redispair::data::info master persistence aof_rewrite_scheduled)" == 0 ]]
}

@test "memory pressure: at 60% of maxmemory an AOF rewrite and a full resync kill no pod; a write past maxmemory gets Redis's OOM error" {
  local maxmemory target per_key=10000 n master_before replica_uid start
  maxmemory="$(redispair::e2e::master_cli CONFIG GET maxmemory | tail -n 1)"
  redispair::e2e::note "maxmemory ${maxmemory} bytes (limit 256Mi), policy $(redispair::e2e::master_cli CONFIG GET maxmemory-policy | tail -n 1)"
  ((maxmemory > 0))
  [[ "$(redispair::e2e::master_cli CONFIG GET maxmemory-policy | tail -n 1)" == noeviction ]]
  # Fill to 60% of maxmemory with 10 kB values.
  target=$((maxmemory * 6 / 10))
  n=$(((target - $(used_memory)) / (per_key + 100)))
  write_set ds:mem "${n}" "${per_key}"
  redispair::e2e::note "filled: ${n} keys of 10 kB, used_memory $(used_memory) of target ${target}"
  (($(used_memory) >= target * 9 / 10))
  redispair::test::eventually 120 all_on replica
  master_before="$(pod_state master)"
  replica_uid="$(redispair::e2e::pod_uid replica)"

  # A fork for the AOF rewrite, and one for a full sync of a new replica.
  redispair::e2e::master_cli BGREWRITEAOF >/dev/null
  redispair::test::eventually 120 aof_rewritten
  start="$(redispair::process::now)"
  redispair::e2e::k delete pod "$(redispair::e2e::pod replica)" --wait=false >/dev/null
  redispair::test::eventually "${E2E_POD_READY_TIMEOUT}" redispair::e2e::role_ready replica "${replica_uid}"
  redispair::e2e::wait_ready
  redispair::e2e::note "full resync of $((target / 1048576)) MiB: new replica Ready in $(redispair::process::elapsed "${start}")s"
  [[ "$(pod_state master)" == "${master_before}" ]]
  [[ "$(pod_state replica)" == *" 0 " || "$(pod_state replica)" == *" 0" ]]
  [[ "$(missing_on master)" == 0 ]]
  redispair::test::eventually 60 all_on replica

  # Past maxmemory: Redis refuses the write, nothing is evicted and no pod dies.
  local value="${BATS_TEST_TMPDIR}/value" out=OK i=0 replica_before
  replica_before="$(pod_state replica)"
  head -c 1000000 /dev/zero | tr '\0' v >"${value}"
  while [[ "${out}" == OK ]] && ((i < 200)); do
    out="$(redispair::e2e::master_cli -x SET "ds:oom:${i}" <"${value}" 2>&1)"
    i=$((i + 1))
  done
  redispair::e2e::note "write ${i} of 1 MB: ${out}"
  [[ "${out}" == *"OOM command not allowed when used memory > 'maxmemory'"* ]]
  sleep 10
  [[ "$(pod_state master)" == "${master_before}" && "$(pod_state replica)" == "${replica_before}" ]]
  [[ "$(missing_on master)" == 0 ]]
  redispair::e2e::master_cli FLUSHALL >/dev/null
  : >"${E2E_SETS}"
}

# Redis from the host through PORT with PASSWORD, as a client of the pair would.
as_client() {
  local port="$1" password="$2"
  shift 2
  REDISCLI_AUTH="${password}" redis-cli --no-auth-warning -h "$(redispair::cluster::node_ip "${REDISPAIR_NODES[0]}")" \
    -p "${port}" "$@" 2>&1
}

# A client that keeps writing to the master and reading from the replica, every 100 ms, with whichever of
# the two passwords works, until STOP_FILE exists. Logs "i master_ok replica_ok" a line; a write that was
# acknowledged is "w:<i>" = <i>.
continuous_client() {
  local log="$1" stop="$2" old="$3" new="$4" i=0 m r pw
  while [[ ! -e "${stop}" ]]; do
    i=$((i + 1))
    m=0 r=0
    for pw in "${new}" "${old}"; do
      [[ "$(as_client "${E2E_MASTER_PORT}" "${pw}" SET "w:${i}" "${i}")" == OK ]] && { m=1; break; }
    done
    for pw in "${new}" "${old}"; do
      [[ "$(as_client "${E2E_REPLICA_PORT}" "${pw}" PING)" == PONG ]] && { r=1; break; }
    done
    echo "${i} ${m} ${r}" >>"${log}"
    sleep 0.1
  done
}

workloads_state() {
  echo "$(pod_state master) $(pod_state replica)" \
    "$(redispair::e2e::k get sts "${E2E_RP}-master" -o jsonpath='{.metadata.generation}')" \
    "$(redispair::e2e::k get deploy "${E2E_RP}-replica" -o jsonpath='{.metadata.generation}')"
}
accepts() { [[ "$(as_client "$1" "$2" PING)" == PONG ]]; }
refuses() { [[ "$(as_client "$1" "$2" PING)" == *WRONGPASS* || "$(as_client "$1" "$2" PING)" == *NOAUTH* ]]; }
new_password_everywhere() {
  accepts "${E2E_MASTER_PORT}" "$2" && accepts "${E2E_REPLICA_PORT}" "$2" &&
    refuses "${E2E_MASTER_PORT}" "$1" && refuses "${E2E_REPLICA_PORT}" "$1"
}

@test "Secret: a label restarts nothing; a new password reaches both servers at runtime while a continuous client never sees both roles down, and loses no write" {
  local before old new start log stop
  before="$(workloads_state)"
  redispair::e2e::k label secret "${E2E_RP}-auth" e2e/touched=yes >/dev/null
  sleep "${E2E_QUIET_HOLD}"
  [[ "$(workloads_state)" == "${before}" ]]

  old="$(redispair::e2e::password)"
  new="rotated-$(date +%s)-pw"
  log="${BATS_TEST_TMPDIR}/client.log"
  stop="${BATS_TEST_TMPDIR}/stop"
  continuous_client "${log}" "${stop}" "${old}" "${new}" &
  local client=$!
  sleep 3
  start="$(redispair::process::now)"
  redispair::e2e::k patch secret "${E2E_RP}-auth" --type merge -p "{\"stringData\":{\"password\":\"${new}\"}}" >/dev/null
  redispair::test::eventually "${E2E_PASSWORD_TIMEOUT}" new_password_everywhere "${old}" "${new}"
  redispair::e2e::note "new password accepted on both and the old one refused $(redispair::process::elapsed "${start}")s after the Secret changed"
  sleep 3
  touch "${stop}"
  wait "${client}"

  local samples master_down replica_down both_down
  samples="$(wc -l <"${log}")"
  master_down="$(awk '$2 == 0' "${log}" | wc -l)"
  replica_down="$(awk '$3 == 0' "${log}" | wc -l)"
  both_down="$(awk '$2 == 0 && $3 == 0' "${log}" | wc -l)"
  redispair::e2e::note "continuous client: ${samples} samples; master down in ${master_down}, replica down in ${replica_down}, both in ${both_down}"
  ((samples > 20))
  ((both_down == 0))
  # No pod restarted: the password changed at runtime.
  [[ "$(workloads_state)" == "${before}" ]]
  redispair::test::eventually 15 has_event PasswordApplied
  # Every acknowledged write is on both.
  local acked lost=0 i
  acked="$(awk '$2 == 1 { print $1 }' "${log}")"
  for i in ${acked}; do
    [[ "$(as_client "${E2E_MASTER_PORT}" "${new}" GET "w:${i}")" == "${i}" ]] || lost=$((lost + 1))
  done
  redispair::e2e::note "acknowledged writes: $(wc -w <<<"${acked}"), lost: ${lost}"
  ((lost == 0))
  [[ "$(as_client "${E2E_REPLICA_PORT}" "${new}" DBSIZE)" == "$(as_client "${E2E_MASTER_PORT}" "${new}" DBSIZE)" ]]
}

ready_reason_is() { [[ "$(redispair::data::condition reason Ready)" == "$1" ]]; }

@test "newline password: a Secret made with --from-file from a file ending in a newline gives a Ready pair; a missing Secret rolls nothing out and says so" {
  local file="${BATS_TEST_TMPDIR}/password.txt"
  printf 'from-a-file\n' >"${file}"
  redispair::e2e::k create secret generic my-redis-password --from-file=password="${file}" >/dev/null
  redispair::e2e::k label secret my-redis-password redispair.io/auth=true >/dev/null # its owner opts in
  [[ "$(redispair::e2e::k get secret my-redis-password -o jsonpath='{.data.password}' | base64 -d | od -c | head -n 1)" == *'\n'* ]]
  redispair::e2e::k patch rp "${E2E_RP}" --type merge -p '{"spec":{"auth":{"secretName":"my-redis-password"}}}' >/dev/null
  redispair::test::eventually "${E2E_PASSWORD_TIMEOUT}" accepts "${E2E_MASTER_PORT}" from-a-file
  redispair::e2e::wait_ready
  redispair::test::eventually "${E2E_POD_READY_TIMEOUT}" accepts "${E2E_REPLICA_PORT}" from-a-file
  # _dev_vars.sh reads it the same way. Sourced as a user does, with no arguments: as $0 it would take itself for
  # a program and refuse, and the caller's positional parameters would be its arguments.
  # shellcheck disable=SC2016 # expanded by the inner bash
  run -0 env PATH="${REDISPAIR_E2E_ROOT}/localcluster/bin:${PATH}" MINIKUBE_PROFILE=redispair KUBE_CONTEXT=redispair \
    XDG_STATE_HOME="${BATS_TEST_TMPDIR}/state" NO_COLOR=1 \
    bash -c 'cd "$1" && set -- && source scripts/_dev_vars.sh >/dev/null && printf "[%s]" "${REDISCLI_AUTH}"' bash "${REDISPAIR_E2E_ROOT}"
  [[ "${output}" == *"[from-a-file]" ]]

  # The Secret goes away: nothing restarts, the pair keeps the password it has, and status and an Event say so.
  # The earlier tests' Events about this RedisPair used up its Event budget (25, then one per 5 min, as
  # client-go's spam filter; the recorder drops the rest and counts them): a new operator starts with a
  # full one, so the Event below is not dropped.
  redispair::e2e::k rollout restart deployment redispair-operator >/dev/null
  redispair::e2e::k rollout status deployment redispair-operator --timeout="${E2E_POD_READY_TIMEOUT}s" >/dev/null
  redispair::e2e::wait_ready 60
  local before
  before="$(workloads_state)"
  redispair::e2e::k delete secret my-redis-password >/dev/null
  redispair::test::eventually 60 ready_reason_is AuthSecretMissing
  [[ "$(redispair::data::condition message Ready)" == *"Secret ${E2E_NS}/my-redis-password (spec.auth.secretName) not found"* ]]
  # The Event is sent after the status is written, by the recorder's own queue.
  redispair::test::eventually 15 has_event AuthSecretMissing
  sleep "${E2E_QUIET_HOLD}"
  [[ "$(workloads_state)" == "${before}" ]]
  accepts "${E2E_MASTER_PORT}" from-a-file
  redispair::e2e::k create secret generic my-redis-password --from-file=password="${file}" >/dev/null
  redispair::e2e::k label secret my-redis-password redispair.io/auth=true >/dev/null # its owner opts in
  redispair::e2e::wait_ready 60
  [[ "$(workloads_state)" == "${before}" ]]
}

# scripts/98-redis-down.sh against this cluster, as test/scripts/cycle.bats runs the scripts: through the
# minikube shim, with the cluster's kubeconfig context.
script_98() {
  env PATH="${REDISPAIR_E2E_ROOT}/localcluster/bin:${PATH}" MINIKUBE_PROFILE=redispair KUBE_CONTEXT=redispair \
    XDG_STATE_HOME="${BATS_TEST_TMPDIR}/state" NO_COLOR=1 "$@"
}
sts_policy_is() {
  [[ "$(redispair::e2e::k get sts "${E2E_RP}-master" -o jsonpath='{.spec.persistentVolumeClaimRetentionPolicy.whenDeleted}')" == "$1" ]]
}

@test "98-redis-down.sh with retentionPolicy Delete: warns with the key count and asks; deletes nothing when told no; with --yes reports that the data is gone" {
  write_set ds:98 100
  redispair::e2e::k patch rp "${E2E_RP}" --type merge -p '{"spec":{"master":{"storage":{"retentionPolicy":"Delete"}}}}' >/dev/null
  redispair::test::eventually 30 sts_policy_is Delete

  # Without a terminal and without --yes it cannot ask, so it deletes nothing.
  run script_98 "${REDISPAIR_E2E_ROOT}/scripts/98-redis-down.sh" </dev/null
  echo "${output}"
  ((status != 0))
  # The count is the master's DBSIZE: the 100 keys of this test and what earlier tests left.
  local holding="has retentionPolicy Delete: deleting it deletes the master's data \\(PVC data-${E2E_RP}-master-0 holding ([0-9]+) keys\\)"
  [[ "${output}" =~ ${holding} ]]
  ((BASH_REMATCH[1] >= 100))
  [[ "${output}" == *"nothing deleted"* ]]
  redispair::e2e::k get rp "${E2E_RP}" >/dev/null
  redispair::e2e::k get pvc "data-${E2E_RP}-master-0" >/dev/null
  # On a terminal it asks; "n" deletes nothing.
  run script_98 script -qec "${REDISPAIR_E2E_ROOT}/scripts/98-redis-down.sh" /dev/null <<<"n"
  echo "${output}"
  ((status != 0))
  [[ "${output}" == *"Delete RedisPair ${E2E_RP} and its data? [y/N]"* ]]
  redispair::e2e::k get pvc "data-${E2E_RP}-master-0" >/dev/null
  [[ "$(missing_on master)" == 0 ]]

  # --yes: it deletes, and says what became of the data.
  run script_98 "${REDISPAIR_E2E_ROOT}/scripts/98-redis-down.sh" --yes </dev/null
  echo "${output}"
  ((status == 0))
  [[ "${output}" == *"deleted the master's data: PVC data-${E2E_RP}-master-0 is gone (retentionPolicy Delete)"* ]]
  [[ "${output}" != *"there was no data to keep"* && "${output}" != *"kept the master's data"* ]]
  run -1 redispair::e2e::k get pvc "data-${E2E_RP}-master-0"
  redispair::addons::recycle_released >/dev/null
}
