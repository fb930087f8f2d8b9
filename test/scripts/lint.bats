#!/usr/bin/env bats
# Static checks of the developer scripts in scripts/: they exist under the task's exact names, pass
# shellcheck, answer --help, refuse unknown arguments, and follow the house rules for executables
# (strict mode, ERR trap, main "$@" last) and for sourced files (no errexit/nounset, no side effects).

bats_require_minimum_version 1.5.0

load lib/helpers

setup() {
  cd "${RP_ROOT}"
}

@test "every script the task names exists; executables are executable" {
  local s
  while IFS= read -r s; do
    [[ -f "scripts/${s}" ]] || { echo "missing scripts/${s}"; return 1; }
  done < <(rp::scripts)
  while IFS= read -r s; do
    [[ -x "scripts/${s}" ]] || { echo "not executable: scripts/${s}"; return 1; }
  done < <(rp::executables)
}

@test "97-redis-info-downq.sh (the task's spelling) is a symlink to 97-redis-info-down.sh" {
  [[ -L scripts/97-redis-info-downq.sh ]]
  [[ "$(readlink scripts/97-redis-info-downq.sh)" == 97-redis-info-down.sh ]]
}

@test "shellcheck passes on every script and library (scripts/, scripts/lib/, test/scripts/lib/)" {
  run shellcheck -x scripts/*.sh scripts/lib/*.sh test/scripts/lib/*.bash
  echo "${output}"
  [[ "${status}" -eq 0 ]]
}

@test "every executable answers --help with its usage and exit 0, without any cluster or tool" {
  local s
  while IFS= read -r s; do
    run env PATH=/usr/bin:/bin "scripts/${s}" --help
    [[ "${status}" -eq 0 ]] || { echo "${s} --help: exit ${status}: ${output}"; return 1; }
    [[ "${output}" == *Usage:* ]] || { echo "${s} --help printed no usage: ${output}"; return 1; }
  done < <(rp::executables)
}

@test "_dev_vars.sh answers --help when sourced (bash and zsh) and when run" {
  run bash -c 'source scripts/_dev_vars.sh --help'
  [[ "${status}" -eq 0 && "${output}" == *REDIS_MASTER_HOST_PORT* ]]
  run zsh -c 'source scripts/_dev_vars.sh --help'
  [[ "${status}" -eq 0 && "${output}" == *REDIS_MASTER_HOST_PORT* ]]
  run bash scripts/_dev_vars.sh --help
  [[ "${status}" -eq 0 && "${output}" == *REDIS_SLAVE_HOST_PORT* ]]
}

@test "_dev_vars.sh run instead of sourced says to source it and fails" {
  run bash scripts/_dev_vars.sh
  [[ "${status}" -ne 0 ]]
  [[ "${output}" == *"source scripts/_dev_vars.sh"* ]]
}

@test "every executable refuses an unknown argument with a non-zero exit" {
  local s
  while IFS= read -r s; do
    run "scripts/${s}" --no-such-flag
    [[ "${status}" -ne 0 ]] || { echo "${s} accepted --no-such-flag"; return 1; }
    [[ "${output}" == *"unknown"* ]] || { echo "${s}: ${output}"; return 1; }
  done < <(rp::executables)
}

@test "executables: strict mode, ERR trap, main \"\$@\" as the last line" {
  local s
  while IFS= read -r s; do
    [[ -L "scripts/${s}" ]] && continue
    grep -qx 'set -o errexit -o nounset -o pipefail' "scripts/${s}" || { echo "${s}: no strict mode"; return 1; }
    grep -q 'redispair::log::install_err_trap' "scripts/${s}" || { echo "${s}: no ERR trap"; return 1; }
    [[ "$(tail -n 1 "scripts/${s}")" == 'main "$@"' ]] || { echo "${s}: last line is not main \"\$@\""; return 1; }
  done < <(rp::executables)
}

@test "sourced files never set errexit/nounset and load only once" {
  local f
  # _dev_vars.sh may only turn them back on when the caller had them (the saved flags).
  for f in scripts/_dev_vars.sh scripts/lib/*.sh; do
    if grep -nE '^[^#]*set -(o (errexit|nounset)|[a-z]*[eu])\b' "${f}" | grep -v 'set +o' | grep -v '_dev_vars_flags}" in'; then
      echo "${f} sets errexit or nounset"
      return 1
    fi
  done
  for f in scripts/lib/*.sh; do
    grep -qE '^\[\[ -n "\$\{REDISPAIR_[A-Z0-9_]+_LOADED:-\}" \]\] && return 0$' "${f}" || { echo "${f}: no load guard"; return 1; }
  done
}

@test "sourcing the libraries has no side effects: no output, shell options unchanged" {
  run bash -c 'before="$(set -o; shopt)"; for f in scripts/lib/*.sh; do source "$f"; source "$f"; done; after="$(set -o; shopt)"; [[ "$before" == "$after" ]] && echo same'
  [[ "${status}" -eq 0 ]]
  [[ "${output}" == same ]]
  run zsh -c 'before="$(set -o)"; for f in scripts/lib/*.sh; do source "$f"; done; after="$(set -o)"; [[ "$before" == "$after" ]] && echo same'
  [[ "${status}" -eq 0 ]]
  [[ "${output}" == same ]]
}

@test "no 'local x=\$(cmd)' (it hides the failure of cmd)" {
  run grep -nE '^\s*local [A-Za-z_]+="?\$\([^(]' scripts/*.sh scripts/lib/*.sh
  echo "${output}"
  [[ "${status}" -eq 1 ]]
}

# ---- portability: bash 3.2 and the BSD tools of a stock Mac (test/scripts/lib/portability.bash) -------------

@test "portability: no expansion of a possibly empty array without a guard in scripts/ (bash 3.2 + set -u: unbound)" {
  load lib/portability
  run rp::portability::empty_arrays scripts/*.sh scripts/lib/*.sh
  echo "${output}"
  [ -z "${output}" ]
}

@test "portability: no GNU-only tool flags and no bash 4+ features in scripts/ (every script runs on a Mac)" {
  load lib/portability
  run rp::portability::gnu_tools scripts/*.sh scripts/lib/*.sh
  echo "${output}"
  [ -z "${output}" ]
  run rp::portability::bash4 scripts/*.sh scripts/lib/*.sh
  echo "${output}"
  [ -z "${output}" ]
}

@test "portability lint: finds each pattern it knows in a sample, and passes the guarded forms" {
  load lib/portability
  local sample="${BATS_TEST_TMPDIR}/sample.sh"
  cat >"${sample}" <<'SAMPLE'
#!/usr/bin/env bash
# sed -i in a comment is fine
local -a extra=()
read -r -a more <<<"${X:-}"
local -a fixed=(one two)
run "${extra[@]}"
run ${extra[@]+"${extra[@]}"} "${fixed[@]}"
echo "${more[*]}" "${more[*]:-none}" "${#more[@]}"
sed -i 's/a/b/' f
nc -z -w 2 host 80
date +%s.%N
readlink -f x
grep -P 'x' f
printf x | base64 -d
timeout 5 true
sha256sum f
mapfile -t lines <f
echo "${x,,}"
cmd |& cat
command -v setsid >/dev/null 2>&1 && detach=setsid
flock 9 true
t="${EPOCHREALTIME}"
SAMPLE
  run rp::portability::empty_arrays "${sample}"
  echo "${output}"
  [ "$(grep -c . <<<"${output}")" -eq 2 ]
  [[ "${output}" == *"sample.sh:6: \${extra[@]}"* ]]
  [[ "${output}" == *"sample.sh:8: \${more[@]}"* ]]
  run rp::portability::gnu_tools "${sample}"
  echo "${output}"
  local n
  for n in 9 10 11 12 13 14 15 16 21; do
    [[ "${output}" == *"sample.sh:${n}: "* ]] || { echo "line ${n} not flagged"; return 1; }
  done
  [[ "${output}" != *"sample.sh:2: "* ]]
  [[ "${output}" != *"sample.sh:20: "* ]]
  run rp::portability::bash4 "${sample}"
  echo "${output}"
  for n in 17 18 19 22; do
    [[ "${output}" == *"sample.sh:${n}: "* ]] || { echo "line ${n} not flagged"; return 1; }
  done
  # EPOCHREALTIME behind a test for it, with a fallback, is portable.
  local guarded="${BATS_TEST_TMPDIR}/guarded.sh"
  printf '%s\n' 'if [[ -n "${EPOCHREALTIME:-}" ]]; then' '  t="${EPOCHREALTIME/,/.}"' 'else' '  t="$(date +%s)"' 'fi' >"${guarded}"
  run rp::portability::bash4 "${guarded}"
  echo "${output}"
  [ -z "${output}" ]
}
