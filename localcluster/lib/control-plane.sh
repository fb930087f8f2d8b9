# shellcheck shell=bash
# The local test control plane (etcd, kube-apiserver, kube-controller-manager, kube-scheduler) as
# plain background processes, for control-plane-up.sh / control-plane-down.sh and the integration tests.
# Sourcing this file only defines functions and defaulted variables: nothing runs, no shell option changes,
# and nothing here calls exit.
#
# For tests:
#   redispair::cp::kubectl ARGS...        the pinned kubectl with the cluster's admin kubeconfig
#   redispair::cp::kubeconfig             prints the admin kubeconfig path
#   redispair::cp::wait_ready [SECONDS]   waits for kube-apiserver /readyz (default CP_READY_TIMEOUT)
#   redispair::cp::is_healthy             0 when every component runs and /readyz answers ok
#   redispair::cp::stop_apiserver         stops kube-apiserver only (etcd and the controllers keep running)
#   redispair::cp::start_apiserver        starts it again with the same flags and waits for /readyz
#   redispair::cp::restart_apiserver      both of the above
#   redispair::cp::etcd_revision          prints etcd's current revision
#   redispair::cp::etcd_compact [REV]     compacts etcd history up to REV (default: the current revision)
#   redispair::cp::expire_watch_history   compaction + apiserver restart: any resourceVersion older than now
#                                         then gets 410 Gone / "too old resource version" on watch
#
# Every knob below can be set in the environment before sourcing (or before running the scripts).

[[ -n "${REDISPAIR_CP_SH_LOADED:-}" ]] && return 0
REDISPAIR_CP_SH_LOADED=1

REDISPAIR_CP_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=scripts/lib/log.sh
source "${REDISPAIR_CP_ROOT}/scripts/lib/log.sh"
# shellcheck source=scripts/lib/process.sh
source "${REDISPAIR_CP_ROOT}/scripts/lib/process.sh"
# shellcheck source=localcluster/versions.sh
source "${REDISPAIR_CP_ROOT}/localcluster/versions.sh"
# shellcheck source=localcluster/lib/pki.sh
source "${REDISPAIR_CP_ROOT}/localcluster/lib/pki.sh"

# State (PKI, etcd data, logs, pid files, kubeconfigs). Outside the repo; survives until --purge.
: "${REDISPAIR_CLUSTER_DIR:=/tmp/redispair-cluster}"
# Ports. etcd sits off its usual 2379/2380 so that it never meets a system etcd (Debian's, minikube's).
: "${ETCD_CLIENT_PORT:=23790}"
: "${ETCD_PEER_PORT:=23800}"
: "${APISERVER_PORT:=6443}"
: "${KCM_PORT:=10257}"
: "${SCHEDULER_PORT:=10259}"
# 0.0.0.0 so that kubelets in network namespaces (a later step) can reach the API server on a host-side address.
: "${APISERVER_BIND_ADDRESS:=0.0.0.0}"
# The address published in the `kubernetes` Service's endpoints. It may not be loopback (endpoint validation
# refuses 127.0.0.0/8), so empty means "let kube-apiserver pick the default-route interface". It is added to the
# serving certificate.
: "${APISERVER_ADVERTISE_ADDRESS:=}"
# Hook for more serving-certificate SANs (space or comma separated IPs / DNS names), e.g. the host side of the
# veth pairs that kubelet nodes in network namespaces use. New entries re-issue the certificate (and restart
# kube-apiserver) on the next up; entries are only ever added, never dropped, until --purge.
: "${APISERVER_EXTRA_SANS:=}"
: "${SERVICE_CIDR:=10.96.0.0/12}"
# First IP of SERVICE_CIDR: the ClusterIP of the `kubernetes` Service, so it must be in the certificate.
: "${SERVICE_CIDR_FIRST_IP:=10.96.0.1}"
: "${SERVICE_NODE_PORT_RANGE:=30000-32767}"
# Extra flags, split on whitespace, appended last (so they win).
: "${ETCD_EXTRA_ARGS:=}"
: "${APISERVER_EXTRA_ARGS:=}"
# The API server's audit log: requests of service accounts outside kube-system (the policy file says which), so
# that tests can compare what a component did with what its RBAC grants. Empty APISERVER_AUDIT_LOG turns it off.
: "${APISERVER_AUDIT_POLICY:=${REDISPAIR_CP_ROOT}/localcluster/audit-policy.yaml}"
: "${APISERVER_AUDIT_LOG:=${REDISPAIR_CLUSTER_DIR}/logs/audit.log}"
: "${KCM_EXTRA_ARGS:=}"
: "${SCHEDULER_EXTRA_ARGS:=}"
# Named timeouts (seconds); the poll interval is REDISPAIR_PROCESS_POLL_INTERVAL (scripts/lib/process.sh).
: "${CP_ETCD_TIMEOUT:=30}"
: "${CP_READY_TIMEOUT:=120}"
: "${CP_HEALTHZ_TIMEOUT:=60}"
: "${CP_STOP_TIMEOUT:=20}"
: "${CP_LOCK_TIMEOUT:=300}"

