# shellcheck shell=bash
# Source me, in bash or zsh:    source scripts/_dev_vars.sh [--port-forward | --stop | --help]
#
# Exports, for the running cluster (the node IP changes whenever the cluster is recreated):
#   REDIS_MASTER_HOST_PORT       e.g. 192.168.49.2:32400   the master, reachable from this host
#   REDIS_SLAVE_HOST_PORT        e.g. 192.168.49.2:32401   the replica (read-only)
#   REDISCLI_AUTH                the password from the Secret, which redis-cli reads by itself, so
#                                redis-cli -h "${REDIS_MASTER_HOST_PORT%:*}" -p "${REDIS_MASTER_HOST_PORT#*:}" ping
#                                answers PONG as it is (redis-cli: Debian/Ubuntu package redis-tools)
#   REDISPAIR_METRICS_HOST_PORT  e.g. 192.168.49.2:32402   the operator's /metrics, /healthz and /readyz
# The ports are read from the live NodePort Services, the IP from `minikube ip` (without minikube: the
# first node of the kubectl context). When this host cannot reach the node IP (the docker driver on macOS
# and Windows), it starts background `kubectl port-forward` processes instead (pid files under
# ${XDG_STATE_HOME:-~/.local/state}/redispair/port-forward/) and exports 127.0.0.1 addresses.
#
#   --port-forward   use port-forwards even when the node IP is reachable (REDISPAIR_PORT_FORWARD=1;
#                    REDISPAIR_PORT_FORWARD=0 never uses them)
#   --stop           stop the port-forwards and unset the four variables
# Environment: MINIKUBE_PROFILE [redispair], KUBE_CONTEXT [$MINIKUBE_PROFILE; empty: current context],
# KUBECONFIG, REDISPAIR_NAMESPACE [redis], REDISPAIR_NAME [redis].
# Undo: source scripts/_dev_vars.sh --stop (scripts/98-redis-down.sh and 99-minikube-down.sh also stop
# the port-forwards).
#
# It leaves nothing in your shell but those four variables (no function, no other variable, no option
# changed) and never exits it, even under set -e. When it cannot refresh them (the cluster or Redis is
# down), it says what to run, unsets them and returns non-zero; 0 when your shell has errexit on.

# The work runs in a child bash, scripts/lib/dev_vars.sh, which writes to fd 3 what to export or unset.
# This part only finds it, runs it and applies its answer, in the language bash, zsh and sh share; it
# unsets its own _redispair_dev_vars_* variables at the end.
if [ -n "${ZSH_VERSION:-}" ]; then
  # %x: the file being sourced. In eval, because other shells cannot parse this expansion.
  eval '_redispair_dev_vars_file="${(%):-%x}"'
  case "${ZSH_EVAL_CONTEXT:-}" in *:file*) _redispair_dev_vars_sourced=1 ;; *) _redispair_dev_vars_sourced=0 ;; esac
elif [ -n "${BASH_VERSION:-}" ]; then
  _redispair_dev_vars_file="${BASH_SOURCE[0]}"
  if [ "${_redispair_dev_vars_file}" != "$0" ]; then _redispair_dev_vars_sourced=1; else _redispair_dev_vars_sourced=0; fi
else
  echo "[_dev_vars.sh] ERROR source this file from bash or zsh: source scripts/_dev_vars.sh (this shell cannot tell where a sourced file is)" >&2
  # shellcheck disable=SC2317 # reached when run (sh scripts/_dev_vars.sh), where return fails
  return 2 2>/dev/null || exit 2
fi
case "${_redispair_dev_vars_file}" in
  */*) _redispair_dev_vars_lib="${_redispair_dev_vars_file%/*}/lib/dev_vars.sh" ;;
  *) _redispair_dev_vars_lib=lib/dev_vars.sh ;;
esac

if [ "${_redispair_dev_vars_sourced}" = 0 ]; then
  # Run, not sourced: --help and --stop work; anything else says to source it (exports would die here).
  command bash "${_redispair_dev_vars_lib}" "$@" 3>/dev/null
  exit $?
fi

# Settings that are shell variables only (`MINIKUBE_PROFILE=x source ...` in zsh) reach the child too;
# unset ones stay unset. POSIXLY_CORRECT would start the child in posix mode (bash --posix).
_redispair_dev_vars_rc=0
{
  _redispair_dev_vars_out="$(
    export MINIKUBE_PROFILE KUBE_CONTEXT KUBECONFIG REDISPAIR_NAMESPACE REDISPAIR_NAME REDISPAIR_PORT_FORWARD \
      XDG_STATE_HOME NO_COLOR
    unset POSIXLY_CORRECT
    REDISPAIR_DEV_VARS_SOURCED=1 command bash "${_redispair_dev_vars_lib}" "$@" 3>&1 1>&4 4>&-
  )" || _redispair_dev_vars_rc=$?
} 4>&1

if [ "${_redispair_dev_vars_rc}" = 0 ]; then
  while IFS= read -r _redispair_dev_vars_line; do
    case "${_redispair_dev_vars_line%%=*}" in
      REDIS_MASTER_HOST_PORT | REDIS_SLAVE_HOST_PORT | REDISCLI_AUTH | REDISPAIR_METRICS_HOST_PORT)
        # shellcheck disable=SC2163 # exports the NAME=VALUE the line holds
        case "${_redispair_dev_vars_line}" in
          *=*) export "${_redispair_dev_vars_line}" ;;
          *) unset "${_redispair_dev_vars_line}" ;;
        esac
        ;;
    esac
  done <<EOF
${_redispair_dev_vars_out}
EOF
else
  # Not refreshed: values from an older cluster (its IP) must not stay behind.
  unset REDIS_MASTER_HOST_PORT REDIS_SLAVE_HOST_PORT REDISCLI_AUTH REDISPAIR_METRICS_HOST_PORT
  case "$-" in
    *e*)
      echo "[_dev_vars.sh] WARN returning 0, not ${_redispair_dev_vars_rc}: errexit is on in this shell, which would end it" >&2
      _redispair_dev_vars_rc=0
      ;;
  esac
fi

unset _redispair_dev_vars_file _redispair_dev_vars_sourced _redispair_dev_vars_lib _redispair_dev_vars_out \
  _redispair_dev_vars_line
# The status is expanded before the variable holding it goes.
eval "unset _redispair_dev_vars_rc; return ${_redispair_dev_vars_rc}"
