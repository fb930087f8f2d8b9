#!/usr/bin/env bats
# Watch liveness on the real API server. The operator reaches the API server through a TCP proxy
# (socat) that the test freezes with SIGSTOP: it stops forwarding without closing anything, as a
# half-open connection after a load-balancer failover or a frozen host would. While frozen, a child
# is deleted. The operator must find every watch dead within its idle timeout (75 s) and turn /readyz
# unready within its liveness bound (90 s) - the defaults, not shortened for the test - and once the
# proxy resumes, catch up: the child is recreated and /readyz is ready again. First, the same
# timeout must leave healthy watches alone: the API server's bookmarks reach every watch within it.

bats_require_minimum_version 1.5.0

load helpers
load lib/operator

NS=frozen-watch
RP_NAME=fw
# The operator's watch idle timeout (kube::kWatchIdleTimeout) and its bound on running without a live
# watch before /readyz says so (kube::kWatchLivenessBound), seconds.
WATCH_IDLE_TIMEOUT=75
WATCH_LIVENESS_BOUND=90
# The API server sends every watch a bookmark about once a minute; allow some lateness.
BOOKMARK_TIMEOUT=75
# Added to the bound for polling /readyz (every POLL_SECONDS) and one slow curl.
DETECT_SLACK=3
POLL_SECONDS=0.5
# After the proxy resumes: a watch attempt in flight completes, or the next one starts after a
# backoff of a few seconds.
RECOVERY_TIMEOUT=60
: "${REDISPAIR_TEST_PROXY_PORT:=$((REDISPAIR_OP_PORT + 100))}"
PROXY_DIR="${BATS_FILE_TMPDIR:-/tmp}/proxy"

k() { redispair::test::kubectl -n "${NS}" "$@"; }

now_ms() { date +%s%3N; }

readyz_code() {
  curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:${REDISPAIR_OP_PORT}/readyz" || true
}

proxy_listening() { (exec 3<>"/dev/tcp/127.0.0.1/${REDISPAIR_TEST_PROXY_PORT}") 2>/dev/null; }

# socat in its own process group (setsid), so that SIGSTOP reaches the connection children it forks.
proxy_start() {
  local upstream
  upstream="$(redispair::cp::apiserver_url)"
  upstream="${upstream#https://}"
  mkdir -p "${PROXY_DIR}"
  setsid socat "TCP-LISTEN:${REDISPAIR_TEST_PROXY_PORT},bind=127.0.0.1,reuseaddr,fork" "TCP:${upstream}" \
    >"${PROXY_DIR}/socat.log" 2>&1 3>&- &
  echo "$!" >"${PROXY_DIR}/pid"
  redispair::test::eventually 10 proxy_listening
  # setsid made socat a process group leader: its group id is its pid.
  [[ "$(ps -o pgid= -p "$(cat "${PROXY_DIR}/pid")" | tr -d ' ')" == "$(cat "${PROXY_DIR}/pid")" ]]
}

proxy_signal() {
  local pgid
  pgid="$(cat "${PROXY_DIR}/pid" 2>/dev/null)" || return 0
  kill "-$1" -- "-${pgid}" 2>/dev/null || true
}

proxy_stop() {
  proxy_signal CONT
  proxy_signal TERM
  rm -f "${PROXY_DIR}/pid"
}

setup_file() {
  redispair::test::ensure_control_plane
  redispair::test::apply_crd
  redispair::test::ensure_namespace "${NS}"
  if proxy_listening; then
    echo "port ${REDISPAIR_TEST_PROXY_PORT} is taken; set REDISPAIR_TEST_PROXY_PORT to a free one" >&2
    return 1
  fi
  proxy_start
  redispair::op::install_rbac "${NS}"
  date +%s >"${PROXY_DIR}/operator-started"
  REDISPAIR_OP_SERVER="https://127.0.0.1:${REDISPAIR_TEST_PROXY_PORT}" redispair::op::start "${NS}"
  sed -e "s/name: redis$/name: ${RP_NAME}/" -e "s/namespace: redis$/namespace: ${NS}/" \
    -e 's/nodePort: 32400/nodePort: 31510/' -e 's/nodePort: 32401/nodePort: 31511/' \
    "${REDISPAIR_TEST_ROOT}/deploy/redispair.yaml" | redispair::test::kubectl apply --server-side -f - >/dev/null
}

teardown_file() {
  proxy_stop
  redispair::op::stop || true
  redispair::test::kubectl delete redispair --all -n "${NS}" --wait=false >/dev/null 2>&1 || true
  redispair::test::release_control_plane
}

teardown() {
  if [[ -n "${BATS_TEST_COMPLETED:-}" ]]; then return 0; fi
  proxy_signal CONT # never leave the proxy frozen behind a failed test
  echo "# operator log (last 30 lines):" >&3
  tail -n 30 "$(redispair::op::log)" | sed 's/^/#   /' >&3
}