# Components in start order; stop goes the other way.
REDISPAIR_CP_COMPONENTS=(etcd kube-apiserver kube-controller-manager kube-scheduler)

redispair::cp::pki_dir() { printf '%s\n' "${REDISPAIR_CLUSTER_DIR}/pki"; }
redispair::cp::kubeconfig() { printf '%s\n' "${REDISPAIR_CLUSTER_DIR}/kubeconfig"; }
redispair::cp::log_file() { printf '%s\n' "${REDISPAIR_CLUSTER_DIR}/logs/$1.log"; }
redispair::cp::_pid_file() { printf '%s\n' "${REDISPAIR_CLUSTER_DIR}/run/$1.pid"; }
redispair::cp::apiserver_url() { printf 'https://127.0.0.1:%s\n' "${APISERVER_PORT}"; }
redispair::cp::etcd_url() { printf 'http://127.0.0.1:%s\n' "${ETCD_CLIENT_PORT}"; }

redispair::cp::kubectl() {
  "${K8S_BIN_DIR}/kubectl" --kubeconfig "$(redispair::cp::kubeconfig)" "$@"
}

# The poll loop of scripts/lib/process.sh under its old name, which lib/addons.sh still calls.
redispair::cp::poll() { redispair::process::poll "$@"; }

# Takes an exclusive lock on the state dir for the rest of the calling process, so that two concurrent
# up/down runs (parallel bats files, two engineers) do not both start etcd. Daemons do not inherit it.
redispair::cp::lock() {
  mkdir -p "${REDISPAIR_CLUSTER_DIR}"
  exec {REDISPAIR_CP_LOCK_FD}>"${REDISPAIR_CLUSTER_DIR}/.lock"
  if ! flock -w "${CP_LOCK_TIMEOUT}" "${REDISPAIR_CP_LOCK_FD}"; then
    redispair::log::error "another control-plane-up/down holds ${REDISPAIR_CLUSTER_DIR}/.lock after ${CP_LOCK_TIMEOUT}s"
    return 1
  fi
}

# ---- processes (scripts/lib/process.sh) -------------------------------------------------------------------

# Prints the pid of COMPONENT when its pid file names a live process running that binary; else returns 1.
# A stale pid file (process gone, or the pid reused by something else) counts as not running.
redispair::cp::pid() { redispair::process::pid "$(redispair::cp::_pid_file "$1")" "$1"; }

redispair::cp::running() { redispair::cp::pid "$1" >/dev/null; }

# Starts "$@" as COMPONENT, detached, logging to logs/COMPONENT.log, and waits until it runs.
redispair::cp::_spawn() {
  local comp="$1"
  shift
  redispair::process::start "$(redispair::cp::_pid_file "${comp}")" "${comp}" "$(redispair::cp::log_file "${comp}")" \
    "${comp}" "$@"
}

