# shellcheck shell=bash
# Helpers for test/e2e/data-safety.bats and bench/refill: data written from the host through the master's
# NodePort, and counted inside the pods, where a pod that is not ready (a replica whose master is down) still
# answers. "Nothing lost" is counted in keys: every key of a set is read back and compared with its value.
#
#   redispair::data::fill PREFIX N [VALUE_BYTES]   SET PREFIX:i to PREFIX-v:i (padded to VALUE_BYTES) for i in
#                                                  1..N, pipelined through the master's NodePort
#   redispair::data::good ROLE PREFIX N [VALUE_BYTES]   how many of PREFIX:1..N hold their value on ROLE's pod
#   redispair::data::pod_cli ROLE ARGS...          redis-cli inside ROLE's live pod (the operator's password,
#                                                  which the pod has in REDISCLI_AUTH)
#   redispair::data::info ROLE SECTION FIELD       one field of INFO SECTION on ROLE's pod
#   redispair::data::condition FIELD [TYPE]        a field of a condition of RedisPair redis (default
#                                                  MasterDataLost)
#   redispair::data::events REASON                 the notes of the Events with REASON about RedisPair redis

[[ -n "${REDISPAIR_E2E_DATA_LOADED:-}" ]] && return 0
REDISPAIR_E2E_DATA_LOADED=1

# The value of key i of a set: "<prefix>-v:<i>", padded with "x" to the given size.
redispair::data::_values() {
  local prefix="$1" n="$2" bytes="${3:-0}"
  awk -v p="${prefix}" -v n="${n}" -v b="${bytes}" 'BEGIN {
    pad = ""; for (j = 0; j < b; j++) pad = pad "x"
    for (i = 1; i <= n; i++) printf "SET %s:%d %s-v:%d%s\r\n", p, i, p, i, substr(pad, 1, b)
  }'
}

redispair::data::fill() {
  local prefix="$1" n="$2" bytes="${3:-0}" ip out
  ip="$(redispair::cluster::node_ip "${REDISPAIR_NODES[0]}")"
  out="$(redispair::data::_values "${prefix}" "${n}" "${bytes}" |
    REDISCLI_AUTH="$(redispair::e2e::password)" redis-cli --no-auth-warning -h "${ip}" -p "${E2E_MASTER_PORT}" --pipe 2>&1)"
  [[ "${out}" == *"errors: 0, replies: ${n}"* ]] || {
    echo "fill ${prefix} ${n}: ${out}" >&2
    return 1
  }
}

redispair::data::pod_cli() {
  local role="$1" pod
  shift
  pod="$(redispair::e2e::pod "${role}")"
  [[ -n "${pod}" ]] || return 1
  redispair::e2e::k exec "${pod}" -c redis -- redis-cli --no-auth-warning -p 6379 "$@"
}

# One script reads every key of the set and counts those holding their value: EVAL_RO, so that a replica
# answers it too.
redispair::data::good() {
  local role="$1" prefix="$2" n="$3" bytes="${4:-0}"
  # shellcheck disable=SC2016 # Lua, not shell
  redispair::data::pod_cli "${role}" EVAL_RO '
    local pad = string.rep("x", tonumber(ARGV[3]))
    local good = 0
    for i = 1, tonumber(ARGV[2]) do
      if redis.call("GET", ARGV[1] .. ":" .. i) == ARGV[1] .. "-v:" .. i .. pad then good = good + 1 end
    end
    return good' 0 "${prefix}" "${n}" "${bytes}"
}

redispair::data::info() {
  redispair::data::pod_cli "$1" INFO "$2" | tr -d '\r' | sed -n "s/^$3://p"
}

redispair::data::condition() {
  local field="$1" type="${2:-MasterDataLost}"
  redispair::e2e::k get rp "${E2E_RP}" -o jsonpath="{.status.conditions[?(@.type==\"${type}\")].${field}}"
}

redispair::data::events() {
  redispair::e2e::k get events.events.k8s.io -o json |
    jq -r --arg r "$1" --arg n "${E2E_RP}" \
      '.items[] | select(.regarding.kind == "RedisPair" and .regarding.name == $n and .reason == $r) | .note'
}
