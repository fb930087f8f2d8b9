# shellcheck shell=bash
# Background processes with pid files, for every place that runs one: the local control plane
# (localcluster/lib/control-plane.sh), the nodes' daemons (localcluster/lib/node.sh) and the port-forwards of
# scripts/_dev_vars.sh (scripts/lib/portforward.sh). Also the poll loop and the timing helpers they share.
# Sourcing this file only defines functions and defaulted variables. Works in bash 3.2+ and zsh, because the
# port-forwards start from the user's shell; it reads /proc on Linux and asks ps(1) elsewhere (macOS).
# Needs scripts/lib/log.sh.
#
#   redispair::process::now                 prints the time in seconds (with microseconds where bash has
#                                           EPOCHREALTIME), for elapsed
#   redispair::process::elapsed START       prints the seconds since START (a now value), one decimal
#   redispair::process::poll SECS WHAT CMD...  runs CMD every REDISPAIR_PROCESS_POLL_INTERVAL until it succeeds;
#                                           returns 1 after SECS seconds; says "waiting for WHAT" every 5 s
#   redispair::process::with_progress WHAT CMD...  runs CMD (its output as it comes), saying "WHAT: still
#                                           running, Ns" every REDISPAIR_PROCESS_PROGRESS_INTERVAL seconds, and
#                                           then "WHAT: done in Ns"; returns CMD's status
#   redispair::process::alive PID [EXE]     PID is a running process (a zombie is not); with EXE, one whose
#                                           executable is named EXE, so that a pid reused by another program
#                                           does not count. An empty or non-numeric PID is not alive.
#   redispair::process::pid PIDFILE [EXE]   prints the pid PIDFILE holds when that process is alive (as EXE);
#                                           else returns 1 (no or empty PIDFILE, a stale pid)
#   redispair::process::spawn PIDFILE LOG CMD...
#                                           starts CMD detached (see below); returns once PIDFILE holds its pid
#   redispair::process::start PIDFILE EXE LOG WHAT CMD...
#                                           spawn, then waits until the process runs as EXE; when it exits or
#                                           does not get there in REDISPAIR_PROCESS_START_TIMEOUT, prints the
#                                           end of LOG and returns 1
#   redispair::process::stop PIDFILE [EXE [WHAT [SECS]]]
#                                           SIGTERM to the process PIDFILE names (when alive as EXE), SIGKILL
#                                           after SECS (REDISPAIR_PROCESS_STOP_TIMEOUT), then removes PIDFILE.
#                                           Nothing to stop is fine: an empty PIDFILE argument, no pid file,
#                                           a stale pid. Returns 1 only when the process outlives SIGKILL.
#
# Detached means: in its own session (setsid; nohup where there is none), so that neither the caller's
# terminal nor its process group take it down; stdin from /dev/null, stdout and stderr appended to LOG after
# a "==== TIME starting CMD" line; none of the caller's descriptors above 2 (bats waits until its fd 3 is
# closed; a lock on an inherited descriptor would be held for as long as the daemon runs); and out of the
# caller's job table. The process writes its own pid (PIDFILE.tmp, then mv) just before it execs CMD, so
# PIDFILE names CMD itself even when setsid forks, and CMD may exec further (nsenter, a wrapper) keeping it.

[[ -n "${REDISPAIR_PROCESS_SH_LOADED:-}" ]] && return 0
REDISPAIR_PROCESS_SH_LOADED=1

# Named timeouts (seconds) and the poll interval; set them in the environment to override.
: "${REDISPAIR_PROCESS_POLL_INTERVAL:=0.5}"
# spawn: the pid file is written; start: the process runs its own executable (an exec away).
: "${REDISPAIR_PROCESS_START_TIMEOUT:=5}"
# stop: how long SIGTERM may take before SIGKILL (callers pass their own: CP_STOP_TIMEOUT, NODE_STOP_TIMEOUT).
: "${REDISPAIR_PROCESS_STOP_TIMEOUT:=20}"
# with_progress: how often a long step (a cold build, minutes on 2 cores) says it is still running.
: "${REDISPAIR_PROCESS_PROGRESS_INTERVAL:=30}"
# stop: how long a SIGKILLed process may take to disappear (a process in uninterruptible sleep) before it is
# reported as a failure.
: "${REDISPAIR_PROCESS_KILL_TIMEOUT:=10}"

