#!/usr/bin/env bats
# scripts/lib/process.sh, the one process library of the control plane, the nodes and the port-forwards:
# start detached, pid files, alive (not fooled by a zombie or a reused pid), stop with the SIGKILL fallback,
# and the same from zsh (the port-forwards start from the user's shell). Plain processes (sleep), no root.

bats_require_minimum_version 1.5.0

ROOT="$(cd "${BATS_TEST_DIRNAME}/../.." && pwd)"
# shellcheck source=scripts/lib/log.sh
source "${ROOT}/scripts/lib/log.sh"
# shellcheck source=scripts/lib/process.sh
source "${ROOT}/scripts/lib/process.sh"

# Short waits, so that the timing assertions below measure the library, not its defaults.
export REDISPAIR_PROCESS_POLL_INTERVAL=0.1
export REDISPAIR_PROCESS_KILL_TIMEOUT=5
# How long a SIGTERM-ignoring process gets before SIGKILL in the stop test, and the slack allowed on top of it
# for a busy machine.
readonly TERM_TIMEOUT=2
readonly SLACK=3

setup() {
  PIDFILE="${BATS_TEST_TMPDIR}/run/p.pid"
  LOG="${BATS_TEST_TMPDIR}/logs/p.log"
}

# Whatever a test started is gone afterwards, passed or failed.
teardown() {
  local f pid
  for f in "${BATS_TEST_TMPDIR}"/run/*.pid "${BATS_TEST_TMPDIR}"/*.pid; do
    [[ -s "${f}" ]] || continue
    pid="$(cat "${f}")"
    kill -KILL "${pid}" 2>/dev/null || true # already gone is what a passing test leaves
  done
}

# Prints the milliseconds since the epoch.
now_ms() { date +%s%3N; }

# Prints the open descriptors of process PID, in order, on one line.
fds() { find "/proc/$1/fd" -mindepth 1 -maxdepth 1 -printf '%f\n' | sort -n | tr '\n' ' '; }

@test "start: detached in its own session, without the caller's descriptors, output to the log, pid in the pid file" {
  exec 7>"${BATS_TEST_TMPDIR}/held-open"
  run -0 redispair::process::start "${PIDFILE}" sleep "${LOG}" "test sleep" sleep 300
  exec 7>&-
  local pid
  pid="$(redispair::process::pid "${PIDFILE}" sleep)"
  [[ -n "${pid}" ]]
  # Only stdin, stdout and stderr: not bats' fd 3 (bats would wait for it), not fd 7.
  [ "$(fds "${pid}")" == "0 1 2 " ]
  [ "$(readlink "/proc/${pid}/fd/0")" == /dev/null ]
  [ "$(readlink "/proc/${pid}/fd/1")" == "${LOG}" ]
  # It leads its own session (stat: "PID (COMM) STATE PPID PGRP SESSION ...").
  local stat session
  stat="$(cat "/proc/${pid}/stat")"
  stat="${stat##*) }"
  read -r _ _ _ session _ <<<"${stat}"
  [ "${session}" == "${pid}" ]
  grep -q '^==== .* starting sleep 300$' "${LOG}"
}

@test "start: a command that exits at once fails fast, with the end of its log" {
  # Fast: long before the start timeout, which is for a process that is still on its way to the program.
  REDISPAIR_PROCESS_START_TIMEOUT=10
  local t0
  t0="$(now_ms)"
  run -1 redispair::process::start "${PIDFILE}" sleep "${LOG}" "test boom" sh -c 'echo boom; exit 3'
  echo "${output}"
  (($(now_ms) - t0 < SLACK * 1000))
  [[ "${output}" == *"test boom did not start"* ]]
  [[ "${output}" == *boom* ]]
}

@test "alive: a running process; not a dead or empty or non-numeric pid, not a zombie; with EXE only that program" {
  redispair::process::alive "${BASHPID}"
  redispair::process::alive "${BASHPID}" bash
  run ! redispair::process::alive "${BASHPID}" sleep
  run ! redispair::process::alive ""
  run ! redispair::process::alive abc
  run ! redispair::process::alive 12x
  sleep 0 &
  local dead=$!
  wait "${dead}"
  run ! redispair::process::alive "${dead}"
  # A zombie: a child that exits (after 1 s) once its parent bash has become sleep 30, which never reaps it.
  bash -c 'sleep 1 & echo $! >"$1"; exec sleep 30' _ "${BATS_TEST_TMPDIR}/zombie.pid" 3>&- &
  echo $! >"${BATS_TEST_TMPDIR}/parent.pid"
  disown $!
  local zombie state=""
  for _ in $(seq 100); do
    zombie="$(cat "${BATS_TEST_TMPDIR}/zombie.pid" 2>/dev/null)" &&
      state="$(awk '{ print $3 }' "/proc/${zombie}/stat" 2>/dev/null)" && [[ "${state}" == Z ]] && break
    sleep 0.1
  done
  [ "${state}" == Z ]
  run ! redispair::process::alive "${zombie}"
}

@test "pid reuse: a pid file whose pid now runs another program is stale, and stop leaves that program alone" {
  sleep 300 3>&- &
  local other=$!
  disown "${other}"
  echo "${other}" >"${BATS_TEST_TMPDIR}/other.pid"
  mkdir -p "${PIDFILE%/*}"
  echo "${other}" >"${PIDFILE}"
  run ! redispair::process::pid "${PIDFILE}" kubelet
  run -0 redispair::process::stop "${PIDFILE}" kubelet "test kubelet" 1
  [[ -z "${output}" ]]
  redispair::process::alive "${other}" sleep
  [[ ! -e "${PIDFILE}" ]]
}

@test "stop: SIGTERM ends it, the pid file goes, and it says so" {
  redispair::process::start "${PIDFILE}" sleep "${LOG}" "test sleep" sleep 300
  local pid
  pid="$(redispair::process::pid "${PIDFILE}" sleep)"
  run -0 redispair::process::stop "${PIDFILE}" sleep "test sleep" "${TERM_TIMEOUT}"
  [[ "${output}" == *"stopped test sleep (pid ${pid})"* ]]
  [[ "${output}" != *SIGKILL* ]]
  run ! redispair::process::alive "${pid}"
  [[ ! -e "${PIDFILE}" ]]
}

@test "stop: a process that ignores SIGTERM gets SIGKILL after the timeout, and is gone within it and some slack" {
  # An ignored signal stays ignored across exec.
  redispair::process::start "${PIDFILE}" sleep "${LOG}" "stubborn sleep" bash -c 'trap "" TERM; exec sleep 300'
  local pid t0
  pid="$(redispair::process::pid "${PIDFILE}" sleep)"
  t0="$(now_ms)"
  run -0 redispair::process::stop "${PIDFILE}" sleep "stubborn sleep" "${TERM_TIMEOUT}"
  local took=$(($(now_ms) - t0))
  echo "${output}"
  echo "took ${took} ms"
  [[ "${output}" == *"stubborn sleep (pid ${pid}) ignored SIGTERM for ${TERM_TIMEOUT}s; sending SIGKILL"* ]]
  ((took >= (TERM_TIMEOUT - 1) * 1000 && took < (TERM_TIMEOUT + SLACK) * 1000))
  run ! redispair::process::alive "${pid}"
  [[ ! -e "${PIDFILE}" ]]
}

@test "stop: nothing to stop is fine: no pid file named, none on disk, an empty or a garbage one" {
  run -0 redispair::process::stop ""
  [[ -z "${output}" ]]
  run -0 redispair::process::stop "${BATS_TEST_TMPDIR}/missing.pid" sleep
  [[ -z "${output}" ]]
  : >"${BATS_TEST_TMPDIR}/empty.pid"
  run -0 redispair::process::stop "${BATS_TEST_TMPDIR}/empty.pid" sleep
  [[ -z "${output}" && ! -e "${BATS_TEST_TMPDIR}/empty.pid" ]]
  echo garbage >"${BATS_TEST_TMPDIR}/garbage.pid"
  run -0 redispair::process::stop "${BATS_TEST_TMPDIR}/garbage.pid" sleep
  [[ -z "${output}" && ! -e "${BATS_TEST_TMPDIR}/garbage.pid" ]]
}

@test "poll: returns as soon as the command succeeds; fails once the timeout has passed" {
  local t0
  t0="$(now_ms)"
  redispair::process::poll 5 "true" true
  (($(now_ms) - t0 < 1000))
  t0="$(now_ms)"
  run -1 redispair::process::poll 1 "a file that never appears" test -e "${BATS_TEST_TMPDIR}/never"
  # SECONDS counts whole seconds, so a timeout of 1 may end anywhere in its second: only the bound is checked.
  (($(now_ms) - t0 < (1 + SLACK) * 1000))
}

@test "elapsed: the seconds since a now value, with one decimal" {
  local start
  start="$(redispair::process::now)"
  sleep 1.2
  run -0 redispair::process::elapsed "${start}"
  [[ "${output}" =~ ^[1-4]\.[0-9]$ ]]
  run -0 redispair::process::elapsed "$(($(date +%s) - 3))"
  [[ "${output}" =~ ^[3-6]\.[0-9]$ ]]
}

@test "with_progress: a long command says it is still running, with the elapsed time, then done; its status and output pass through" {
  REDISPAIR_PROCESS_PROGRESS_INTERVAL=1 run redispair::process::with_progress "slow step" bash -c 'echo out; sleep 2.5; exit 3'
  echo "${output}"
  [ "${status}" -eq 3 ]
  [[ "${output}" == *out* ]]
  [[ "${output}" == *"slow step: still running, 1s"* ]]
  [[ "${output}" == *"slow step: still running, 2s"* ]]
  # A step quicker than the interval is not announced at all.
  REDISPAIR_PROCESS_PROGRESS_INTERVAL=30 run redispair::process::with_progress "quick step" true
  [ "${status}" -eq 0 ]
  [ -z "${output}" ]
  REDISPAIR_PROCESS_PROGRESS_INTERVAL=1 run redispair::process::with_progress "slow ok" sleep 1.5
  [ "${status}" -eq 0 ]
  [[ "${output}" == *"slow ok: done in "* ]]
}

@test "zsh: start, pid and stop work from zsh, as scripts/_dev_vars.sh runs them in the user's shell" {
  command -v zsh >/dev/null || skip "zsh is not installed (hack/install-deps.sh installs it)"
  # Like _dev_vars.sh: bash-style code under `emulate -L ksh`, and an inherited descriptor above 9.
  run zsh -c '
    f() {
      emulate -L ksh
      . "$1/scripts/lib/log.sh"; . "$1/scripts/lib/process.sh"
      redispair::process::start "$2" sleep "$3" "zsh sleep" sleep 300 || return 1
      pid="$(redispair::process::pid "$2" sleep)" || return 2
      echo "fds $(find "/proc/${pid}/fd" -mindepth 1 -maxdepth 1 -printf "%f\n" | sort -n | tr "\n" " ")"
      redispair::process::stop "$2" sleep "zsh sleep" 2 || return 3
      redispair::process::alive "${pid}" && return 4
      echo "done ${pid}"
    }
    exec {held}>/dev/null
    f "$@"' _ "${ROOT}" "${PIDFILE}" "${LOG}"
  echo "${output}"
  [ "${status}" -eq 0 ]
  [[ "${output}" == *"fds 0 1 2 "* ]]
  [[ "${output}" == *"stopped zsh sleep (pid "*")"*"done "* ]]
}
