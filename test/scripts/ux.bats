#!/usr/bin/env bats
# What a new user sees, from a clean environment (env -i, no minikube, the cluster down): coloured
# progress on a terminal, help that names the undo script, one exit status for a wrong argument, hints
# that can be pasted from the repository root (or say `make up` under make), and README/docs that stay
# inside the repository and use this project's names. No cluster is used.

bats_require_minimum_version 1.5.0

load lib/helpers
load lib/clean

# Each script and its sister: the script that undoes it, or that it undoes.
readonly SISTERS=(
  "00-minikube-up.sh 99-minikube-down.sh"
  "99-minikube-down.sh 00-minikube-up.sh"
  "01-redis-up.sh 98-redis-down.sh"
  "98-redis-down.sh 01-redis-up.sh"
  "02-redis-info.sh 97-redis-info-down.sh"
  "97-redis-info-down.sh 02-redis-info.sh"
  "97-redis-info-downq.sh 02-redis-info.sh"
  "redisImport.sh redisClean.sh"
  "redisClean.sh redisImport.sh"
)

setup_file() {
  rp::clean::setup_file
}

setup() {
  cd "${RP_ROOT}"
}

# Runs CMD in the clean environment on a terminal (util-linux script(1)), output in ${output}.
on_terminal() {
  local cmd="$1"
  run rp::clean script -qec "${cmd}" /dev/null
  echo "${output}"
}

@test "progress lines are coloured on a terminal; not with NO_COLOR, not into a pipe" {
  local esc=$'\033['
  on_terminal 'scripts/97-redis-info-down.sh'
  [[ "${output}" == *"${esc}32m[97-redis-info-down.sh] ==>${esc}0m checking prerequisites"* ]]
  [[ "${output}" == *"${esc}31m[97-redis-info-down.sh] ERROR${esc}0m"* ]]
  on_terminal 'NO_COLOR=1 scripts/97-redis-info-down.sh'
  [[ "${output}" == *"[97-redis-info-down.sh] ==> checking prerequisites"* ]]
  [[ "${output}" != *"${esc}"* ]]
  on_terminal 'scripts/97-redis-info-down.sh 2>&1 | cat'
  [[ "${output}" == *"[97-redis-info-down.sh] ==> checking prerequisites"* ]]
  [[ "${output}" != *"${esc}"* ]]
}

@test "every --help shows [--help] in its usage line and names the sister script (undo), pasteable" {
  local pair script sister
  for pair in "${SISTERS[@]}"; do
    read -r script sister <<<"${pair}"
    run rp::clean "scripts/${script}" --help
    [[ "${status}" -eq 0 ]] || { echo "${script} --help: ${status}"; return 1; }
    [[ "$(head -n 1 <<<"${output}")" == "Usage: scripts/${script} "*"[--help]"* ]] || { echo "${script}: ${output}"; return 1; }
    grep -qE "^(Undo|Undoes): scripts/${sister}( |$)" <<<"${output}" || { echo "${script} names no sister ${sister}: ${output}"; return 1; }
  done
  run rp::clean bash -c 'source scripts/_dev_vars.sh --help'
  grep -q '^Undo: source scripts/_dev_vars.sh --stop' <<<"${output}"
}

@test "97-redis-info-down.sh --help is a sentence: garbage collection has deleted the jobs" {
  run rp::clean scripts/97-redis-info-down.sh --help
  [[ "${output}" == *"garbage collection has deleted its jobs"* ]]
}

@test "an unknown argument: every script prints its usage and exits 2" {
  local s
  while IFS= read -r s; do
    run rp::clean "scripts/${s}" --no-such-flag
    [[ "${status}" -eq 2 ]] || { echo "${s}: exit ${status}"; return 1; }
    [[ "${output}" == *"Usage: scripts/${s}"* && "${output}" == *"unknown argument: --no-such-flag"* ]] ||
      { echo "${s}: ${output}"; return 1; }
  done < <(rp::executables)
  run rp::clean scripts/redisImport.sh one.txt two.txt
  [[ "${status}" -eq 2 && "${output}" == *"Usage: scripts/redisImport.sh"* ]]
}

# Prints every mention of a script of scripts/ in TEXT that a user cannot paste from the repository root:
# one without its scripts/ folder (the [name] prefix of a log line excepted).
unpasteable() {
  sed -E 's/^\[[^]]*\]//' <<<"$1" |
    grep -oE '(^|[^/A-Za-z0-9_.-])(0[0-2]|9[7-9])-[a-z-]+\.sh|(^|[^/A-Za-z0-9_.-])(redisImport|redisClean|_dev_vars)\.sh' || true
}

