# shellcheck shell=bash
# Background `kubectl port-forward` processes with pid files, for hosts that cannot reach the minikube
# node IP (the docker driver on macOS and Windows). scripts/_dev_vars.sh starts them; 98-redis-down.sh,
# 99-minikube-down.sh and `source scripts/_dev_vars.sh --stop` stop them.
# Sourcing this file only defines functions. Works in bash and zsh. Needs log.sh, util.sh and k8s.sh; loads
# process.sh (which starts, checks and stops the processes) from its own directory when it is not loaded yet.
#
#   redispair::pf::dir                    state directory of this context's forwards
#   redispair::pf::start NAME SVC PORT [SVC_PORT]  forwards 127.0.0.1:PORT (or a free port when PORT is
#                                         taken) to SVC:SVC_PORT [6379] and prints 127.0.0.1:LOCALPORT;
#                                         reuses a live forward
#   redispair::pf::stop_all               stops every forward of this context; fine when there is none
#   redispair::pf::reachable HOST PORT    HOST:PORT accepts TCP connections (2 s timeout)
#
# Files per forward NAME in the directory: NAME.pid, NAME.port, NAME.log.

[[ -n "${REDISPAIR_PORTFORWARD_SH_LOADED:-}" ]] && return 0
REDISPAIR_PORTFORWARD_SH_LOADED=1

if [[ -z "${REDISPAIR_PROCESS_SH_LOADED:-}" ]]; then
  if [[ -n "${ZSH_VERSION:-}" ]]; then
    # %x: the file being sourced. In eval, because bash cannot parse this expansion.
    eval '. "${${(%):-%x}:h}/process.sh"'
  else
    # shellcheck source=scripts/lib/process.sh
    . "$(dirname "${BASH_SOURCE[0]}")/process.sh"
  fi
fi

: "${REDISPAIR_PF_START_TIMEOUT:=15}"
# How long a forward may take to exit on SIGTERM before it gets SIGKILL.
: "${REDISPAIR_PF_STOP_TIMEOUT:=5}"

redispair::pf::dir() {
  printf '%s/port-forward/%s\n' "$(redispair::util::state_dir)" "${KUBE_CONTEXT:-current-context}"
}

# True when PIDFILE names a live kubectl (not a zombie, not some other program that got the pid).
redispair::pf::_alive() { redispair::process::pid "$1" kubectl >/dev/null; }

# Starts `kubectl ARGS...` detached (redispair::process::spawn: out of the shell's job table, alive when
# the terminal closes), output to LOG, pid to PIDFILE.
redispair::pf::_spawn() {
  local log="$1" pidfile="$2"
  shift 2
  if [[ -n "${KUBE_CONTEXT:-}" ]]; then
    set -- --context "${KUBE_CONTEXT}" "$@"
  fi
  redispair::process::spawn "${pidfile}" "${log}" kubectl "$@"
}

# Stops the forward that PIDFILE names (SIGTERM, SIGKILL after REDISPAIR_PF_STOP_TIMEOUT); none is fine.
redispair::pf::_stop() {
  local pidfile="$1" name="${1##*/}"
  redispair::process::stop "${pidfile}" kubectl "port-forward ${name%.pid}" "${REDISPAIR_PF_STOP_TIMEOUT}"
}

# True when HOST:PORT accepts a TCP connection within about 2 seconds: bash's /dev/tcp in a child bash that is
# killed if the connect hangs (unroutable node IPs do). Not `nc -z -w 2`: the nc of macOS (BSD) does not bound
# the connect with -w, so an unreachable node IP would hang there for the system's connect timeout.
redispair::pf::reachable() {
  local host="$1" port="$2" pid waited=0
  bash -c 'exec 3<>"/dev/tcp/$0/$1"' "${host}" "${port}" 2>/dev/null &
  pid=$!
  while kill -0 "${pid}" 2>/dev/null && ((waited < 20)); do
    sleep 0.1
    waited=$((waited + 1))
  done
  if kill -0 "${pid}" 2>/dev/null; then
    kill "${pid}" 2>/dev/null || true # still connecting after 2 s: unreachable
    wait "${pid}" 2>/dev/null || true
    return 1
  fi
  wait "${pid}"
}

redispair::pf::start() {
  local name="$1" svc="$2" preferred="$3" svc_port="${4:-6379}"
  local dir port attempt pid started
  dir="$(redispair::pf::dir)"
  mkdir -p "${dir}"
  if redispair::pf::_alive "${dir}/${name}.pid" && [[ -s "${dir}/${name}.port" ]]; then
    printf '127.0.0.1:%s\n' "$(cat "${dir}/${name}.port")"
    return 0
  fi
  # The preferred port first (stable for the user), then any free one.
  for attempt in "${preferred}" ""; do
    : >"${dir}/${name}.log"
    # stdout is the address this function prints: the process library's progress lines go to stderr.
    redispair::pf::_spawn "${dir}/${name}.log" "${dir}/${name}.pid" --namespace "${REDISPAIR_NAMESPACE}" \
      port-forward --address 127.0.0.1 "svc/${svc}" "${attempt}:${svc_port}" >&2 || break
    pid="$(cat "${dir}/${name}.pid")"
    started=$((SECONDS + REDISPAIR_PF_START_TIMEOUT))
    port=""
    while ((SECONDS < started)); do
      port="$(sed -n 's/^Forwarding from 127\.0\.0\.1:\([0-9][0-9]*\) .*/\1/p' "${dir}/${name}.log" | head -n 1)"
      [[ -n "${port}" ]] && break
      redispair::process::alive "${pid}" || break
      sleep 0.2
    done
    if [[ -n "${port}" ]]; then
      printf '%s\n' "${port}" >"${dir}/${name}.port"
      printf '127.0.0.1:%s\n' "${port}"
      return 0
    fi
    redispair::pf::_stop "${dir}/${name}.pid" >&2 || return 1
  done
  redispair::log::error "kubectl port-forward svc/${svc} did not start; its log (${dir}/${name}.log):"
  sed 's/^/    /' "${dir}/${name}.log" >&2
  return 1
}

redispair::pf::stop_all() {
  local dir pidfile name failed=0
  dir="$(redispair::pf::dir)"
  [[ -d "${dir}" ]] || return 0
  for pidfile in "${dir}"/*.pid; do
    [[ -e "${pidfile}" ]] || continue
    name="${pidfile##*/}"
    name="${name%.pid}"
    if ! redispair::pf::_stop "${pidfile}"; then
      failed=1
      continue
    fi
    rm -f "${dir}/${name}.port" "${dir}/${name}.log"
  done
  return "${failed}"
}
