# shellcheck shell=bash
# The work behind scripts/_dev_vars.sh. That file is sourced into the user's bash or zsh; it runs this
# one as a child `bash` process, so that none of these functions and variables ever reach the user's
# shell, the libraries are read afresh every time, and the user's shell options play no part.
#
# Run as: bash scripts/lib/dev_vars.sh [--port-forward | --stop | --help]   3> RESULTS
# It prints its progress and the values for the user on stdout and stderr, and writes to fd 3 what the
# sourcing shell must do with the variables it owns, one a line: NAME=VALUE (export) or NAME (unset).
# Exit status: 0 done; 1 the variables cannot be refreshed (the cluster or Redis is down, a tool is
# missing); 2 a usage error, or run by hand without REDISPAIR_DEV_VARS_SOURCED=1 (set by _dev_vars.sh
# when it is sourced).
#
# Sourced, this file only defines functions (as every file in scripts/lib/).

[[ -n "${REDISPAIR_DEV_VARS_SH_LOADED:-}" ]] && return 0
REDISPAIR_DEV_VARS_SH_LOADED=1

# Every variable _dev_vars.sh owns: set together, unset together.
readonly REDISPAIR_DEV_VARS_OWNED=(REDIS_MASTER_HOST_PORT REDIS_SLAVE_HOST_PORT REDISCLI_AUTH REDISPAIR_METRICS_HOST_PORT)
# The operator's ops Service (deploy/operator/service.yaml): /metrics, /healthz, /readyz.
: "${REDISPAIR_OPERATOR_SERVICE:=redispair-operator}"
readonly REDISPAIR_OPS_PORT=8080

# Tells the sourcing shell to export NAME=VALUE, or to unset NAME when VALUE is empty.
redispair::dev_vars::result() {
  if [[ -n "${2:-}" ]]; then
    printf '%s=%s\n' "$1" "$2" >&3
  else
    printf '%s\n' "$1" >&3
  fi
}

redispair::dev_vars::stop() {
  local name
  redispair::log::info "stopping the port-forwards of scripts/_dev_vars.sh ($(redispair::k8s::context_label))"
  redispair::pf::stop_all
  if [[ "${REDISPAIR_DEV_VARS_SOURCED:-}" == 1 ]]; then
    redispair::log::info "unsetting ${REDISPAIR_DEV_VARS_OWNED[*]}"
    for name in "${REDISPAIR_DEV_VARS_OWNED[@]}"; do
      redispair::dev_vars::result "${name}"
    done
  else
    redispair::log::info "run, not sourced: the variables of your shell are as they were. To unset them as well: source scripts/_dev_vars.sh --stop"
  fi
}

# The node IP: `minikube ip` where minikube runs this cluster, else the first node's InternalIP (any
# cluster a kubectl context reaches).
redispair::dev_vars::node_ip() {
  local ip=""
  if command -v minikube >/dev/null 2>&1; then
    ip="$(redispair::k8s::minikube ip 2>/dev/null)" || ip=""
  fi
  if [[ -z "${ip}" ]]; then
    ip="$(redispair::k8s::kubectl get nodes -o jsonpath='{.items[0].status.addresses[?(@.type=="InternalIP")].address}')"
  fi
  printf '%s\n' "${ip}"
}

redispair::dev_vars::node_port() {
  redispair::k8s::kubectl_ns get service "$1" -o jsonpath='{.spec.ports[0].nodePort}' 2>/dev/null
}

# Prints "SECRET KEY" where the RedisPair's password is, or nothing when its auth is off.
redispair::dev_vars::auth_ref() {
  local auth secret key
  auth="$(redispair::k8s::kubectl_ns get redispair "${REDISPAIR_NAME}" -o jsonpath='{.spec.auth.enabled}' 2>/dev/null)"
  [[ "${auth}" == false ]] && return 0
  secret="$(redispair::k8s::kubectl_ns get redispair "${REDISPAIR_NAME}" -o jsonpath='{.spec.auth.secretName}' 2>/dev/null)"
  key="$(redispair::k8s::kubectl_ns get redispair "${REDISPAIR_NAME}" -o jsonpath='{.spec.auth.secretKey}' 2>/dev/null)"
  printf '%s %s\n' "${secret:-$(redispair::names::generated_secret "${REDISPAIR_NAME}")}" "${key:-password}"
}

