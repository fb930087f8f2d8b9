# shellcheck shell=bash
# Source me, in bash or zsh:    source scripts/_dev_vars.sh [--port-forward | --stop | --help]
#
# Exports, for the running cluster (the minikube node IP changes whenever the cluster is recreated):
#   REDIS_MASTER_HOST_PORT   e.g. 192.168.49.2:32400   the master, reachable from this host
#   REDIS_SLAVE_HOST_PORT    e.g. 192.168.49.2:32401   the replica (read-only)
#   REDISCLI_AUTH            the password from the Secret, which redis-cli reads by itself, so
#                            redis-cli -h "${REDIS_MASTER_HOST_PORT%:*}" -p "${REDIS_MASTER_HOST_PORT#*:}" ping
#                            answers PONG as it is
# The ports are read from the live NodePort Services, the IP from `minikube ip`. When this host cannot
# reach the node IP (the docker driver on macOS and Windows), it starts background `kubectl port-forward`
# processes instead (pid files under ${XDG_STATE_HOME:-~/.local/state}/redispair/port-forward/) and
# exports 127.0.0.1 addresses. `--stop` (or scripts/98-redis-down.sh) stops them.
#
#   --port-forward   use port-forwards even when the node IP is reachable (REDISPAIR_PORT_FORWARD=1;
#                    REDISPAIR_PORT_FORWARD=0 never uses them)
#   --stop           stop the port-forwards and unset the three variables
# Environment: MINIKUBE_PROFILE [redispair], KUBE_CONTEXT [$MINIKUBE_PROFILE; empty: current context].
#
# It never exits your shell and leaves your shell options as they were; on failure (for example the
# cluster is down) it says what to run and returns non-zero.

