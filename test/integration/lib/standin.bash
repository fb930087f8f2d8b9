# shellcheck shell=bash
# Playing the kubelet on the control plane, which has none: stand-in Nodes kept Ready by heartbeats, real
# redis-server processes running the configuration the operator rendered into a workload, and its pods
# reported bound, running and ready on loopback addresses. For tests and benchmarks that need a RedisPair to be
# Ready without real nodes (the kubelet-backed tests are in test/e2e).
#
#   redispair::standin::add_nodes NODE...          tainted stand-in Nodes (the scheduler places nothing there)
#   redispair::standin::remove_nodes NODE...
#   redispair::standin::heartbeat NODE...          reports each Node Ready now (a kubelet does every 10 s); without
#                                                  one, the node lifecycle controller marks it NotReady after its
#                                                  grace period (~50 s) and its pods not ready
#   redispair::standin::keep_alive DIR NODE...     heartbeats every 10 s in the background until stop_keep_alive DIR
#   redispair::standin::stop_keep_alive DIR
#   redispair::standin::start_redis NS WORKLOAD IP DIR MASTER_IP PASSWORD
#                                                  runs WORKLOAD's container launcher with its REDIS_CONFIG, rewritten
#                                                  only where a pod differs from loopback (bind, dir, master host);
#                                                  logs to DIR/redis.log, pid in DIR/redis.pid
#   redispair::standin::stop_redis DIR
#   redispair::standin::play_kubelet NS POD NODE IP  binds POD to NODE, then reports it Running and Ready with IP
#
# Needs redispair::test::kubectl (helpers.bash).

[[ -n "${REDISPAIR_STANDIN_LOADED:-}" ]] && return 0
REDISPAIR_STANDIN_LOADED=1

: "${REDISPAIR_STANDIN_HEARTBEAT_SECONDS:=10}"

redispair::standin::add_nodes() {
  local node
  for node in "$@"; do
    redispair::test::kubectl apply -f - >/dev/null <<NODE
apiVersion: v1
kind: Node
metadata:
  name: ${node}
  labels: {kubernetes.io/hostname: ${node}, redispair.io/test: stand-in}
spec:
  taints: [{key: redispair.io/stand-in, value: "true", effect: NoSchedule}]
NODE
  done
}

redispair::standin::remove_nodes() {
  redispair::test::kubectl delete node "$@" --ignore-not-found >/dev/null
}

redispair::standin::heartbeat() {
  local node now
  now="$(date -u +%FT%TZ)"
  for node in "$@"; do
    redispair::test::kubectl patch node "${node}" --subresource=status --type=merge -p \
      "{\"status\":{\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\",\"reason\":\"StandIn\",\"lastHeartbeatTime\":\"${now}\",\"lastTransitionTime\":\"${now}\"}]}}" >/dev/null
  done
}

redispair::standin::keep_alive() {
  local dir="$1"
  shift
  mkdir -p "${dir}"
  (
    while true; do
      redispair::standin::heartbeat "$@" || true # the next beat tries again
      sleep "${REDISPAIR_STANDIN_HEARTBEAT_SECONDS}"
    done
  ) >/dev/null 2>&1 3>&- &
  echo $! >"${dir}/heartbeat.pid"
}

redispair::standin::stop_keep_alive() {
  local pid
  pid="$(cat "$1/heartbeat.pid" 2>/dev/null)" || return 0
  kill "${pid}" 2>/dev/null || true # already gone is fine
  rm -f "$1/heartbeat.pid"
}

redispair::standin::start_redis() {
  local ns="$1" workload="$2" ip="$3" dir="$4" master_ip="$5" password="$6" config launcher
  mkdir -p "${dir}"
  config="$(redispair::test::kubectl -n "${ns}" get "${workload}" \
    -o 'jsonpath={.spec.template.spec.containers[0].env[?(@.name=="REDIS_CONFIG")].value}')"
  launcher="$(redispair::test::kubectl -n "${ns}" get "${workload}" -o 'jsonpath={.spec.template.spec.containers[0].args[2]}')"
  config="$(sed -e "s|^bind .*|bind ${ip}|" -e "s|^dir /data$|dir ${dir}|" \
    -e "s|^replicaof .* 6379$|replicaof ${master_ip} 6379|" <<<"${config}")"
  REDIS_CONFIG="${config}" REDISCLI_AUTH="${password}" sh -c "${launcher}" >"${dir}/redis.log" 2>&1 3>&- &
  echo $! >"${dir}/redis.pid"
  disown
}

redispair::standin::stop_redis() {
  local pid
  pid="$(cat "$1/redis.pid" 2>/dev/null)" || return 0
  kill "${pid}" 2>/dev/null || true # already gone is fine
  rm -f "$1/redis.pid"
}

redispair::standin::play_kubelet() {
  local ns="$1" pod="$2" node="$3" ip="$4"
  redispair::test::kubectl create --raw "/api/v1/namespaces/${ns}/pods/${pod}/binding" -f - >/dev/null <<BINDING
{"apiVersion":"v1","kind":"Binding","metadata":{"name":"${pod}"},"target":{"apiVersion":"v1","kind":"Node","name":"${node}"}}
BINDING
  redispair::test::kubectl -n "${ns}" patch pod "${pod}" --subresource=status --type=merge -p "{\"status\":{\"phase\":\"Running\",\"hostIP\":\"${ip}\",\"podIP\":\"${ip}\",\"podIPs\":[{\"ip\":\"${ip}\"}],\"conditions\":[{\"type\":\"PodScheduled\",\"status\":\"True\"},{\"type\":\"Ready\",\"status\":\"True\"}]}}" >/dev/null
}
