# shellcheck shell=bash
# The names the operator gives the children of a RedisPair, for the scripts: the bash copy of
# operator/src/controller/names.h. test/scripts/names.bats compares every function here with what
# `redispair render` prints, so the two cannot drift apart. Sourcing this file only defines functions.
# Works in bash and zsh.
#
#   redispair::names::master_statefulset NAME       NAME-master
#   redispair::names::master_pod NAME               NAME-master-0
#   redispair::names::master_service NAME           NAME-master (NodePort)
#   redispair::names::master_headless_service NAME  NAME-master-headless
#   redispair::names::master_repl_service NAME      NAME-master-repl (what the replica follows)
#   redispair::names::master_pvc NAME               data-NAME-master-0 (the master's data)
#   redispair::names::replica_deployment NAME       NAME-replica
#   redispair::names::replica_service NAME          NAME-replica (NodePort)
#   redispair::names::replica_headless_service NAME NAME-replica-headless (every replica pod, ready or not)
#   redispair::names::generated_secret NAME         NAME-auth (when spec.auth.secretName is empty)
#   redispair::names::operator_secret NAME          NAME-operator-auth (the operator's own password)
#   redispair::names::info_cronjob NAME             NAME-info
#   redispair::names::children NAME                 kind/name of every child the operator creates, one a line
#   redispair::names::selector NAME [COMPONENT]     the label selector of the RedisPair's objects, or of one
#                                                   component of it: master, replica, info
#   redispair::names::redis_port                    6379, the port Redis listens on in every pod

[[ -n "${REDISPAIR_NAMES_SH_LOADED:-}" ]] && return 0
REDISPAIR_NAMES_SH_LOADED=1

redispair::names::master_statefulset() { printf '%s-master\n' "$1"; }
redispair::names::master_pod() { printf '%s-master-0\n' "$1"; }
redispair::names::master_service() { printf '%s-master\n' "$1"; }
redispair::names::master_headless_service() { printf '%s-master-headless\n' "$1"; }
redispair::names::master_repl_service() { printf '%s-master-repl\n' "$1"; }
# The StatefulSet controller names a claim "<template>-<statefulset>-<ordinal>"; the template is "data".
redispair::names::master_pvc() { printf 'data-%s-master-0\n' "$1"; }
redispair::names::replica_deployment() { printf '%s-replica\n' "$1"; }
redispair::names::replica_service() { printf '%s-replica\n' "$1"; }
redispair::names::replica_headless_service() { printf '%s-replica-headless\n' "$1"; }
redispair::names::generated_secret() { printf '%s-auth\n' "$1"; }
redispair::names::operator_secret() { printf '%s-operator-auth\n' "$1"; }
redispair::names::info_cronjob() { printf '%s-info\n' "$1"; }

redispair::names::children() {
  printf 'statefulset/%s\n' "$(redispair::names::master_statefulset "$1")"
  printf 'service/%s\n' "$(redispair::names::master_service "$1")"
  printf 'service/%s\n' "$(redispair::names::master_headless_service "$1")"
  printf 'service/%s\n' "$(redispair::names::master_repl_service "$1")"
  printf 'deployment/%s\n' "$(redispair::names::replica_deployment "$1")"
  printf 'service/%s\n' "$(redispair::names::replica_service "$1")"
  printf 'service/%s\n' "$(redispair::names::replica_headless_service "$1")"
  printf 'secret/%s\n' "$(redispair::names::generated_secret "$1")"
  printf 'secret/%s\n' "$(redispair::names::operator_secret "$1")"
  printf 'cronjob/%s\n' "$(redispair::names::info_cronjob "$1")"
}

redispair::names::selector() {
  if [[ -n "${2:-}" ]]; then
    printf 'app.kubernetes.io/name=redis,app.kubernetes.io/instance=%s,app.kubernetes.io/component=%s\n' "$1" "$2"
  else
    printf 'app.kubernetes.io/name=redis,app.kubernetes.io/instance=%s\n' "$1"
  fi
}

redispair::names::redis_port() { printf '6379\n'; }
