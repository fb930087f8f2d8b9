# shellcheck shell=bash
# Which cluster the numbered scripts' `minikube` is, so that their messages say it truthfully. Sourcing this file
# only defines defaulted variables. CLUSTER=local (hack/with-cluster.sh sets it for make up and make down when
# minikube is not installed) means `minikube` on PATH is the built-in cluster's minikube-compatible command,
# localcluster/bin/minikube: real Kubernetes built from source, not minikube.
#
#   REDISPAIR_PROFILE_NOUN   "minikube profile", or "built-in cluster profile"
#   REDISPAIR_MINIKUBE_CMD   the command hints show: minikube, or localcluster/bin/minikube (a user's shell has no
#                            localcluster/bin on PATH)

[[ -n "${REDISPAIR_FLAVOUR_SH_LOADED:-}" ]] && return 0
REDISPAIR_FLAVOUR_SH_LOADED=1

if [[ "${CLUSTER:-}" == local ]]; then
  : "${REDISPAIR_PROFILE_NOUN:=built-in cluster profile}"
  : "${REDISPAIR_MINIKUBE_CMD:=localcluster/bin/minikube}"
else
  : "${REDISPAIR_PROFILE_NOUN:=minikube profile}"
  : "${REDISPAIR_MINIKUBE_CMD:=minikube}"
fi
