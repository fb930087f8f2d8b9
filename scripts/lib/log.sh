# shellcheck shell=bash
# The one logging library for every script in this repo (scripts/, hack/, test/).
# Sourcing it only defines functions: no options are changed and nothing runs.
#
#   redispair::log::info  "msg"   progress, to stdout
#   redispair::log::warn  "msg"   to stderr
#   redispair::log::error "msg"   to stderr
#   redispair::log::fatal "msg"   error, then exit 1 (never use from a sourced file)
#
# Colour is used only when the stream is a TTY and NO_COLOR is unset (https://no-color.org).

[[ -n "${REDISPAIR_LOG_SH_LOADED:-}" ]] && return 0
REDISPAIR_LOG_SH_LOADED=1

redispair::log::_colour() {
  local fd="$1" code="$2"
  if [[ -z "${NO_COLOR:-}" && -t "${fd}" ]]; then
    printf '\033[%sm' "${code}"
  fi
}

redispair::log::_emit() {
  local fd="$1" code="$2" tag="$3"
  shift 3
  local on off
  on="$(redispair::log::_colour "${fd}" "${code}")"
  off=""
  [[ -n "${on}" ]] && off=$'\033[0m'
  local prog="${REDISPAIR_LOG_PROG:-${0##*/}}"
  printf '%s[%s] %s%s %s\n' "${on}" "${prog}" "${tag}" "${off}" "$*" >&"${fd}"
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