# Prints the password in key KEY of Secret SECRET; fails, saying why, when it cannot be read or exported.
# The same rule as the operator's and the pods' (operator/src/util/password.h): one trailing line ending
# is not part of the password (kubectl create secret --from-file keeps a file's last newline); an empty
# password, or any other line break, is refused.
redispair::dev_vars::password() {
  local secret="$1" key="$2" password
  # The "." keeps $(...) from eating trailing newlines, which the rule must see.
  if ! password="$(redispair::k8s::kubectl_ns get secret "${secret}" -o go-template="{{index .data \"${key}\" | base64decode}}." 2>/dev/null)" ||
    [[ "${password}" == . ]]; then
    redispair::log::error "cannot read key ${key} of Secret ${REDISPAIR_NAMESPACE}/${secret}. Is RedisPair ${REDISPAIR_NAMESPACE}/${REDISPAIR_NAME} Ready? (scripts/01-redis-up.sh)"
    return 1
  fi
  password="${password%.}"
  if [[ "${password}" == *$'\n' ]]; then
    password="${password%$'\n'}"
    password="${password%$'\r'}"
  fi
  if [[ -z "${password}" || "${password}" == *$'\n'* || "${password}" == *$'\r'* ]]; then
    redispair::log::error "key ${key} of Secret ${REDISPAIR_NAMESPACE}/${secret} is empty or holds a line break other than one trailing newline: it cannot be exported as REDISCLI_AUTH (the RedisPair's status says the same)"
    return 1
  fi
  printf '%s\n' "${password}"
}

# Decides whether to use port-forwards: FORWARD is 1, 0 or auto (is the node IP routable from here?).
# The master's NodePort answers when Redis is up; the kubelet's port (10250) answers on every node IP
# even while the master is down.
redispair::dev_vars::use_forwards() {
  local forward="$1" ip="$2" master_port="$3"
  if [[ "${forward}" != auto ]]; then
    [[ "${forward}" == 1 ]]
    return
  fi
  if redispair::pf::reachable "${ip}" "${master_port}"; then
    return 1
  fi
  if redispair::pf::reachable "${ip}" 10250; then
    redispair::log::warn "the node ${ip} is reachable but the master does not answer on ${ip}:${master_port} yet (check: kubectl -n ${REDISPAIR_NAMESPACE} get redispair,pods)"
    return 1
  fi
  redispair::log::warn "${ip} is not reachable from this host (docker driver on macOS/Windows?): using kubectl port-forward"
}

# Reads everything, then hands the values to the sourcing shell; nothing is handed over on a failure.
redispair::dev_vars::refresh() {
  local forward="$1"
  redispair::prereq::require kubectl || return 1
  if ! redispair::k8s::require_cluster; then
    redispair::log::error "the cluster is down. Start it, then deploy Redis: scripts/00-minikube-up.sh && scripts/01-redis-up.sh"
    return 1
  fi
  local master_svc replica_svc master_port replica_port ops_port
  master_svc="$(redispair::names::master_service "${REDISPAIR_NAME}")"
  replica_svc="$(redispair::names::replica_service "${REDISPAIR_NAME}")"
  master_port="$(redispair::dev_vars::node_port "${master_svc}")"
  replica_port="$(redispair::dev_vars::node_port "${replica_svc}")"
  if [[ -z "${master_port}" || -z "${replica_port}" ]]; then
    redispair::log::error "Services ${master_svc}/${replica_svc} are not in namespace ${REDISPAIR_NAMESPACE}. Deploy Redis: scripts/01-redis-up.sh"
    return 1
  fi
  ops_port="$(redispair::dev_vars::node_port "${REDISPAIR_OPERATOR_SERVICE}")"

  local ip
  ip="$(redispair::dev_vars::node_ip)"
  if [[ -z "${ip}" ]]; then
    redispair::log::error "no node of $(redispair::k8s::context_label) has an InternalIP"
    return 1
  fi

  local master replica metrics=""
  if redispair::dev_vars::use_forwards "${forward}" "${ip}" "${master_port}"; then
    # fd 3 closed: the forwards live on in the background and must not hold the results pipe open.
    master="$(redispair::pf::start master "${master_svc}" "${master_port}" 3>&-)" || return 1
    replica="$(redispair::pf::start replica "${replica_svc}" "${replica_port}" 3>&-)" || return 1
    if [[ -n "${ops_port}" ]]; then
      metrics="$(redispair::pf::start ops "${REDISPAIR_OPERATOR_SERVICE}" "${ops_port}" "${REDISPAIR_OPS_PORT}" 3>&-)" ||
        metrics="" # said why above; Redis itself is reachable
    fi
    redispair::log::step "port-forwards: master ${master}, replica ${replica}${metrics:+, operator ${metrics}} (stop: source scripts/_dev_vars.sh --stop)"
  else
    redispair::pf::stop_all
    master="${ip}:${master_port}"
    replica="${ip}:${replica_port}"
    [[ -z "${ops_port}" ]] || metrics="${ip}:${ops_port}"
  fi

  local ref secret="" key password=""
  ref="$(redispair::dev_vars::auth_ref)"
  if [[ -n "${ref}" ]]; then
    read -r secret key <<<"${ref}"
    password="$(redispair::dev_vars::password "${secret}" "${key}")" || return 1
  fi

  redispair::dev_vars::result REDIS_MASTER_HOST_PORT "${master}"
  redispair::dev_vars::result REDIS_SLAVE_HOST_PORT "${replica}"
  redispair::dev_vars::result REDISCLI_AUTH "${password}"
  redispair::dev_vars::result REDISPAIR_METRICS_HOST_PORT "${metrics}"
  redispair::dev_vars::show "${master}" "${replica}" "${secret}" "${password}" "${metrics}"
}

# What was exported, and whether it answers.
redispair::dev_vars::show() {
  local master="$1" replica="$2" secret="$3" password="$4" metrics="$5"
  printf 'REDIS_MASTER_HOST_PORT=%s\nREDIS_SLAVE_HOST_PORT=%s\n' "${master}" "${replica}"
  # redis-cli below reads it as the user's will.
  if [[ -n "${password}" ]]; then
    export REDISCLI_AUTH="${password}"
    printf 'REDISCLI_AUTH=(set from Secret %s, %s characters)\n' "${secret}" "${#password}"
  else
    unset REDISCLI_AUTH
    printf 'REDISCLI_AUTH=(unset: auth is disabled)\n'
  fi
  if [[ -n "${metrics}" ]]; then
    printf 'REDISPAIR_METRICS_HOST_PORT=%s\n' "${metrics}"
  else
    printf 'REDISPAIR_METRICS_HOST_PORT=(unset: Service %s/%s not found; scripts/01-redis-up.sh creates it)\n' \
      "${REDISPAIR_NAMESPACE}" "${REDISPAIR_OPERATOR_SERVICE}"
  fi
  if command -v redis-cli >/dev/null 2>&1; then
    local hp answer
    for hp in "${master}" "${replica}"; do
      answer="$(redis-cli -h "${hp%:*}" -p "${hp#*:}" ping 2>&1)"
      if [[ "${answer}" == PONG ]]; then
        redispair::log::step "redis-cli ping ${hp}: PONG"
      else
        redispair::log::warn "redis-cli ping ${hp}: ${answer}"
      fi
    done
  else
    redispair::log::step "redis-cli is not installed (Debian/Ubuntu: sudo apt-get install -y redis-tools; macOS: brew install redis)"
  fi
  # shellcheck disable=SC2016 # printed for the user to paste, unexpanded
  printf 'Try: redis-cli -h "${REDIS_MASTER_HOST_PORT%%:*}" -p "${REDIS_MASTER_HOST_PORT#*:}" ping\n'
  if [[ -n "${metrics}" ]]; then
    # shellcheck disable=SC2016
    printf '     curl -s "http://${REDISPAIR_METRICS_HOST_PORT}/metrics" | grep ^redispair_\n'
  fi
}

redispair::dev_vars::main() {
  REDISPAIR_LOG_PROG=_dev_vars.sh
  redispair::args::check "--stop --port-forward" "$@"
  if redispair::args::has --stop "$@"; then
    redispair::dev_vars::stop
    return 0
  fi
  if [[ "${REDISPAIR_DEV_VARS_SOURCED:-}" != 1 ]]; then
    redispair::log::error "source this file, do not run it: source scripts/_dev_vars.sh (in bash or zsh)"
    return 2
  fi
  local forward="${REDISPAIR_PORT_FORWARD:-auto}"
  if redispair::args::has --port-forward "$@"; then forward=1; fi
  if ! redispair::dev_vars::refresh "${forward}"; then
    redispair::log::error "nothing exported; these are unset now: ${REDISPAIR_DEV_VARS_OWNED[*]}"
    return 1
  fi
}

# Run, not sourced: load the libraries next to this file and do the work.
if [[ "${BASH_SOURCE[0]:-}" == "${0}" ]]; then
  REDISPAIR_DEV_VARS_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
  # shellcheck source=scripts/lib/log.sh
  source "${REDISPAIR_DEV_VARS_ROOT}/scripts/lib/log.sh"
  # shellcheck source=scripts/lib/util.sh
  source "${REDISPAIR_DEV_VARS_ROOT}/scripts/lib/util.sh"
  # shellcheck source=scripts/lib/args.sh
  source "${REDISPAIR_DEV_VARS_ROOT}/scripts/lib/args.sh"
  # shellcheck source=scripts/lib/prereq.sh
  source "${REDISPAIR_DEV_VARS_ROOT}/scripts/lib/prereq.sh"
  # shellcheck source=scripts/lib/names.sh
  source "${REDISPAIR_DEV_VARS_ROOT}/scripts/lib/names.sh"
  # shellcheck source=scripts/lib/k8s.sh
  source "${REDISPAIR_DEV_VARS_ROOT}/scripts/lib/k8s.sh"
  # shellcheck source=scripts/lib/portforward.sh
  source "${REDISPAIR_DEV_VARS_ROOT}/scripts/lib/portforward.sh"
  # The help is the comment at the top of the file the user sources.
  usage() { sed -n '2,/^$/p' "${REDISPAIR_DEV_VARS_ROOT}/scripts/_dev_vars.sh" | sed 's/^# \{0,1\}//'; }
  redispair::dev_vars::main "$@"
  exit $?
fi
