# shellcheck shell=bash
# Helpers for the bats suites in test/scripts/ (the developer scripts in scripts/).
#
#   rp::root                         the repository root
#   rp::scripts                      every script of scripts/ the task names (the undo symlink included)
#   rp::executables                  the scripts that are run (all but the sourced _dev_vars.sh)
#   rp::path_without DIR TOOL...     fills DIR with links to every command on $PATH except TOOL...
#                                    and prints DIR: a PATH on which those tools are missing
#   rp::dead_kubeconfig FILE         writes a kubeconfig whose only context, "dead", points at a port
#                                    nothing listens on (a cluster that is down)
#   rp::stub DIR NAME SCRIPT         writes an executable DIR/NAME running the sh SCRIPT; every call is
#                                    appended to DIR/NAME.calls

RP_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
export RP_ROOT

rp::root() { printf '%s\n' "${RP_ROOT}"; }

rp::scripts() {
  printf '%s\n' 00-minikube-up.sh 99-minikube-down.sh 01-redis-up.sh 98-redis-down.sh \
    02-redis-info.sh 97-redis-info-down.sh 97-redis-info-downq.sh redisImport.sh redisClean.sh _dev_vars.sh
}

rp::executables() {
  rp::scripts | grep -v '^_dev_vars\.sh$'
}

rp::path_without() {
  local dir="$1"
  shift
  mkdir -p "${dir}"
  local d f name skip excluded
  local IFS=:
  for d in ${PATH}; do
    [[ -d "${d}" ]] || continue
    for f in "${d}"/*; do
      name="${f##*/}"
      [[ -x "${f}" && ! -d "${f}" && ! -e "${dir}/${name}" ]] || continue
      skip=0
      for excluded in "$@"; do
        if [[ "${name}" == "${excluded}" ]]; then skip=1; fi
      done
      if ((skip == 0)); then ln -s "${f}" "${dir}/${name}"; fi
    done
  done
  printf '%s\n' "${dir}"
}

rp::dead_kubeconfig() {
  cat >"$1" <<'KUBECONFIG'
apiVersion: v1
kind: Config
clusters:
- name: dead
  cluster:
    server: https://127.0.0.1:9
users:
- name: nobody
  user:
    token: not-a-token
contexts:
- name: dead
  context: {cluster: dead, user: nobody}
current-context: dead
KUBECONFIG
}

rp::stub() {
  local dir="$1" name="$2" body="$3"
  mkdir -p "${dir}"
  {
    printf '#!/bin/sh\necho "$*" >>"%s/%s.calls"\n' "${dir}" "${name}"
    printf '%s\n' "${body}"
  } >"${dir}/${name}"
  chmod +x "${dir}/${name}"
}
