# shellcheck shell=bash
# Background `kubectl port-forward` processes with pid files, for hosts that cannot reach the minikube
# node IP (the docker driver on macOS and Windows). scripts/_dev_vars.sh starts them; 98-redis-down.sh,
# 99-minikube-down.sh and `source scripts/_dev_vars.sh --stop` stop them.
# Sourcing this file only defines functions. Works in bash and zsh. Needs log.sh, util.sh and k8s.sh.
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

: "${REDISPAIR_PF_START_TIMEOUT:=15}"

redispair::pf::dir() {
  printf '%s/port-forward/%s\n' "$(redispair::util::state_dir)" "${KUBE_CONTEXT:-current-context}"
}

# True when PIDFILE names a live `kubectl port-forward` process (not some other process that got the pid,
# and not a zombie, whose args no longer show the command).
redispair::pf::_alive() {
  local pidfile="$1" pid
  [[ -s "${pidfile}" ]] || return 1
  pid="$(cat "${pidfile}")"
  [[ -n "${pid}" ]] || return 1
  kill -0 "${pid}" 2>/dev/null || return 1
  ps -p "${pid}" -o args= 2>/dev/null | grep -q 'port-forward'
}

# Starts `kubectl ARGS...` in the background, output to LOG, pid to PIDFILE. The subshell keeps the
# process out of the interactive shell's job table (no "[1] Done" noise); nohup keeps it alive when
# the terminal closes.
redispair::pf::_spawn() {
  local log="$1" pidfile="$2"
  shift 2
  if [[ -n "${KUBE_CONTEXT:-}" ]]; then
    set -- --context "${KUBE_CONTEXT}" "$@"
  fi
  (
    nohup kubectl "$@" >"${log}" 2>&1 &
    echo "$!" >"${pidfile}"
  )
}

# True when HOST:PORT accepts a TCP connection within about 2 seconds. Uses nc when present, else
# bash's /dev/tcp in a child bash that is killed if the connect hangs (unroutable node IPs do).
redispair::pf::reachable() {
  local host="$1" port="$2" pid waited=0
  if command -v nc >/dev/null 2>&1; then
    nc -z -w 2 "${host}" "${port}" >/dev/null 2>&1
    return
  fi
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
    redispair::pf::_spawn "${dir}/${name}.log" "${dir}/${name}.pid" --namespace "${REDISPAIR_NAMESPACE}" \
      port-forward --address 127.0.0.1 "svc/${svc}" "${attempt}:${svc_port}"
    pid="$(cat "${dir}/${name}.pid")"
    started=$((SECONDS + REDISPAIR_PF_START_TIMEOUT))
    port=""
    while ((SECONDS < started)); do
      port="$(sed -n 's/^Forwarding from 127\.0\.0\.1:\([0-9][0-9]*\) .*/\1/p' "${dir}/${name}.log" | head -n 1)"
      [[ -n "${port}" ]] && break
      kill -0 "${pid}" 2>/dev/null || break
      sleep 0.2
    done
    if [[ -n "${port}" ]]; then
      printf '%s\n' "${port}" >"${dir}/${name}.port"
      printf '127.0.0.1:%s\n' "${port}"
      return 0
    fi
    kill "${pid}" 2>/dev/null || true # it may have exited already; nothing else to clean
  done
  redispair::log::error "kubectl port-forward svc/${svc} did not start; its log (${dir}/${name}.log):"
  sed 's/^/    /' "${dir}/${name}.log" >&2
  return 1
}

redispair::pf::stop_all() {
  local dir pidfile name waited
  dir="$(redispair::pf::dir)"
  [[ -d "${dir}" ]] || return 0
  for pidfile in "${dir}"/*.pid; do
    [[ -e "${pidfile}" ]] || continue
    name="${pidfile##*/}"
    name="${name%.pid}"
    if redispair::pf::_alive "${pidfile}"; then
      kill "$(cat "${pidfile}")" 2>/dev/null || true # raced with its own exit: already stopped
      waited=0
      while redispair::pf::_alive "${pidfile}" && ((waited < 50)); do
        sleep 0.1
        waited=$((waited + 1))
      done
      if redispair::pf::_alive "${pidfile}"; then
        kill -9 "$(cat "${pidfile}")" 2>/dev/null || true # ignored SIGTERM for 5 s
      fi
      redispair::log::step "stopped port-forward ${name} (pid $(cat "${pidfile}"))"
    fi
    rm -f "${pidfile}" "${dir}/${name}.port" "${dir}/${name}.log"
  done
}
