# shellcheck shell=bash
# The one logging library for every script in this repo (scripts/, hack/, test/).
# Sourcing it only defines functions: no options are changed and nothing runs.
#
#   redispair::log::info  "msg"   progress, to stdout
#   redispair::log::step  "msg"   detail of a step, to stdout
#   redispair::log::warn  "msg"   to stderr
#   redispair::log::error "msg"   to stderr
#   redispair::log::fatal "msg"   error, then exit 1 (never use from a sourced file)
#
# Colour is used only when the stream is a TTY and NO_COLOR is unset (https://no-color.org).

[[ -n "${REDISPAIR_LOG_SH_LOADED:-}" ]] && return 0
REDISPAIR_LOG_SH_LOADED=1

# Prints "[prog] TAG message" to FD, the tag coloured with CODE when FD is a terminal and NO_COLOR is
# unset. The terminal test must run here, in this shell: inside $(...) its stdout is a pipe.
redispair::log::_emit() {
  local fd="$1" code="$2" tag="$3"
  shift 3
  local prog="${REDISPAIR_LOG_PROG:-${0##*/}}"
  if [[ -z "${NO_COLOR:-}" && -t "${fd}" ]]; then
    printf '\033[%sm[%s] %s\033[0m %s\n' "${code}" "${prog}" "${tag}" "$*" >&"${fd}"
  else
    printf '[%s] %s %s\n' "${prog}" "${tag}" "$*" >&"${fd}"
  fi
}

redispair::log::info() { redispair::log::_emit 1 "32" "==>" "$@"; }
redispair::log::step() { redispair::log::_emit 1 "36" "  ->" "$@"; }
redispair::log::warn() { redispair::log::_emit 2 "33" "WARN" "$@"; }
redispair::log::error() { redispair::log::_emit 2 "31" "ERROR" "$@"; }

redispair::log::fatal() {
  redispair::log::error "$@"
  exit 1
}

# Print "file:line: command" for the failing command; installed as the ERR trap
# by redispair::log::install_err_trap in executable scripts.
redispair::log::on_err() {
  local rc=$? src="${BASH_SOURCE[1]:-?}" line="${BASH_LINENO[0]:-?}"
  redispair::log::error "failed (exit ${rc}) at ${src##*/}:${line}: ${BASH_COMMAND}"
}

redispair::log::install_err_trap() {
  set -o errtrace
  trap 'redispair::log::on_err' ERR
}