redispair::process::now() {
  if [[ -n "${EPOCHREALTIME:-}" ]]; then
    # Some locales write it with a decimal comma.
    printf '%s\n' "${EPOCHREALTIME/,/.}"
  else
    date +%s
  fi
}

redispair::process::elapsed() {
  local start="$1" now
  now="$(redispair::process::now)"
  awk -v a="${start}" -v b="${now}" 'BEGIN { printf "%.1f\n", b - a }'
}

redispair::process::poll() {
  local timeout="$1" what="$2"
  shift 2
  local start="${SECONDS}" next_note=$((SECONDS + 5))
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS - start >= timeout)); then
      return 1
    fi
    if ((SECONDS >= next_note)); then
      redispair::log::step "waiting for ${what} ($((SECONDS - start))s of ${timeout}s)"
      next_note=$((SECONDS + 5))
    fi
    sleep "${REDISPAIR_PROCESS_POLL_INTERVAL}"
  done
}

# A cold `go build` or image build prints nothing for minutes: a heartbeat with the elapsed time shows it works.
redispair::process::with_progress() {
  local what="$1"
  shift
  local start="${SECONDS}" next=$((SECONDS + REDISPAIR_PROCESS_PROGRESS_INTERVAL)) pid rc=0 noted=0
  "$@" &
  pid=$!
  while kill -0 "${pid}" 2>/dev/null; do
    if ((SECONDS >= next)); then
      redispair::log::step "${what}: still running, $((SECONDS - start))s"
      noted=1
      next=$((SECONDS + REDISPAIR_PROCESS_PROGRESS_INTERVAL))
    fi
    sleep 1
  done
  wait "${pid}" || rc=$?
  ((rc != 0 || noted == 0)) || redispair::log::step "${what}: done in $((SECONDS - start))s"
  return "${rc}"
}

# Prints the name of the executable PID runs; fails when it cannot be read (gone, exiting, not ours to read).
# The executable, not the command name: that one is cut to 15 characters (kube-controller-manager).
redispair::process::_exe() {
  local exe_path
  if [[ -r /proc/self/stat ]]; then
    exe_path="$(readlink "/proc/$1/exe" 2>/dev/null)" || return 1
    exe_path="${exe_path% (deleted)}"
  else
    exe_path="$(ps -p "$1" -o comm= 2>/dev/null)" || return 1
  fi
  [[ -n "${exe_path}" ]] || return 1
  printf '%s\n' "${exe_path##*/}"
}

redispair::process::alive() {
  local pid="${1:-}" exe="${2:-}" state
  case "${pid}" in
    '' | *[!0-9]*) return 1 ;;
  esac
  if [[ -r /proc/self/stat ]]; then
    state="$(cat "/proc/${pid}/stat" 2>/dev/null)" || return 1
    # "PID (COMM) STATE ...": COMM may hold spaces and parentheses, the state follows the last ") ".
    state="${state##*) }"
    case "${state}" in
      Z* | X*) return 1 ;;
    esac
  else
    state="$(ps -p "${pid}" -o stat= 2>/dev/null)" || return 1
    case "${state}" in
      '' | *Z*) return 1 ;;
    esac
  fi
  [[ -z "${exe}" || "$(redispair::process::_exe "${pid}")" == "${exe}" ]]
}

redispair::process::pid() {
  local pidfile="${1:-}" exe="${2:-}" pid
  [[ -n "${pidfile}" && -s "${pidfile}" ]] || return 1
  pid="$(cat "${pidfile}" 2>/dev/null)" || return 1
  redispair::process::alive "${pid}" "${exe}" || return 1
  printf '%s\n' "${pid}"
}

