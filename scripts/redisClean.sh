#!/usr/bin/env bash
# Deletes all Redis data: FLUSHALL on the master (authenticated; the replica follows through
# replication), showing the key counts before and after, and checks that the replica is empty too.
# Asks first unless given --yes. Undoes: scripts/redisImport.sh
set -o errexit -o nounset -o pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly ROOT
# shellcheck source=scripts/lib/log.sh
source "${ROOT}/scripts/lib/log.sh"
# shellcheck source=scripts/lib/util.sh
source "${ROOT}/scripts/lib/util.sh"
# shellcheck source=scripts/lib/prereq.sh
source "${ROOT}/scripts/lib/prereq.sh"
# shellcheck source=scripts/lib/args.sh
source "${ROOT}/scripts/lib/args.sh"
# shellcheck source=scripts/lib/names.sh
source "${ROOT}/scripts/lib/names.sh"
# shellcheck source=scripts/lib/k8s.sh
source "${ROOT}/scripts/lib/k8s.sh"
redispair::log::install_err_trap

# The replica applies the FLUSHALL from the replication stream within milliseconds; allow for a
# replica that is reconnecting.
: "${REDISPAIR_CLEAN_TIMEOUT:=30}"

usage() {
  cat <<USAGE
Usage: scripts/${0##*/} [--yes] [--help]

Runs FLUSHALL on the master of RedisPair ${REDISPAIR_NAMESPACE}/${REDISPAIR_NAME} (redis-cli inside the master pod,
which holds the password), after showing the key counts of the master and the replica, then waits up
to ${REDISPAIR_CLEAN_TIMEOUT}s until both report DBSIZE 0. This also forgets what scripts/redisImport.sh imported.
Without --yes it asks first (and refuses when there is no terminal). Safe to run again.

  --yes   do not ask
Environment: KUBE_CONTEXT [${KUBE_CONTEXT:-current context}], REDISPAIR_CLEAN_TIMEOUT [${REDISPAIR_CLEAN_TIMEOUT}]
Undoes: scripts/redisImport.sh
USAGE
}

dbsize() {
  redispair::k8s::redis_cli "$1" DBSIZE
}

main() {
  redispair::args::check "--yes -y" "$@"
  local yes=0
  if redispair::args::has "--yes -y" "$@"; then yes=1; fi
  redispair::k8s::preflight ready || exit 1

  local master replica
  master="$(dbsize master)"
  replica="$(dbsize replica)"
  redispair::log::info "before: master ${master} keys, replica ${replica} keys"
  if ((master == 0 && replica == 0)); then
    redispair::log::info "both are empty already: nothing to delete"
    return 0
  fi
  if ((yes == 0)) && ! redispair::util::confirm "Delete all ${master} keys of RedisPair ${REDISPAIR_NAMESPACE}/${REDISPAIR_NAME} (FLUSHALL)?"; then
    redispair::log::error "nothing deleted (no confirmation). To delete without a question: $(redispair::args::rerun --yes)"
    exit 1
  fi
  redispair::log::info "FLUSHALL on the master ($(redispair::k8s::pod master))"
  redispair::k8s::redis_cli master FLUSHALL

  redispair::log::step "waiting up to ${REDISPAIR_CLEAN_TIMEOUT}s for the replica to follow"
  local deadline=$((SECONDS + REDISPAIR_CLEAN_TIMEOUT))
  while :; do
    master="$(dbsize master)"
    replica="$(dbsize replica)"
    if ((master == 0 && replica == 0)); then
      break
    fi
    if ((SECONDS >= deadline)); then
      redispair::log::error "after ${REDISPAIR_CLEAN_TIMEOUT}s: master ${master} keys, replica ${replica} keys. Replication state:"
      redispair::k8s::redis_cli replica INFO replication >&2 || true # best effort: this is diagnostics
      exit 1
    fi
    sleep 1
  done
  redispair::log::info "after: master ${master} keys, replica ${replica} keys: all Redis data is deleted"
  redispair::log::info "Import it again with: scripts/redisImport.sh"
}

main "$@"