# Stops COMPONENT: SIGTERM, then SIGKILL after CP_STOP_TIMEOUT seconds. Not running (or a stale pid file) is fine.
redispair::cp::stop() {
  redispair::process::stop "$(redispair::cp::_pid_file "$1")" "$1" "$1" "${CP_STOP_TIMEOUT}"
}

# Fails with a clear message when PORT on 127.0.0.1 is already taken (by something that is not ours).
redispair::cp::_check_port_free() {
  local comp="$1" port="$2" holder
  holder="$(ss -Hltnp "sport = :${port}" 2>/dev/null)" || true # no ss output means free
  if [[ -n "${holder}" ]]; then
    redispair::log::error "port ${port} needed by ${comp} is already in use: ${holder}"
    redispair::log::error "stop that process or pick another port (see --help for the *_PORT variables)"
    return 1
  fi
}

# ---- components --------------------------------------------------------------------------------------------

redispair::cp::_etcd_healthy() {
  curl -fsS --max-time 2 "$(redispair::cp::etcd_url)/health" 2>/dev/null | grep -q '"health":"true"'
}

redispair::cp::start_etcd() {
  redispair::cp::running etcd && return 0
  redispair::cp::_check_port_free etcd "${ETCD_CLIENT_PORT}" || return 1
  redispair::cp::_check_port_free etcd "${ETCD_PEER_PORT}" || return 1
  local peer="http://127.0.0.1:${ETCD_PEER_PORT}"
  local -a args=(
    --name=redispair
    --data-dir="${REDISPAIR_CLUSTER_DIR}/etcd"
    --listen-client-urls="$(redispair::cp::etcd_url)"
    --advertise-client-urls="$(redispair::cp::etcd_url)"
    --listen-peer-urls="${peer}"
    --initial-advertise-peer-urls="${peer}"
    --initial-cluster="redispair=${peer}"
    --initial-cluster-state=new
    # As kubeadm (and so minikube) runs etcd (cmd/kubeadm/app/phases/etcd/local.go): progress
    # notifications move the API server's watch caches forward on quiet resources, so that every
    # watch gets its bookmark about once a minute (the operator's watch idle timeout relies on it).
    --watch-progress-notify-interval=5s
    --log-level=warn
  )
  # shellcheck disable=SC2206 # word splitting of the *_EXTRA_ARGS strings is the documented contract
  args+=(${ETCD_EXTRA_ARGS})
  redispair::log::step "starting etcd on $(redispair::cp::etcd_url)"
  redispair::cp::_spawn etcd "${K8S_BIN_DIR}/etcd" "${args[@]}"
}

redispair::cp::wait_etcd() {
  if ! redispair::process::poll "${CP_ETCD_TIMEOUT}" "etcd /health" redispair::cp::_etcd_healthy; then
    redispair::log::error "etcd not healthy after ${CP_ETCD_TIMEOUT}s; see $(redispair::cp::log_file etcd)"
    return 1
  fi
}

