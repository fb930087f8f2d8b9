#!/usr/bin/env bats
# The Redis configuration and launcher that the operator renders, run with real redis-server
# processes on loopback. The config text and the launcher script come from `redispair render`
# unchanged, except the lines that only make sense inside a pod: bind, port, dir and the master's
# DNS name are rewritten to loopback addresses and a temp dir.

bats_require_minimum_version 1.5.0

: "${REDISPAIR_BIN:=${BATS_TEST_DIRNAME}/../../build/operator/redispair}"
RP="${BATS_TEST_DIRNAME}/../../deploy/redispair.yaml"
# A password with every character the launcher must escape for redis.conf: quote, backslash, space.
# shellcheck disable=SC2016 # the $ is part of the password, not an expansion
PASSWORD='p"a\ss w0rd$x'
# How long replication and restarts may take before a test fails.
TIMEOUT_S=15

setup_file() {
  [[ -x "${REDISPAIR_BIN}" ]] || {
    echo "redispair binary not found at ${REDISPAIR_BIN}: build first (make build) or set REDISPAIR_BIN" >&2
    return 1
  }
  command -v redis-server >/dev/null || {
    echo "redis-server not found: apt-get install redis-server" >&2
    return 1
  }
  export WORK="${BATS_FILE_TMPDIR}/redis"
  mkdir -p "${WORK}/master" "${WORK}/replica"
  export MASTER_PORT REPLICA_PORT
  MASTER_PORT="$(free_port)"
  REPLICA_PORT="$(free_port)"
  "${REDISPAIR_BIN}" render --launcher >"${WORK}/launcher.sh"
  "${REDISPAIR_BIN}" render -f "${RP}" --redis-config master >"${WORK}/master.conf.rendered"
  "${REDISPAIR_BIN}" render -f "${RP}" --redis-config replica >"${WORK}/replica.conf.rendered"
  localize "${WORK}/master.conf.rendered" "${MASTER_PORT}" "${WORK}/master" >"${WORK}/master.conf"
  localize "${WORK}/replica.conf.rendered" "${REPLICA_PORT}" "${WORK}/replica" >"${WORK}/replica.conf"
  start_role master
  start_role replica
  wait_for "${TIMEOUT_S}" link_up
}

teardown_file() {
  stop_role replica || true
  stop_role master || true
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# Rewrites only the pod-specific lines; everything else stays as rendered.
localize() {
  local file="$1" port="$2" dir="$3"
  sed -e "s|^bind .*|bind 127.0.0.1|" \
    -e "s|^port 6379$|port ${port}|" \
    -e "s|^dir /data$|dir ${dir}|" \
    -e "s|^replicaof .* 6379$|replicaof 127.0.0.1 ${MASTER_PORT}|" "${file}"
}

# Starts a role exactly as the container does: sh -c <launcher> with REDIS_CONFIG and the password
# in REDISCLI_AUTH. The launcher execs redis-server, so $! is the server's pid.
start_role() {
  local role="$1"
  REDIS_CONFIG="$(cat "${WORK}/${role}.conf")" REDISCLI_AUTH="${PASSWORD}" \
    sh -c "$(cat "${WORK}/launcher.sh")" >"${WORK}/${role}.log" 2>&1 3>&- &
  echo $! >"${WORK}/${role}.pid"
  disown  # a killed server is expected here; keep bash from reporting it
  wait_for "${TIMEOUT_S}" cli "${role}" ping
}

stop_role() {
  local role="$1" sig="${2:-TERM}" pid
  pid="$(cat "${WORK}/${role}.pid" 2>/dev/null)" || return 0
  kill "-${sig}" "${pid}" 2>/dev/null || return 0
  local i
  for ((i = 0; i < 100; i++)); do
    kill -0 "${pid}" 2>/dev/null || return 0
    sleep 0.1
  done
  return 1
}

port_of() { if [[ "$1" == master ]]; then echo "${MASTER_PORT}"; else echo "${REPLICA_PORT}"; fi; }

cli() {
  local role="$1"
  shift
  REDISCLI_AUTH="${PASSWORD}" redis-cli --no-auth-warning -h 127.0.0.1 -p "$(port_of "${role}")" "$@"
}

wait_for() {
  local timeout="$1"
  shift
  local start=${SECONDS}
  until "$@" >/dev/null 2>&1; do
    ((SECONDS - start < timeout)) || {
      echo "timed out after ${timeout}s: $*" >&2
      return 1
    }
    sleep 0.2
  done
}

link_up() { cli replica info replication | grep -q '^master_link_status:up'; }
replica_has() { [[ "$(cli replica get "$1")" == "$2" ]]; }

@test "the rendered launcher starts redis-server as the process itself (PID of sh becomes redis-server)" {
  local pid
  pid="$(cat "${WORK}/master.pid")"
  [[ "$(cat "/proc/${pid}/comm")" == redis-server ]]
}

@test "auth is enforced with the password from the environment, and it is in no argv" {
  run redis-cli -h 127.0.0.1 -p "${MASTER_PORT}" ping
  [[ "${output}" == *NOAUTH* ]]
  run redis-cli -h 127.0.0.1 -p "${MASTER_PORT}" --no-auth-warning -a wrong ping
  [[ "${output}" == *WRONGPASS* || "${output}" == *"invalid password"* ]]
  run -0 cli master ping
  [[ "${output}" == PONG ]]
  # The replica authenticates to the master with masterauth (its link is up only then).
  link_up
  local pid argv
  for pid in "$(cat "${WORK}/master.pid")" "$(cat "${WORK}/replica.pid")"; do
    argv="$(tr '\0' ' ' <"/proc/${pid}/cmdline")"
    [[ -n "${argv}" && "${argv}" != *w0rd* ]]
  done
}

@test "a replica started with the rendered config follows the master and is read-only" {
  cli master set greeting "hello world" >/dev/null
  wait_for "${TIMEOUT_S}" replica_has greeting "hello world"
  run cli replica set x y
  [[ "${output}" == *READONLY* ]]
  run -0 cli master info replication
  [[ "${output}" == *"connected_slaves:1"* ]]
}

# Surviving a SIGKILL cannot tell everysec from "no" (the kernel still has the page cache), so the
# fsync policy is asserted on the live server, as redis-server read the rendered configuration.
@test "the master runs with appendonly yes and appendfsync everysec, the replica with no AOF" {
  [[ "$(cli master config get appendonly)" == $'appendonly\nyes' ]]
  [[ "$(cli master config get appendfsync)" == $'appendfsync\neverysec' ]]
  [[ "$(cli master config get dir)" == $'dir\n'"${WORK}/master" ]]
  [[ "$(cli replica config get appendonly)" == $'appendonly\nno' ]]
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

@test "the rendered probes: liveness passes, master readiness passes, replica readiness tracks the link" {
  local probes="${WORK}/probes.json"
  "${REDISPAIR_BIN}" render -f "${RP}" >"${probes}"
  probe() {
    local kind="$1" role="$2" which="$3" script
    script="$(jq -r --arg k "${kind}" --arg p "${which}" \
      '.[] | select(.kind == $k) | .spec.template.spec.containers[0][$p].exec.command[2]' "${probes}")"
    REDISCLI_AUTH="${PASSWORD}" sh -c "${script//-p 6379/-p $(port_of "${role}")}"
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
}
