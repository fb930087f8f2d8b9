#!/usr/bin/env bats
# The empty-master guard of the master's launcher (operator/src/controller/launcher.h), on real redis-server
# processes on loopback: the rendered launcher and configs (lib/redis.bash), the replicas' headless Service
# replaced by 127.0.0.1:<replica port>. The operator's half of a refill (AOF on, promotion, repointing) is
# sent here by hand with the same commands as controller/data_safety.cc, to check on a real server that
# the replica continues with a partial resync; the operator itself does it in test/e2e/data-safety.bats.

bats_require_minimum_version 1.5.0

load lib/redis

# Keys in the lost-volume test (the issue asks for at least 10,000).
KEYS=10000

setup_file() {
  redis::setup_work
  export GUARD="REDISPAIR_REFILL_FROM=127.0.0.1:${REPLICA_PORT}"
}

setup() {
  redis::stop master KILL || true
  redis::stop replica KILL || true
  rm -rf "${WORK:?}/master" "${WORK:?}/replica" "${WORK:?}"/*.log
  mkdir -p "${WORK}/master" "${WORK}/replica"
}

teardown_file() {
  redis::stop replica KILL || true
  redis::stop master KILL || true
}

role_is() { [[ "$(redis::info "$1" replication role)" == "$2" ]]; }
keys_are() { [[ "$(redis::op_cli "$1" DBSIZE)" == "$2" ]]; }
link_up() { [[ "$(redis::info "$1" replication master_link_status)" == up ]]; }
aof_written() {
  [[ "$(redis::info master persistence aof_rewrite_in_progress)" == 0 &&
    "$(redis::info master persistence aof_rewrite_scheduled)" == 0 ]] &&
    compgen -G "${WORK}/master/appendonlydir/*.manifest" >/dev/null
}
launcher_gone() { ! kill -0 "$(cat "${WORK}/master.pid")" 2>/dev/null; }
flushes() { grep -c 'Flushing old data' "${WORK}/replica.log" || true; }
volume_files() { find "${WORK}/master" -mindepth 1 | sed "s|${WORK}/master/||" | tr '\n' ' '; }

# N keys through the master, and the replica has them.
fill() {
  local n="$1"
  seq 1 "${n}" | awk '{ printf "SET key:%d value:%d\n", $1, $1 }' | redis::cli master >/dev/null
  redis::wait_for "${REDIS_TIMEOUT}" keys_are replica "${n}"
}

@test "a new pair: no replica answers (connection refused), so the master starts at once, empty" {
  local start=${EPOCHREALTIME}
  redis::start master "${GUARD}"
  local took
  took="$(awk -v a="${start}" -v b="${EPOCHREALTIME}" 'BEGIN { printf "%.1f", b - a }')"
  echo "# new pair: master answering after ${took}s" >&3
  awk -v t="${took}" 'BEGIN { exit !(t < 5) }'
  role_is master master
  grep -q 'redispair-launcher: .* holds no data and no replica holds any: starting as an empty master' "${WORK}/master.log"
}

@test "a replica with no keys: the master starts empty, and the replica follows it" {
  redis::start replica
  redis::start master "${GUARD}"
  role_is master master
  grep -q 'no replica holds any: starting as an empty master' "${WORK}/master.log"
  redis::wait_for "${REDIS_TIMEOUT}" link_up replica
}

@test "lost volume: the replica is detached before the master listens, refills it without a flush, and PSYNC continues after the roles are put back" {
  redis::start master "${GUARD}"
  redis::start replica
  fill "${KEYS}"
  local flushes_before
  flushes_before="$(flushes)"
  # The master's volume is lost: killed, and its directory emptied.
  redis::stop master KILL
  rm -rf "${WORK:?}/master/"*
  local start=${EPOCHREALTIME}
  redis::start master "${GUARD}"
  redis::wait_for "${REDIS_TIMEOUT}" keys_are master "${KEYS}"
  echo "# ${KEYS} keys refilled $(awk -v a="${start}" -v b="${EPOCHREALTIME}" 'BEGIN { printf "%.2f", b - a }')s after the launcher started" >&3
  grep -q "holds no data and replica 127.0.0.1 holds ${KEYS} keys: detached it (REPLICAOF NO ONE); starting as its replica to refill" "${WORK}/master.log"
  role_is replica master
  role_is master slave
  redis::wait_for "${REDIS_TIMEOUT}" link_up master
  # The replica kept everything: it never resynced from the empty master.
  keys_are replica "${KEYS}"
  [[ "$(flushes)" == "${flushes_before}" ]]
  # Nothing on the volume until the data is complete; the master refuses writes meanwhile.
  [[ -z "$(volume_files)" ]]
  run redis::cli master SET during-refill 1
  [[ "${output}" == *READONLY* ]]

  # The operator's half (controller/refill.h): AOF on while still a replica, then the roles back.
  redis::op_cli master CONFIG SET appendonly yes
  redis::wait_for "${REDIS_TIMEOUT}" aof_written
  redis::op_cli master REPLICAOF NO ONE
  redis::op_cli replica REPLICAOF 127.0.0.1 "${MASTER_PORT}"
  redis::wait_for "${REDIS_TIMEOUT}" link_up replica
  grep -q 'Successful partial resynchronization with master' "${WORK}/replica.log"
  [[ "$(redis::info master stats sync_full)" == 0 ]]
  [[ "$(redis::info master stats sync_partial_ok)" == 1 ]]
  [[ "$(flushes)" == "${flushes_before}" ]]
  redis::cli master SET after-refill yes
  redis::wait_for "${REDIS_TIMEOUT}" keys_are replica "$((KEYS + 1))"

  # The volume now holds the data: a crash of the master brings it back from the AOF, no refill.
  sleep 1.5 # appendfsync everysec
  redis::stop master KILL
  redis::start master "${GUARD}"
  keys_are master "$((KEYS + 1))"
  role_is master master
}

@test "a master that dies in the middle of a refill left nothing on its volume, so the guard refills it again" {
  redis::start master "${GUARD}"
  redis::start replica
  fill 2000
  redis::stop master KILL
  rm -rf "${WORK:?}/master/"*
  redis::start master "${GUARD}"
  redis::wait_for "${REDIS_TIMEOUT}" keys_are master 2000
  redis::stop master KILL # before the operator turned the AOF on
  [[ -z "$(volume_files)" ]]
  redis::start master "${GUARD}"
  redis::wait_for "${REDIS_TIMEOUT}" keys_are master 2000
  [[ "$(grep -c 'starting as its replica to refill' "${WORK}/master.log")" == 2 ]]
  keys_are replica 2000
}

@test "uncertain: a replica that answers but cannot be asked keeps the master from starting empty; the launcher exits to be restarted" {
  # Something on the replicas' address that refuses the operator's password.
  redis-server --port "${REPLICA_PORT}" --bind 127.0.0.1 --requirepass other --save '' \
    --dir "${WORK}/replica" >>"${WORK}/replica.log" 2>&1 &
  echo $! >"${WORK}/replica.pid"
  disown
  redis::wait_for "${REDIS_TIMEOUT}" env REDISCLI_AUTH=other redis-cli -p "${REPLICA_PORT}" ping
  redis::launch master "${GUARD}" REDISPAIR_REFILL_GUARD_SECONDS=4
  redis::wait_for 20 launcher_gone
  grep -q 'it is unknown whether a replica does (127.0.0.1: .*AUTH.*): not starting empty; exiting, to be restarted' "${WORK}/master.log"
  run -1 redis::op_cli master ping
  [[ -z "$(volume_files)" ]]
}

@test "passwords: one trailing newline of the Secret is dropped; a password with another line break is refused" {
  redis::start master "REDISPAIR_PASSWORD=${PASSWORD}"$'\n'
  run -0 redis::cli master ping
  [[ "${output}" == PONG ]]
  redis::stop master
  redis::start master "REDISPAIR_PASSWORD=${PASSWORD}"$'\r\n'
  run -0 redis::cli master ping
  [[ "${output}" == PONG ]]
  redis::stop master
  redis::launch master "REDISPAIR_PASSWORD=two"$'\n'"lines"
  redis::wait_for 10 launcher_gone
  grep -q "the auth Secret's password holds a line break (one trailing newline is all that is allowed): refusing to start" "${WORK}/master.log"
  run -1 grep -F 'lines' "${WORK}/master.log"
  redis::launch master "REDISPAIR_PASSWORD="$'\n'
  redis::wait_for 10 launcher_gone
  grep -q "the auth Secret's password is empty: refusing to start" "${WORK}/master.log"
}