redispair::process::spawn() {
  local pidfile="$1" log="$2"
  shift 2
  local detach=nohup
  command -v setsid >/dev/null 2>&1 && detach=setsid
  mkdir -p "$(dirname "${pidfile}")" "$(dirname "${log}")" || return 1
  rm -f "${pidfile}"
  printf '\n==== %s starting %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" >>"${log}" || return 1
  # The outer subshell ends at once, so the process is nobody's job. The inner bash closes what it inherited
  # (a glob of /dev/fd in bash lists bash's own descriptors, on Linux and macOS), records its pid and becomes CMD.
  (
    # shellcheck disable=SC2016 # expanded by the inner bash
    "${detach}" bash -c '
      for fd in /dev/fd/*; do
        fd="${fd##*/}"
        case "${fd}" in 0 | 1 | 2 | *[!0-9]*) ;; *) eval "exec ${fd}>&-" ;; esac
      done
      echo "$$" >"$1.tmp" && mv "$1.tmp" "$1" || exit 1
      shift
      exec "$@"' redispair-spawn "${pidfile}" "$@" </dev/null >>"${log}" 2>&1 &
  )
  if ! redispair::process::poll "${REDISPAIR_PROCESS_START_TIMEOUT}" "pid file ${pidfile}" test -s "${pidfile}"; then
    redispair::log::error "could not start $1: no pid in ${pidfile} after ${REDISPAIR_PROCESS_START_TIMEOUT}s; last lines of ${log}:"
    tail -n 20 "${log}" >&2
    return 1
  fi
}

# 0 once the process PIDFILE names runs as EXE, or has exited: either way there is nothing more to wait for.
redispair::process::_settled() {
  local pid
  pid="$(cat "$1" 2>/dev/null)"
  redispair::process::alive "${pid}" "$2" || ! redispair::process::alive "${pid}"
}

redispair::process::start() {
  local pidfile="$1" exe="$2" log="$3" what="$4"
  shift 4
  redispair::process::spawn "${pidfile}" "${log}" "$@" || return 1
  if ! redispair::process::poll "${REDISPAIR_PROCESS_START_TIMEOUT}" "${what} to start" \
    redispair::process::_settled "${pidfile}" "${exe}" ||
    ! redispair::process::pid "${pidfile}" "${exe}" >/dev/null; then
    redispair::log::error "${what} did not start; last lines of ${log}:"
    tail -n 20 "${log}" >&2
    return 1
  fi
}

# 0 once PID has exited (a zombie counts), or runs another program than EXE now. A process on its way out
# whose executable can no longer be read is not gone yet: it may hold its files (a listening port) a moment longer.
redispair::process::_gone() {
  local name
  redispair::process::alive "$1" || return 0
  [[ -n "$2" ]] && name="$(redispair::process::_exe "$1")" && [[ "${name}" != "$2" ]]
}

redispair::process::stop() {
  local pidfile="${1:-}" exe="${2:-}" what="${3:-${2:-process}}" timeout="${4:-${REDISPAIR_PROCESS_STOP_TIMEOUT}}"
  local pid
  [[ -n "${pidfile}" ]] || return 0
  if ! pid="$(redispair::process::pid "${pidfile}" "${exe}")"; then
    rm -f "${pidfile}"
    return 0
  fi
  kill -TERM "${pid}" 2>/dev/null || true # it may have exited since we looked: that is the goal anyway
  if ! redispair::process::poll "${timeout}" "${what} to exit" redispair::process::_gone "${pid}" "${exe}"; then
    redispair::log::warn "${what} (pid ${pid}) ignored SIGTERM for ${timeout}s; sending SIGKILL"
    kill -KILL "${pid}" 2>/dev/null || true # the same race
    if ! redispair::process::poll "${REDISPAIR_PROCESS_KILL_TIMEOUT}" "${what} to die" \
      redispair::process::_gone "${pid}" "${exe}"; then
      redispair::log::error "${what} (pid ${pid}) survived SIGKILL for ${REDISPAIR_PROCESS_KILL_TIMEOUT}s"
      return 1
    fi
  fi
  rm -f "${pidfile}"
  redispair::log::step "stopped ${what} (pid ${pid})"
}
