# shellcheck shell=bash
# Helpers for the suites in test/redis/: real redis-server processes on loopback, started exactly as a pod
# starts them (the rendered launcher, with the rendered config in REDIS_CONFIG and the passwords in the
# environment), with only what makes sense inside a pod rewritten for loopback: bind, port, dir, the
# master's DNS name and the replicas' headless Service.
#
#   redis::setup_work                     WORK, MASTER_PORT, REPLICA_PORT, launcher and localized configs
#   redis::start ROLE [VAR=VALUE...]      starts ROLE (master|replica) in the background; extra environment
#                                         for the launcher; waits until it answers
#   redis::launch ROLE [VAR=VALUE...]     the same without waiting (for a launcher that must not start)
#   redis::stop ROLE [SIGNAL]             stops it and waits
#   redis::cli ROLE ARGS...               redis-cli to ROLE with the clients' password
#   redis::op_cli ROLE ARGS...            the same with the operator's password
#   redis::wait_for SECS CMD...           polls CMD every 0.2 s until it succeeds, or fails after SECS
#   redis::info ROLE SECTION FIELD        one field of INFO SECTION
#
# Named timeouts (seconds):
: "${REDIS_TIMEOUT:=15}" # replication, restarts and refills of small data sets

: "${REDISPAIR_BIN:=${BATS_TEST_DIRNAME}/../../build/operator/redispair}"
REDIS_RP="${BATS_TEST_DIRNAME}/../../deploy/redispair.yaml"
# The clients' password, with every character the launcher must handle: quote, backslash, space, $.
# shellcheck disable=SC2016 # the $ is part of the password, not an expansion
PASSWORD='p"a\ss w0rd$x'
# The operator's own password (generated in a cluster: 32 alphanumerics).
OP_PASSWORD='Op3ratorOp3ratorOp3ratorOp3rator'

redis::require() {
  [[ -x "${REDISPAIR_BIN}" ]] || {
    echo "redispair binary not found at ${REDISPAIR_BIN}: build first (make build) or set REDISPAIR_BIN" >&2
    return 1
  }
  command -v redis-server >/dev/null || {
    echo "redis-server not found: apt-get install redis-server" >&2
    return 1
  }
}

redis::free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# Rewrites only the pod-specific lines; everything else stays as rendered.
redis::localize() {
  local file="$1" port="$2" dir="$3"
  sed -e "s|^bind .*|bind 127.0.0.1|" \
    -e "s|^port 6379$|port ${port}|" \
    -e "s|^dir /data$|dir ${dir}|" \
    -e "s|^replicaof .* 6379$|replicaof 127.0.0.1 ${MASTER_PORT}|" "${file}"
}

redis::setup_work() {
  redis::require
  export WORK="${BATS_FILE_TMPDIR}/redis"
  mkdir -p "${WORK}/master" "${WORK}/replica"
  export MASTER_PORT REPLICA_PORT
  MASTER_PORT="$(redis::free_port)"
  REPLICA_PORT="$(redis::free_port)"
  "${REDISPAIR_BIN}" render --launcher >"${WORK}/launcher.sh"
  "${REDISPAIR_BIN}" render -f "${REDIS_RP}" --redis-config master >"${WORK}/master.conf.rendered"
  "${REDISPAIR_BIN}" render -f "${REDIS_RP}" --redis-config replica >"${WORK}/replica.conf.rendered"
  redis::localize "${WORK}/master.conf.rendered" "${MASTER_PORT}" "${WORK}/master" >"${WORK}/master.conf"
  redis::localize "${WORK}/replica.conf.rendered" "${REPLICA_PORT}" "${WORK}/replica" >"${WORK}/replica.conf"
}

redis::port_of() { if [[ "$1" == master ]]; then echo "${MASTER_PORT}"; else echo "${REPLICA_PORT}"; fi; }

# Starts ROLE exactly as the container does: sh -c <launcher>. The launcher execs redis-server, so $! is
# the server's pid once it runs. Appends to the role's log.
redis::launch() {
  local role="$1"
  shift
  env REDIS_CONFIG="$(cat "${WORK}/${role}.conf")" REDISPAIR_PASSWORD="${PASSWORD}" REDISCLI_AUTH="${OP_PASSWORD}" \
    "$@" sh -c "$(cat "${WORK}/launcher.sh")" >>"${WORK}/${role}.log" 2>&1 3>&- &
  echo $! >"${WORK}/${role}.pid"
  disown # a killed server is expected here; keep bash from reporting it
}

redis::start() {
  redis::launch "$@"
  redis::wait_for "${REDIS_TIMEOUT}" redis::op_cli "$1" ping
}

redis::stop() {
  local role="$1" sig="${2:-TERM}" pid i
  pid="$(cat "${WORK}/${role}.pid" 2>/dev/null)" || return 0
  kill "-${sig}" "${pid}" 2>/dev/null || return 0
  for ((i = 0; i < 100; i++)); do
    kill -0 "${pid}" 2>/dev/null || return 0
    sleep 0.1
  done
  return 1
}

redis::cli() {
  local role="$1"
  shift
  REDISCLI_AUTH="${PASSWORD}" redis-cli --no-auth-warning -h 127.0.0.1 -p "$(redis::port_of "${role}")" "$@"
}

redis::op_cli() {
  local role="$1"
  shift
  REDISCLI_AUTH="${OP_PASSWORD}" redis-cli --no-auth-warning -h 127.0.0.1 -p "$(redis::port_of "${role}")" "$@"
}

redis::wait_for() {
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

redis::info() {
  redis::op_cli "$1" INFO "$2" | tr -d '\r' | sed -n "s/^$3://p"
}