redispair::cp::apiserver_sans() {
  local -a extra=()
  # shellcheck disable=SC2206 # split the documented space/comma list
  extra=(${APISERVER_EXTRA_SANS//,/ })
  redispair::pki::san_list 127.0.0.1 "${SERVICE_CIDR_FIRST_IP}" ${APISERVER_ADVERTISE_ADDRESS:+"${APISERVER_ADVERTISE_ADDRESS}"} \
    "${extra[@]}" localhost kubernetes kubernetes.default kubernetes.default.svc kubernetes.default.svc.cluster.local
}

redispair::cp::start_apiserver_process() {
  redispair::cp::running kube-apiserver && return 0
  redispair::cp::_check_port_free kube-apiserver "${APISERVER_PORT}" || return 1
  local pki
  pki="$(redispair::cp::pki_dir)"
  local -a args=(
    --etcd-servers="$(redispair::cp::etcd_url)"
    --bind-address="${APISERVER_BIND_ADDRESS}"
    --secure-port="${APISERVER_PORT}"
    --tls-cert-file="${pki}/apiserver.crt"
    --tls-private-key-file="${pki}/apiserver.key"
    --client-ca-file="${pki}/ca.crt"
    --kubelet-client-certificate="${pki}/apiserver-kubelet-client.crt"
    --kubelet-client-key="${pki}/apiserver-kubelet-client.key"
    "--kubelet-preferred-address-types=InternalIP,Hostname"
    --service-account-issuer=https://kubernetes.default.svc.cluster.local
    --service-account-key-file="${pki}/sa.pub"
    --service-account-signing-key-file="${pki}/sa.key"
    --service-cluster-ip-range="${SERVICE_CIDR}"
    --service-node-port-range="${SERVICE_NODE_PORT_RANGE}"
    "--authorization-mode=Node,RBAC"
    # The default plugin list (which has PodSecurity) plus NodeRestriction, as kubeadm and minikube run it.
    # OwnerReferencesPermissionEnforcement as on OpenShift: setting blockOwnerDeletion needs update on the owner's
    # finalizers, which the operator's Role must then grant.
    "--enable-admission-plugins=NodeRestriction,OwnerReferencesPermissionEnforcement"
    --allow-privileged=true
    # Without a grace period, SIGTERM leaves kube-apiserver waiting ~60 s for open watch connections (from the
    # controller-manager, the scheduler, the operator) before it exits; with one it closes them and exits in ~2 s.
    --shutdown-watch-termination-grace-period=2s
    --profiling=false
    --v=1
  )
  [[ -n "${APISERVER_ADVERTISE_ADDRESS}" ]] && args+=(--advertise-address="${APISERVER_ADVERTISE_ADDRESS}")
  if [[ -n "${APISERVER_AUDIT_LOG}" ]]; then
    args+=(--audit-policy-file="${APISERVER_AUDIT_POLICY}" --audit-log-path="${APISERVER_AUDIT_LOG}"
      --audit-log-maxsize=100 --audit-log-maxbackup=1)
  fi
  # shellcheck disable=SC2206 # word splitting of the *_EXTRA_ARGS strings is the documented contract
  args+=(${APISERVER_EXTRA_ARGS})
  redispair::log::step "starting kube-apiserver on $(redispair::cp::apiserver_url)"
  redispair::cp::_spawn kube-apiserver "${K8S_BIN_DIR}/kube-apiserver" "${args[@]}"
}

redispair::cp::_readyz() {
  [[ "$(redispair::cp::kubectl --request-timeout=3s get --raw /readyz 2>/dev/null)" == "ok" ]]
}

# Waits for kube-apiserver /readyz. On timeout prints the failing checks and the end of its log.
redispair::cp::wait_ready() {
  local timeout="${1:-${CP_READY_TIMEOUT}}"
  if ! redispair::process::poll "${timeout}" "kube-apiserver /readyz" redispair::cp::_readyz; then
    redispair::log::error "kube-apiserver not ready after ${timeout}s"
    redispair::cp::kubectl --request-timeout=3s get --raw '/readyz?verbose' 2>&1 | grep -v '\] ok$' >&2 || true
    tail -n 20 "$(redispair::cp::log_file kube-apiserver)" >&2 || true
    return 1
  fi
}

# Starts kube-apiserver and waits for /readyz. kube-controller-manager exits (klog.Fatal) when the apiserver
# goes away while it is still setting up its controllers' service accounts, so a controller that has a pid
# file but no process any more is started again here (a kubelet would restart it on a real node).
redispair::cp::start_apiserver() {
  redispair::cp::start_apiserver_process && redispair::cp::wait_ready "${CP_READY_TIMEOUT}" || return 1
  if [[ -e "$(redispair::cp::_pid_file kube-controller-manager)" ]] && ! redispair::cp::running kube-controller-manager; then
    redispair::log::warn "kube-controller-manager died while kube-apiserver was down; starting it again"
    redispair::cp::start_controller_manager && redispair::cp::wait_component kube-controller-manager "${KCM_PORT}" || return 1
  fi
  if [[ -e "$(redispair::cp::_pid_file kube-scheduler)" ]] && ! redispair::cp::running kube-scheduler; then
    redispair::log::warn "kube-scheduler died while kube-apiserver was down; starting it again"
    redispair::cp::start_scheduler && redispair::cp::wait_component kube-scheduler "${SCHEDULER_PORT}" || return 1
  fi
}

# Waits until the controller-manager has created the "default" ServiceAccount in namespace "default": its
# controllers are running then, and pods can be admitted (the ServiceAccount admission plugin needs it).
redispair::cp::wait_default_service_account() {
  if ! redispair::process::poll "${CP_HEALTHZ_TIMEOUT}" "ServiceAccount default/default" \
    redispair::cp::kubectl --request-timeout=3s get serviceaccount default -n default; then
    redispair::log::error "kube-controller-manager did not create ServiceAccount default/default in ${CP_HEALTHZ_TIMEOUT}s"
    tail -n 20 "$(redispair::cp::log_file kube-controller-manager)" >&2 || true
    return 1
  fi
}

redispair::cp::stop_apiserver() {
  redispair::cp::stop kube-apiserver
}

redispair::cp::restart_apiserver() {
  redispair::cp::stop_apiserver && redispair::cp::start_apiserver
}

redispair::cp::start_controller_manager() {
  redispair::cp::running kube-controller-manager && return 0
  redispair::cp::_check_port_free kube-controller-manager "${KCM_PORT}" || return 1
  local pki kubeconfig
  pki="$(redispair::cp::pki_dir)"
  kubeconfig="${REDISPAIR_CLUSTER_DIR}/controller-manager.kubeconfig"
  local -a args=(
    # No --authentication/authorization-kubeconfig: with them the component keeps asking the apiserver for a
    # front-proxy (requestheader) CA we do not run. Without them /healthz still answers (always-allowed path).
    --kubeconfig="${kubeconfig}"
    --bind-address=127.0.0.1
    --secure-port="${KCM_PORT}"
    --controllers='*'
    --use-service-account-credentials=true
    --service-account-private-key-file="${pki}/sa.key"
    --root-ca-file="${pki}/ca.crt"
    --cluster-signing-cert-file="${pki}/ca.crt"
    --cluster-signing-key-file="${pki}/ca.key"
    --service-cluster-ip-range="${SERVICE_CIDR}"
    --leader-elect=false
    --profiling=false
    --v=1
  )
  # shellcheck disable=SC2206 # word splitting of the *_EXTRA_ARGS strings is the documented contract
  args+=(${KCM_EXTRA_ARGS})
  redispair::log::step "starting kube-controller-manager (healthz on 127.0.0.1:${KCM_PORT})"
  redispair::cp::_spawn kube-controller-manager "${K8S_BIN_DIR}/kube-controller-manager" "${args[@]}"
}

redispair::cp::start_scheduler() {
  redispair::cp::running kube-scheduler && return 0
  redispair::cp::_check_port_free kube-scheduler "${SCHEDULER_PORT}" || return 1
  local kubeconfig="${REDISPAIR_CLUSTER_DIR}/scheduler.kubeconfig"
  local -a args=(
    # No --authentication/authorization-kubeconfig: with them the component keeps asking the apiserver for a
    # front-proxy (requestheader) CA we do not run. Without them /healthz still answers (always-allowed path).
    --kubeconfig="${kubeconfig}"
    --bind-address=127.0.0.1
    --secure-port="${SCHEDULER_PORT}"
    --leader-elect=false
    --profiling=false
    --v=1
  )
  # shellcheck disable=SC2206 # word splitting of the *_EXTRA_ARGS strings is the documented contract
  args+=(${SCHEDULER_EXTRA_ARGS})
  redispair::log::step "starting kube-scheduler (healthz on 127.0.0.1:${SCHEDULER_PORT})"
  redispair::cp::_spawn kube-scheduler "${K8S_BIN_DIR}/kube-scheduler" "${args[@]}"
}

redispair::cp::_healthz() {
  [[ "$(curl -ksS --max-time 2 "https://127.0.0.1:$1/healthz" 2>/dev/null)" == "ok" ]]
}

redispair::cp::wait_component() {
  local comp="$1" port="$2"
  if ! redispair::process::poll "${CP_HEALTHZ_TIMEOUT}" "${comp} /healthz" redispair::cp::_healthz "${port}"; then
    redispair::log::error "${comp} not healthy after ${CP_HEALTHZ_TIMEOUT}s; last lines of its log:"
    tail -n 20 "$(redispair::cp::log_file "${comp}")" >&2 || true
    return 1
  fi
}

redispair::cp::is_healthy() {
  local comp
  for comp in "${REDISPAIR_CP_COMPONENTS[@]}"; do
    redispair::cp::running "${comp}" || return 1
  done
  redispair::cp::_readyz
}

# ---- kubeconfigs -------------------------------------------------------------------------------------------

# Writes a kubeconfig for client certificate NAME with CA, certificate and key embedded (like minikube's).
redispair::cp::write_kubeconfig() {
  local file="$1" name="$2" user="$3"
  local pki
  pki="$(redispair::cp::pki_dir)"
  local ca cert key
  ca="$(base64 -w0 <"${pki}/ca.crt")"
  cert="$(base64 -w0 <"${pki}/${name}.crt")"
  key="$(base64 -w0 <"${pki}/${name}.key")"
  (
    umask 077
    cat >"${file}.tmp" <<KUBECONFIG
apiVersion: v1
kind: Config
clusters:
- name: redispair
  cluster:
    server: $(redispair::cp::apiserver_url)
    certificate-authority-data: ${ca}
users:
- name: ${user}
  user:
    client-certificate-data: ${cert}
    client-key-data: ${key}
contexts:
- name: redispair
  context:
    cluster: redispair
    user: ${user}
    namespace: default
current-context: redispair
KUBECONFIG
  )
  mv "${file}.tmp" "${file}"
}

# ---- etcd history ------------------------------------------------------------------------------------------

# Prints etcd's current revision (read through etcd's JSON gRPC gateway; etcdctl is not built).
redispair::cp::etcd_revision() {
  local out
  out="$(curl -fsS --max-time 5 -X POST "$(redispair::cp::etcd_url)/v3/kv/range" -d '{"key":"AA==","limit":1}')" || return 1
  jq -er '.header.revision' <<<"${out}"
}

# Compacts etcd up to REV (default: the current revision) and waits for the physical compaction.
redispair::cp::etcd_compact() {
  local rev="${1:-}"
  if [[ -z "${rev}" ]]; then
    rev="$(redispair::cp::etcd_revision)" || return 1
  fi
  curl -fsS --max-time 30 -X POST "$(redispair::cp::etcd_url)/v3/kv/compaction" \
    -d "{\"revision\":\"${rev}\",\"physical\":true}" >/dev/null
}

# Makes every resourceVersion older than now unusable for watches: etcd compaction alone is not enough,
# because kube-apiserver serves watches from its watch cache, whose window survives an etcd compaction.
# Restarting kube-apiserver re-seeds the cache from the compacted revision.
redispair::cp::expire_watch_history() {
  redispair::cp::stop_apiserver || return 1
  local rev
  rev="$(redispair::cp::etcd_revision)" || return 1
  redispair::cp::etcd_compact "${rev}" || return 1
  redispair::cp::start_apiserver
}