# The number of informers (one list each at least) and how many of them have had a bookmark.
informer_count() {
  curl -fsS "http://127.0.0.1:${REDISPAIR_OP_PORT}/metrics" | grep -c '^redispair_informer_lists_total{'
}
bookmarked_count() {
  curl -fsS "http://127.0.0.1:${REDISPAIR_OP_PORT}/metrics" |
    grep '^redispair_watch_events_total{.*type="BOOKMARK"}' | awk '$NF >= 1' | wc -l
}
every_informer_bookmarked() {
  local informers
  informers="$(informer_count)"
  ((informers > 0 && $(bookmarked_count) == informers))
}

idle_restarts() {
  curl -fsS "http://127.0.0.1:${REDISPAIR_OP_PORT}/metrics" |
    awk '/^redispair_watch_restarts_total\{.*reason="idle"/ { s += $NF } END { printf "%d\n", s }'
}

# Seconds from the freeze (epoch ms $2) to each idle-timeout failure in the operator's log $1, sorted.
idle_detections() {
  jq -r --argjson t0 "$2" \
    'select((.error? // "") | test("no data for [0-9]+ ms")) | (.ts | sub("\\.[0-9]+Z$"; "Z") | fromdate) * 1000 - $t0 | . / 1000 | floor' \
    "$1" | sort -n
}
# Every informer's watch has failed on its idle timeout (in log $1).
every_watch_found_dead() {
  local dead
  dead="$(jq -r 'select((.error? // "") | test("no data for [0-9]+ ms")) | .resource' "$1" | sort -u | wc -l)"
  ((dead == $(informer_count)))
}

children_exist() { k get "svc/${RP_NAME}-replica" "svc/${RP_NAME}-master" "deployment/${RP_NAME}-replica" >/dev/null; }
replica_service_exists() { k get "svc/${RP_NAME}-replica" >/dev/null 2>&1; }
is_ready() { [[ "$(readyz_code)" == 200 ]]; }

@test "bookmarks: every watch hears from the API server within the idle bound, and none is cut" {
  redispair::test::eventually 30 children_exist
  redispair::test::eventually "${BOOKMARK_TIMEOUT}" every_informer_bookmarked
  echo "# every one of $(informer_count) watches had a bookmark $(($(date +%s) - $(cat "${PROXY_DIR}/operator-started"))) s after the operator started" >&3
  [[ "$(idle_restarts)" == 0 ]]
  is_ready
}

@test "frozen watch: found dead within ${WATCH_IDLE_TIMEOUT} s, /readyz unready within ${WATCH_LIVENESS_BOUND} s then ready, the deleted child recreated" {
  redispair::test::eventually 30 children_exist
  redispair::test::eventually 30 is_ready
  local log frozen_at unready_at resumed_at recreated_at ready_at code body
  log="$(redispair::op::log)"
  proxy_signal STOP
  frozen_at="$(now_ms)"
  # Deleted behind the operator's back: the admin kubectl talks to the API server directly.
  k delete svc "${RP_NAME}-replica" --wait=false >/dev/null

  code="$(readyz_code)"
  while [[ "${code}" == 200 ]]; do
    if (($(now_ms) - frozen_at > (WATCH_LIVENESS_BOUND + DETECT_SLACK) * 1000)); then
      echo "/readyz still 200 after $((WATCH_LIVENESS_BOUND + DETECT_SLACK)) s frozen" >&2
      return 1
    fi
    sleep "${POLL_SECONDS}"
    code="$(readyz_code)"
  done
  unready_at="$(now_ms)"
  [[ "${code}" == 503 ]]
  body="$(curl -s "http://127.0.0.1:${REDISPAIR_OP_PORT}/readyz")"
  [[ "${body}" == *"no live watch for "* ]]
  echo "# /readyz unready $(((unready_at - frozen_at) / 1000)) s after the freeze: ${body}" >&3

  # Every informer gives its watch up when the idle timeout fires (each at its own time: a bound
  # after the last bookmark it had before the freeze); the proxy stays frozen until all did, so that
  # catching up below needs new watches, not a paused one resuming.
  redispair::test::eventually $((WATCH_IDLE_TIMEOUT + DETECT_SLACK)) every_watch_found_dead "${log}"
  local detections last
  detections="$(idle_detections "${log}" "${frozen_at}" | tr '\n' ' ')"
  echo "# watches found dead, seconds after the freeze: ${detections}(idle timeout ${WATCH_IDLE_TIMEOUT} s)" >&3
  last="$(idle_detections "${log}" "${frozen_at}" | tail -n 1)"
  ((last <= WATCH_IDLE_TIMEOUT))

  # Nothing reaches the operator while the proxy is frozen: the child is still gone.
  run -1 k get svc "${RP_NAME}-replica"
  [[ "${output}" == *NotFound* ]]

  proxy_signal CONT
  resumed_at="$(now_ms)"
  redispair::test::eventually "${RECOVERY_TIMEOUT}" replica_service_exists
  recreated_at="$(now_ms)"
  redispair::test::eventually "${RECOVERY_TIMEOUT}" is_ready
  ready_at="$(now_ms)"
  echo "# after the proxy resumed: child recreated in $((recreated_at - resumed_at)) ms, /readyz ready in $((ready_at - resumed_at)) ms" >&3
  (($(idle_restarts) >= $(informer_count)))
}
