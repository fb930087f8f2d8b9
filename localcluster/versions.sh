# shellcheck shell=bash
# Pinned versions of the upstream components the test cluster is built from.
# Kubernetes matches the default of minikube v1.37.0, so the tests run what `minikube start` runs;
# etcd and CoreDNS are the versions that Kubernetes release ships with (kubeadm constants).
: "${KUBE_VERSION:=v1.34.0}"
: "${ETCD_VERSION:=v3.6.4}"
: "${COREDNS_VERSION:=v1.12.1}"
# Built binaries live outside the repo and are keyed by version, so a warm CI run skips the build.
: "${REDISPAIR_CACHE:=${XDG_CACHE_HOME:-${HOME}/.cache}/redispair}"
: "${K8S_BIN_DIR:=${REDISPAIR_CACHE}/k8s/${KUBE_VERSION}-etcd${ETCD_VERSION}-coredns${COREDNS_VERSION}/bin}"
