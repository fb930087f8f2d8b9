# shellcheck shell=bash
# The argument handling that every script in scripts/ shares, so that all of them answer alike:
# -h/--help prints the usage and exits 0; anything a script does not take prints the usage and the
# error to stderr and exits 2. The calling script defines `usage` (its help, to stdout).
# Sourcing this file only defines functions. Needs scripts/lib/log.sh.
#
#   redispair::args::check "FLAG..." ARGS...  every ARG is -h/--help or one of the space-separated FLAGs
#   redispair::args::has "FLAG..." ARGS...    one of the FLAGs is among ARGS
#   redispair::args::usage_error MESSAGE      the usage and MESSAGE to stderr, then exit 2
#   redispair::args::rerun [ARG...]           the command that runs this script again, pasteable from the
#                                             repository root: scripts/NAME ARG..., or $REDISPAIR_RERUN
#                                             when it is set (the Makefile sets "make up", "make down YES=1")

[[ -n "${REDISPAIR_ARGS_SH_LOADED:-}" ]] && return 0
REDISPAIR_ARGS_SH_LOADED=1

redispair::args::check() {
  local flags="$1" arg
  shift
  for arg in "$@"; do
    case "${arg}" in
      -h | --help)
        usage
        exit 0
        ;;
    esac
    redispair::args::has "${flags}" "${arg}" || redispair::args::usage_error "unknown argument: ${arg}"
  done
}

redispair::args::has() {
  local -a flags=()
  read -r -a flags <<<"$1"
  shift
  local arg flag
  for arg in "$@"; do
    for flag in ${flags[@]+"${flags[@]}"}; do
      [[ "${arg}" == "${flag}" ]] && return 0
    done
  done
  return 1
}

redispair::args::usage_error() {
  usage >&2
  redispair::log::error "$1"
  exit 2
}

# shellcheck disable=SC2120 # the ARGs are optional: most callers pass none
redispair::args::rerun() {
  if [[ -n "${REDISPAIR_RERUN:-}" ]]; then
    printf '%s\n' "${REDISPAIR_RERUN}"
  else
    printf '%s\n' "scripts/${0##*/}${1:+ $*}"
  fi
}
