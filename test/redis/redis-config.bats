#!/usr/bin/env bats
# The Redis configuration and launcher that the operator renders, run with real redis-server
# processes on loopback. The config text and the launcher script come from `redispair render`
# unchanged, except the lines that only make sense inside a pod: bind, port, dir and the master's
# DNS name are rewritten to loopback addresses and a temp dir (lib/redis.bash). The empty-master
# guard of the master's launcher is refill.bats's.

bats_require_minimum_version 1.5.0

load lib/redis

TIMEOUT_S="${REDIS_TIMEOUT}"

setup_file() {
  redis::setup_work
  start_role master
  start_role replica
  wait_for "${TIMEOUT_S}" link_up
}

teardown_file() {
  stop_role replica || true
  stop_role master || true
}

start_role() { redis::start "$@"; }
stop_role() { redis::stop "$@"; }
cli() { redis::cli "$@"; }
wait_for() { redis::wait_for "$@"; }
port_of() { redis::port_of "$@"; }

link_up() { redis::op_cli replica info replication | grep -q '^master_link_status:up'; }
replica_has() { [[ "$(redis::op_cli replica get "$1")" == "$2" ]]; }

@test "the rendered launcher starts redis-server as the process itself (PID of sh becomes redis-server)" {
  local pid
  pid="$(cat "${WORK}/master.pid")"
  [[ "$(cat "/proc/${pid}/comm")" == redis-server ]]
}

@test "auth is enforced with either password from the environment, and neither is in any argv or in the server's environment" {
  run redis-cli -h 127.0.0.1 -p "${MASTER_PORT}" ping
  [[ "${output}" == *NOAUTH* ]]
  run redis-cli -h 127.0.0.1 -p "${MASTER_PORT}" --no-auth-warning -a wrong ping
  [[ "${output}" == *WRONGPASS* || "${output}" == *"invalid password"* ]]
  run -0 cli master ping
  [[ "${output}" == PONG ]]
  run -0 redis::op_cli master ping
  [[ "${output}" == PONG ]]
  # The replica authenticates to the master with masterauth, the operator's password (its link is up
  # only then).
  link_up
  local pid argv
  for pid in "$(cat "${WORK}/master.pid")" "$(cat "${WORK}/replica.pid")"; do
    argv="$(tr '\0' ' ' <"/proc/${pid}/cmdline")"
    [[ -n "${argv}" && "${argv}" != *w0rd* && "${argv}" != *"${OP_PASSWORD}"* ]]
    run -1 grep -aF 'w0rd' "/proc/${pid}/environ"
    run -1 grep -aF "${OP_PASSWORD}" "/proc/${pid}/environ"
  done
}

@test "the clients' password changes at runtime: the old one is refused at once, replication and open connections go on" {
  local new='n3w pass' digest_new digest_op
  digest_new="$(printf '%s' "${new}" | sha256sum | cut -d ' ' -f 1)"
  digest_op="$(printf '%s' "${OP_PASSWORD}" | sha256sum | cut -d ' ' -f 1)"
  # A client connected and authenticated with the old password before the change.
  local reply
  exec 5<>"/dev/tcp/127.0.0.1/${MASTER_PORT}"
  printf '*2\r\n$4\r\nAUTH\r\n$%d\r\n%s\r\n' "${#PASSWORD}" "${PASSWORD}" >&5
  IFS= read -r reply <&5
  [[ "${reply}" == $'+OK\r' ]]
  # What the operator sends (controller/data_safety.cc): digests only.
  redis::op_cli master ACL SETUSER default resetpass "#${digest_new}" "#${digest_op}"
  redis::op_cli replica ACL SETUSER default resetpass "#${digest_new}" "#${digest_op}"
  run cli master ping
  [[ "${output}" == *WRONGPASS* || "${output}" == *NOAUTH* ]]
  run -0 env REDISCLI_AUTH="${new}" redis-cli --no-auth-warning -p "${MASTER_PORT}" SET after-change 1
  [[ "${output}" == OK ]]
  wait_for "${TIMEOUT_S}" replica_has after-change 1
  link_up
  # The open connection goes on.
  printf 'PING\r\n' >&5
  IFS= read -r reply <&5
  exec 5>&-
  [[ "${reply}" == $'+PONG\r' ]]
  # Back to the first password, for the tests after this one.
  local digest_old
  digest_old="$(printf '%s' "${PASSWORD}" | sha256sum | cut -d ' ' -f 1)"
  redis::op_cli master ACL SETUSER default resetpass "#${digest_old}" "#${digest_op}"
  redis::op_cli replica ACL SETUSER default resetpass "#${digest_old}" "#${digest_op}"
  run -0 cli master DEL after-change
}

@test "a replica started with the rendered config follows the master and is read-only" {
  cli master set greeting "hello world" >/dev/null
  wait_for "${TIMEOUT_S}" replica_has greeting "hello world"
  run cli replica set x y
  [[ "${output}" == *READONLY* ]]
  run -0 cli master info replication
  [[ "${output}" == *"connected_slaves:1"* ]]
}