# Everything runs in this function, called in a `||` list so that a caller's errexit or ERR trap does
# not fire inside it. zsh: `emulate -L ksh` makes every option change local to the call (and the
# bash-style code of scripts/lib behave as in bash). bash: the caller's flags are restored afterwards.
_redispair_dev_vars() {
  if [ -n "${ZSH_VERSION:-}" ]; then
    emulate -L ksh
  fi
  local root="$1"
  shift
  local REDISPAIR_LOG_PROG=_dev_vars.sh
  local mode=export forward="${REDISPAIR_PORT_FORWARD:-auto}"
  case "${1:-}" in
    "") ;;
    -h | --help) mode=help ;;
    --stop) mode=stop ;;
    --port-forward) forward=1 ;;
    *)
      printf '[_dev_vars.sh] ERROR unknown argument: %s (see: source scripts/_dev_vars.sh --help)\n' "$1" >&2
      return 2
      ;;
  esac
  if [[ "${mode}" == help ]]; then
    sed -n '2,/^$/p' "${root}/scripts/_dev_vars.sh" | sed 's/^# \{0,1\}//'
    return 0
  fi
  # shellcheck source=scripts/lib/log.sh
  . "${root}/scripts/lib/log.sh"
  # shellcheck source=scripts/lib/util.sh
  . "${root}/scripts/lib/util.sh"
  # shellcheck source=scripts/lib/prereq.sh
  . "${root}/scripts/lib/prereq.sh"
  # shellcheck source=scripts/lib/k8s.sh
  . "${root}/scripts/lib/k8s.sh"
  # shellcheck source=scripts/lib/portforward.sh
  . "${root}/scripts/lib/portforward.sh"

  if [[ "${mode}" == stop ]]; then
    redispair::log::info "stopping port-forwards and unsetting REDIS_MASTER_HOST_PORT, REDIS_SLAVE_HOST_PORT, REDISCLI_AUTH"
    redispair::pf::stop_all
    unset REDIS_MASTER_HOST_PORT REDIS_SLAVE_HOST_PORT REDISCLI_AUTH
    return 0
  fi

  redispair::prereq::require kubectl minikube || return 1
  if ! redispair::k8s::require_cluster; then
    redispair::log::error "the cluster is down: nothing exported. Start it: scripts/00-minikube-up.sh && scripts/01-redis-up.sh"
    return 1
  fi
  local master_port replica_port
  master_port="$(redispair::k8s::kubectl_ns get service "${REDISPAIR_NAME}-master" -o jsonpath='{.spec.ports[0].nodePort}' 2>/dev/null)"
  replica_port="$(redispair::k8s::kubectl_ns get service "${REDISPAIR_NAME}-replica" -o jsonpath='{.spec.ports[0].nodePort}' 2>/dev/null)"
  if [[ -z "${master_port}" || -z "${replica_port}" ]]; then
    redispair::log::error "Services ${REDISPAIR_NAME}-master/${REDISPAIR_NAME}-replica are not in namespace ${REDISPAIR_NAMESPACE}: nothing exported. Deploy Redis: scripts/01-redis-up.sh"
    return 1
  fi

  local ip
  if ! ip="$(redispair::k8s::minikube ip 2>/dev/null)" || [[ -z "${ip}" ]]; then
    ip="$(redispair::k8s::kubectl get nodes -o jsonpath='{.items[0].status.addresses[?(@.type=="InternalIP")].address}')"
    redispair::log::warn "minikube --profile ${MINIKUBE_PROFILE} ip failed; using the first node's InternalIP ${ip}"
  fi

  local master replica
  # Is the node IP routable from here? The master's NodePort answers when Redis is up; the kubelet's
  # port (10250) answers on every node IP even while the master is down.
  if [[ "${forward}" == auto ]]; then
    if redispair::pf::reachable "${ip}" "${master_port}"; then
      forward=0
    elif redispair::pf::reachable "${ip}" 10250; then
      redispair::log::warn "the node ${ip} is reachable but the master does not answer on ${ip}:${master_port} yet (check: kubectl -n ${REDISPAIR_NAMESPACE} get redispair,pods)"
      forward=0
    else
      redispair::log::warn "${ip} is not reachable from this host (docker driver on macOS/Windows?): using kubectl port-forward"
      forward=1
    fi
  fi
  if [[ "${forward}" == 1 ]]; then
    master="$(redispair::pf::start master "${REDISPAIR_NAME}-master" "${master_port}")" || return 1
    replica="$(redispair::pf::start replica "${REDISPAIR_NAME}-replica" "${replica_port}")" || return 1
    redispair::log::step "port-forwards: master ${master}, replica ${replica} (stop: source scripts/_dev_vars.sh --stop)"
  else
    redispair::pf::stop_all
    master="${ip}:${master_port}"
    replica="${ip}:${replica_port}"
  fi

  local auth secret key password=""
  auth="$(redispair::k8s::kubectl_ns get redispair "${REDISPAIR_NAME}" -o jsonpath='{.spec.auth.enabled}' 2>/dev/null)"
  if [[ "${auth}" != false ]]; then
    secret="$(redispair::k8s::kubectl_ns get redispair "${REDISPAIR_NAME}" -o jsonpath='{.spec.auth.secretName}' 2>/dev/null)"
    key="$(redispair::k8s::kubectl_ns get redispair "${REDISPAIR_NAME}" -o jsonpath='{.spec.auth.secretKey}' 2>/dev/null)"
    secret="${secret:-${REDISPAIR_NAME}-auth}"
    key="${key:-password}"
    local encoded
    if ! encoded="$(redispair::k8s::kubectl_ns get secret "${secret}" -o go-template="{{index .data \"${key}\"}}" 2>/dev/null)" ||
      [[ -z "${encoded}" || "${encoded}" == "<no value>" ]]; then
      redispair::log::error "cannot read key ${key} of Secret ${REDISPAIR_NAMESPACE}/${secret}: nothing exported. Is RedisPair ready? (scripts/01-redis-up.sh)"
      return 1
    fi
    # The same rule as the operator's and the pods' (operator/src/util/password.h): one trailing line
    # ending is not part of the password (kubectl create secret --from-file keeps a file's last newline);
    # any other line break is refused. The "." keeps $(...) from eating the newlines.
    password="$(printf '%s' "${encoded}" | base64 -d 2>/dev/null && printf .)"
    password="${password%.}"
    if [[ "${password}" == *$'\n' ]]; then
      password="${password%$'\n'}"
      password="${password%$'\r'}"
    fi
    if [[ -z "${password}" || "${password}" == *$'\n'* || "${password}" == *$'\r'* ]]; then
      redispair::log::error "key ${key} of Secret ${REDISPAIR_NAMESPACE}/${secret} is empty or holds a line break other than one trailing newline: nothing exported (the RedisPair's status says the same)"
      return 1
    fi
  fi

  export REDIS_MASTER_HOST_PORT="${master}"
  export REDIS_SLAVE_HOST_PORT="${replica}"
  if [[ -n "${password}" ]]; then
    export REDISCLI_AUTH="${password}"
  else
    unset REDISCLI_AUTH
  fi
  printf 'REDIS_MASTER_HOST_PORT=%s\nREDIS_SLAVE_HOST_PORT=%s\n' "${master}" "${replica}"
  if [[ -n "${password}" ]]; then
    printf 'REDISCLI_AUTH=(set from Secret %s, %s characters)\n' "${secret}" "${#password}"
  else
    printf 'REDISCLI_AUTH=(unset: auth is disabled)\n'
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
  fi
  # shellcheck disable=SC2016 # printed for the user to paste, unexpanded
  printf 'Try: redis-cli -h "${REDIS_MASTER_HOST_PORT%%:*}" -p "${REDIS_MASTER_HOST_PORT#*:}" ping\n'
}