@test "hints name scripts as scripts/NAME, pasteable from the repository root" {
  local s all=""
  # What each script says when asked for help, given a wrong argument, with the cluster down, with kubectl
  # missing.
  while IFS= read -r s; do
    all+="$(rp::clean "scripts/${s}" --help 2>&1 || true)"$'\n'
    all+="$(rp::clean "scripts/${s}" --no-such-flag 2>&1 || true)"$'\n'
    all+="$(rp::clean "scripts/${s}" </dev/null 2>&1 || true)"$'\n'
    all+="$(RP_CLEAN_PATH="$(rp::clean::path_without kubectl)" rp::clean "scripts/${s}" </dev/null 2>&1 || true)"$'\n'
  done < <(rp::executables)
  # 99 with a profile to delete, no --yes and no terminal.
  rp::stub "${BATS_TEST_TMPDIR}/stub" minikube 'case "$*" in *"node list"*) printf "redispair\t10.0.0.1\nredispair-m02\t10.0.0.2\n" ;; esac'
  all+="$(RP_CLEAN_PATH="${BATS_TEST_TMPDIR}/stub:${BATS_FILE_TMPDIR}/bin" rp::clean scripts/99-minikube-down.sh </dev/null 2>&1 || true)"
  [[ "${all}" == *"scripts/99-minikube-down.sh --yes"* ]]
  run unpasteable "${all}"
  echo "${output}"
  [[ -z "${output}" ]]
  # And in the sources: a script names itself as scripts/NAME.
  run grep -nE '[^/]\$\{0##\*/\}' scripts/*.sh
  echo "${output}"
  [[ "${status}" -eq 1 ]]
}

@test "under make up, the hint after a failure is make up" {
  RP_CLEAN_PATH="$(rp::clean::path_without kubectl)"
  run rp::clean make --no-print-directory up
  echo "${output}"
  [[ "${status}" -ne 0 ]]
  [[ "${output}" == *"missing prerequisite: kubectl"* ]]
  [[ "$(grep ERROR <<<"${output}" | tail -n 1)" == *"make up"* ]]
}

@test "no hint tells the user to set a deprecated MINIKUBE_* setting (minikube reads those as its own flags)" {
  # Code lines only: the comments explain the deprecation with these very names.
  run grep -nE '^[^#]*MINIKUBE_(DRIVER|KUBERNETES_VERSION|CPUS|MEMORY|EXTRA_ARGS|NODES_TIMEOUT)=' scripts/*.sh scripts/lib/*.sh
  echo "${output}"
  [[ "${status}" -eq 1 ]]
}

# Relative links of the Markdown files: [text](target).
md_links() {
  grep -oE '\]\([^)]+\)' README.md docs/*.md | sed -E 's/^([^:]*):\]\((.*)\)$/\1 \2/' | grep -vE ' (https?:|mailto:|#)'
}

@test "README and docs: every relative link resolves inside the repository, none leaves it" {
  local file target n=0
  while read -r file target; do
    target="${target%%#*}"
    n=$((n + 1))
    [[ "${target}" != *..* ]] || { echo "${file}: ${target} leaves its folder"; return 1; }
    [[ -e "$(dirname "${file}")/${target}" ]] || { echo "${file}: ${target} does not exist"; return 1; }
  done < <(md_links)
  ((n > 0))
  run grep -nE '\.\./' README.md docs/*.md
  echo "${output}"
  [[ "${status}" -eq 1 ]]
}

@test "README: the task's useful commands in this project's names, redis-tools, the kubectl context, the ops port" {
  # The master is a StatefulSet pod, the replica a Deployment; redis-cli inside them reads the password
  # from the container's environment. (test/scripts/host-access.bats runs these commands.)
  grep -qF 'kubectl -n redis exec -it redis-master-0 -c redis -- redis-cli' README.md
  grep -qF 'kubectl -n redis exec -it deploy/redis-replica -c redis -- redis-cli' README.md
  run ! grep -n 'deploy/redis ' README.md docs/scripts.md
  grep -q 'redis-tools' README.md
  grep -qi 'switches the kubectl context' README.md
  grep -q '32402' README.md
  grep -q 'REDISPAIR_METRICS_HOST_PORT' README.md
  grep -q 'REDISPAIR_METRICS_HOST_PORT' docs/scripts.md
}

@test "README says that the test cluster's redis:7.2 is Debian's redis-server, in the version its image labels give" {
  local version
  version="$(sed -n 's/.*org\.opencontainers\.image\.version="\([0-9.]*\)-debian-bookworm".*/\1/p' localcluster/images/redis/Containerfile)"
  [[ -n "${version}" ]]
  grep -qF "Debian bookworm's \`redis-server\` **${version}." README.md
  grep -qF "${version}-debian-bookworm" README.md
}

@test "make image is gone (01-redis-up.sh builds the image it deploys); make help lists no target that is not there" {
  run make -n image
  [[ "${status}" -ne 0 ]]
  run make --no-print-directory help
  [[ "${status}" -eq 0 ]]
  local target
  while read -r _ target _; do
    make -n "${target}" >/dev/null 2>&1 || { echo "make help lists ${target}, which does not exist"; return 1; }
  done < <(grep '^make ' <<<"${output}")
  run ! grep -n 'make image' README.md docs/scripts.md
}

@test "deploy/operator/service.yaml: the ops port on NodePort 32402 selects the operator's pods" {
  local svc=deploy/operator/service.yaml
  grep -qx '  type: NodePort' "${svc}"
  grep -qx '      nodePort: 32402' "${svc}"
  grep -qx '      targetPort: ops' "${svc}"
  grep -qx '            - name: ops' deploy/operator/deployment.yaml
  grep -A1 -x '  selector:' "${svc}" | grep -qx '    app.kubernetes.io/name: redispair-operator'
  grep -qx '        app.kubernetes.io/name: redispair-operator' deploy/operator/deployment.yaml
}
