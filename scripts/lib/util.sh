# shellcheck shell=bash
# Small helpers shared by the scripts in scripts/. Sourcing this file only defines functions:
# no options are changed and nothing runs. Works in bash (3.2+) and zsh, because scripts/_dev_vars.sh
# loads it into the user's interactive shell.
#
#   redispair::util::trap_add CMD SIGNAL   append CMD to the trap for SIGNAL instead of replacing it
#   redispair::util::confirm QUESTION      ask y/N on the terminal; "no" when there is no terminal
#   redispair::util::state_dir             ${XDG_STATE_HOME:-~/.local/state}/redispair (not created)

[[ -n "${REDISPAIR_UTIL_SH_LOADED:-}" ]] && return 0
REDISPAIR_UTIL_SH_LOADED=1

# Chains CMD onto whatever trap is already set for SIGNAL (kube::util::trap_add).
redispair::util::trap_add() {
  local cmd="$1" sig="$2"
  local existing
  # `trap -p SIG` prints: trap -- 'CMD' SIG; eval hands its words to a function that keeps the third.
  existing="$(eval "redispair::util::_third() { printf '%s' \"\${3:-}\"; }; redispair::util::_third $(trap -p "${sig}")")"
  if [[ -n "${existing}" ]]; then
    # shellcheck disable=SC2064 # expand now: the trap text is fixed at install time
    trap "${existing}; ${cmd}" "${sig}"
  else
    # shellcheck disable=SC2064
    trap "${cmd}" "${sig}"
  fi
}

# Returns 0 only when the user answers y/yes on the terminal. Without a terminal (CI, a pipe) it
# answers no, so a destructive step never runs unattended unless the caller passed --yes.
redispair::util::confirm() {
  local question="$1" answer=""
  if [[ ! -t 0 ]]; then
    return 1
  fi
  printf '%s [y/N] ' "${question}" >&2
  read -r answer || return 1
  case "${answer}" in
    y | Y | yes | YES | Yes) return 0 ;;
    *) return 1 ;;
  esac
}

redispair::util::state_dir() {
  printf '%s\n' "${XDG_STATE_HOME:-${HOME}/.local/state}/redispair"
}