if [ -n "${ZSH_VERSION:-}" ]; then
  # %x: the file being sourced. In eval because bash cannot parse this expansion.
  eval '_redispair_dev_vars_file="${(%):-%x}"'
  case "${ZSH_EVAL_CONTEXT:-}" in *:file*) _redispair_dev_vars_sourced=1 ;; *) _redispair_dev_vars_sourced=0 ;; esac
else
  _redispair_dev_vars_file="${BASH_SOURCE[0]:-$0}"
  if [ "${BASH_SOURCE[0]:-}" != "$0" ]; then _redispair_dev_vars_sourced=1; else _redispair_dev_vars_sourced=0; fi
fi
_redispair_dev_vars_root="$(cd "$(dirname "${_redispair_dev_vars_file}")/.." && pwd)"

if [ "${_redispair_dev_vars_sourced}" = 0 ]; then
  # Run as a program, exports would die with this process: help and --stop work, the rest says how.
  case "${1:-}" in
    -h | --help | --stop) _redispair_dev_vars "${_redispair_dev_vars_root}" "$@" ;;
    *)
      echo "[_dev_vars.sh] ERROR source this file, do not run it: source scripts/_dev_vars.sh" >&2
      exit 2
      ;;
  esac
  exit $?
fi

# bash: remember the flags this file may touch (errexit, nounset, pipefail) and turn the first two off.
_redispair_dev_vars_flags="$-"
_redispair_dev_vars_pipefail=0
if [ -z "${ZSH_VERSION:-}" ] && shopt -qo pipefail; then _redispair_dev_vars_pipefail=1; fi
[ -z "${ZSH_VERSION:-}" ] && set +o errexit +o nounset
_redispair_dev_vars_rc=0
_redispair_dev_vars "${_redispair_dev_vars_root}" "$@" || _redispair_dev_vars_rc=$?
if [ -z "${ZSH_VERSION:-}" ]; then
  case "${_redispair_dev_vars_flags}" in *e*) set -o errexit ;; esac
  case "${_redispair_dev_vars_flags}" in *u*) set -o nounset ;; esac
  if [ "${_redispair_dev_vars_pipefail}" = 1 ]; then set -o pipefail; else set +o pipefail; fi
fi
unset -f _redispair_dev_vars
unset _redispair_dev_vars_file _redispair_dev_vars_root _redispair_dev_vars_sourced _redispair_dev_vars_flags _redispair_dev_vars_pipefail
eval "unset _redispair_dev_vars_rc; return ${_redispair_dev_vars_rc}"
