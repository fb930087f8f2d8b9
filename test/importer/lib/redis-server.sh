# shellcheck shell=bash
# A throwaway redis-server for the importer tests and benchmarks, plus a byte-exact snapshot of
# its data. Sourcing only defines functions and defaulted variables.
#
#   redispair::testredis::start DIR [redis-server flags...]   sets REDIS_PORT and REDIS_PID
#   redispair::testredis::stop [PID]                           tolerates an unset or dead PID
#   redispair::testredis::snapshot PORT                        sorted "key type ttl dump" lines
#
# The server listens on a random free loopback port (never 6379), keeps nothing on disk
# (--save '' --appendonly no) and lives in DIR, so it cannot touch a system Redis.

[[ -n "${REDISPAIR_TESTREDIS_SH_LOADED:-}" ]] && return 0
REDISPAIR_TESTREDIS_SH_LOADED=1

# shellcheck source=scripts/lib/log.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)/scripts/lib/log.sh"

# Seconds to wait for a started server to answer PING.
: "${REDISPAIR_TESTREDIS_START_TIMEOUT:=10}"

redispair::testredis::check_prerequisites() {
  local tool
  for tool in redis-server redis-cli; do
    if ! command -v "${tool}" >/dev/null 2>&1; then
      redispair::log::error "${tool} not found; install it with: apt-get install -y redis-server redis-tools"
      return 1
    fi
  done
}

# Prints a loopback port nothing listens on (a race with other processes is handled by start()).
redispair::testredis::pick_port() {
  local port attempt
  for attempt in {1..100}; do
    port=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/${port}") 2>/dev/null; then
      printf '%s\n' "${port}"
      return 0
    fi
  done
  redispair::log::error "no free loopback port found after ${attempt} attempts"
  return 1
}

# True once the server on port $1 answers (PONG, or NOAUTH when it requires a password).
redispair::testredis::_answers() {
  local port="$1" reply
  reply="$(REDISCLI_AUTH='' redis-cli -p "${port}" PING 2>/dev/null)" || return 1
  [[ "${reply}" == PONG || "${reply}" == NOAUTH* ]]
}

redispair::testredis::start() {
  local dir="$1"
  shift
  local attempt port pid waited
  redispair::testredis::check_prerequisites || return 1
  for attempt in 1 2 3 4 5; do
    port="$(redispair::testredis::pick_port)" || return 1
    # 3>&- keeps bats from waiting on the server's inherited descriptor.
    redis-server --port "${port}" --bind 127.0.0.1 --save '' --appendonly no \
      --dir "${dir}" --logfile "${dir}/redis-${port}.log" --daemonize no "$@" \
      </dev/null >/dev/null 2>&1 3>&- &
    pid=$!
    for ((waited = 0; waited < REDISPAIR_TESTREDIS_START_TIMEOUT * 10; waited++)); do
      if redispair::testredis::_answers "${port}"; then
        REDIS_PORT="${port}"
        REDIS_PID="${pid}"
        export REDIS_PORT REDIS_PID
        return 0
      fi
      kill -0 "${pid}" 2>/dev/null || break # died: most likely the port was taken meanwhile
      sleep 0.1
    done
    redispair::testredis::stop "${pid}"
  done
  redispair::log::error "redis-server did not start (attempt ${attempt}); see ${dir}/redis-*.log"
  return 1
}

redispair::testredis::stop() {
  local pid="${1:-}"
  [[ -n "${pid}" ]] || return 0
  kill "${pid}" 2>/dev/null || return 0
  wait "${pid}" 2>/dev/null || true # its exit status after SIGTERM says nothing useful
}

# Prints every key of database 0 except the importer's own redispair:imports, sorted, one line
# each: the key and its DUMP payload as redis-cli quotes them (so any byte difference shows),
# its type and whether it has a TTL. Uses REDISCLI_AUTH from the environment, like redis-cli.
redispair::testredis::snapshot() {
  local port="$1"
  local keys
  keys="$(redis-cli -p "${port}" --no-raw KEYS '*' | sed -E 's/^ *[0-9]+\) //' |
    grep -vxF -e '"redispair:imports"' -e '(empty array)' | LC_ALL=C sort)" || true
  [[ -n "${keys}" ]] || return 0
  # Each key is printed in redis-cli's quoted form, which redis-cli parses back exactly.
  awk '{ print "TYPE " $0; print "TTL " $0; print "DUMP " $0 }' <<<"${keys}" |
    redis-cli -p "${port}" --no-raw |
    paste - - - |
    paste <(printf '%s\n' "${keys}") - |
    awk -F '\t' -v OFS='\t' '{ ttl = ($3 == "(integer) -1") ? "no-ttl" : "ttl"; print $1, $2, ttl, $4 }'
}