@test "memory: maxmemory and the replication buffers are bounded from the 256Mi limit; a write past maxmemory gets the OOM error" {
  [[ "$(redis::op_cli master CONFIG GET maxmemory | tail -n 1)" == 102760448 ]]
  [[ "$(redis::op_cli master CONFIG GET maxmemory-policy | tail -n 1)" == noeviction ]]
  [[ "$(redis::op_cli master CONFIG GET repl-backlog-size | tail -n 1)" == 8388608 ]]
  [[ "$(redis::op_cli master CONFIG GET client-output-buffer-limit | tail -n 1)" == *"slave 16777216 8388608 60"* ]]
  # A smaller bound on a running server, to reach it quickly: writes go on until one is refused with
  # Redis's OOM error; nothing is evicted.
  local i=0 out=OK
  head -c 500000 /dev/zero | tr '\0' x >"${WORK}/value"
  redis::op_cli master CONFIG SET maxmemory 3mb
  while [[ "${out}" == OK ]] && ((i < 20)); do
    out="$(cli master -x SET "big:${i}" <"${WORK}/value" 2>&1)"
    i=$((i + 1))
  done
  redis::op_cli master CONFIG SET maxmemory 102760448
  echo "# write ${i} of 500 kB past maxmemory 3mb: ${out}" >&3
  [[ "${out}" == *"OOM command not allowed when used memory > 'maxmemory'"* ]]
  [[ "$(cli master EXISTS big:0)" == 1 ]]
  local -a written
  mapfile -t written < <(seq -f 'big:%g' 0 $((i - 1)))
  cli master DEL "${written[@]}" >/dev/null
  run -0 cli master ping
}

# Surviving a SIGKILL cannot tell everysec from "no" (the kernel still has the page cache), so the
# fsync policy is asserted on the live server, as redis-server read the rendered configuration.
@test "the master runs with appendonly yes and appendfsync everysec, the replica with no AOF" {
  [[ "$(redis::op_cli master config get appendonly)" == $'appendonly\nyes' ]]
  [[ "$(redis::op_cli master config get appendfsync)" == $'appendfsync\neverysec' ]]
  [[ "$(redis::op_cli master config get dir)" == $'dir\n'"${WORK}/master" ]]
  [[ "$(redis::op_cli replica config get appendonly)" == $'appendonly\nno' ]]
}

@test "the master's AOF survives SIGKILL: restarted on its dir, the data is back and the replica resyncs" {
  local i
  for ((i = 0; i < 100; i++)); do cli master set "key:${i}" "value:${i}" >/dev/null; done
  cli master incrby counter 42 >/dev/null
  [[ -d "${WORK}/master/appendonlydir" ]]
  # A write may be postponed while a slow fsync runs (up to 2 s); then crash without a clean shutdown.
  sleep 1.5
  stop_role master KILL
  start_role master
  [[ "$(cli master dbsize)" == 102 ]]
  [[ "$(cli master get key:99)" == value:99 ]]
  [[ "$(cli master get counter)" == 42 ]]
  wait_for "${TIMEOUT_S}" link_up
  cli master set after-restart yes >/dev/null
  wait_for "${TIMEOUT_S}" replica_has after-restart yes
  [[ "$(cli replica dbsize)" == 103 ]]
}

@test "a restarted replica starts empty and catches up from the master" {
  stop_role replica
  cli master set while-replica-down 1 >/dev/null
  rm -rf "${WORK:?}/replica/"*
  start_role replica
  wait_for "${TIMEOUT_S}" link_up
  wait_for "${TIMEOUT_S}" replica_has while-replica-down 1
  [[ "$(cli replica dbsize)" == "$(cli master dbsize)" ]]
}

@test "the rendered probes (the operator's password): liveness passes, master readiness needs role:master, replica readiness tracks the link" {
  local probes="${WORK}/probes.json"
  "${REDISPAIR_BIN}" render -f "${REDIS_RP}" >"${probes}"
  probe() {
    local kind="$1" role="$2" which="$3" script
    script="$(jq -r --arg k "${kind}" --arg p "${which}" \
      '.[] | select(.kind == $k) | .spec.template.spec.containers[0][$p].exec.command[2]' "${probes}")"
    REDISCLI_AUTH="${OP_PASSWORD}" sh -c "${script//-p 6379/-p $(port_of "${role}")}"
  }
  probe StatefulSet master livenessProbe
  probe StatefulSet master readinessProbe
  probe Deployment replica livenessProbe
  probe Deployment replica readinessProbe
  # With the master gone the replica stays alive (liveness) but is not ready (link down).
  stop_role master
  local start=${SECONDS}
  until ! probe Deployment replica readinessProbe >/dev/null 2>&1; do
    ((SECONDS - start < TIMEOUT_S)) || false
    sleep 0.2
  done
  probe Deployment replica livenessProbe
  start_role master
  wait_for "${TIMEOUT_S}" link_up
  probe Deployment replica readinessProbe
  # A master that is a replica (as while it is refilled) is alive but not ready. Of a port where nothing
  # listens, so that nothing is synced.
  redis::op_cli master REPLICAOF 127.0.0.1 1
  run probe StatefulSet master readinessProbe
  [[ "${status}" -ne 0 && "${output}" == *role:slave* ]]
  probe StatefulSet master livenessProbe
  redis::op_cli master REPLICAOF NO ONE
  probe StatefulSet master readinessProbe
  wait_for "${TIMEOUT_S}" link_up
}
