#!/usr/bin/env bash
# Build the upstream Kubernetes, etcd and CoreDNS binaries for the test cluster from the Go module proxy,
# at the versions pinned in versions.sh, into a cache directory outside the repo. A warm cache is a no-op.
#
# `go install k8s.io/kubernetes/cmd/...@vX` fails because k8s.io/kubernetes replaces its staging modules with
# local paths; so each build uses a throw-away wrapper module that pins the staging modules to v0.Y.Z instead.
set -o errexit -o nounset -o pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/lib/log.sh
source "${ROOT}/scripts/lib/log.sh"
# shellcheck source=scripts/lib/process.sh
source "${ROOT}/scripts/lib/process.sh"
# shellcheck source=localcluster/versions.sh
source "${ROOT}/localcluster/versions.sh"
redispair::log::install_err_trap

readonly KUBE_CMDS=(kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kubectl)

usage() {
  cat <<USAGE
Usage: ${0##*/} [--help]

Builds ${KUBE_CMDS[*]} (Kubernetes ${KUBE_VERSION}), etcd ${ETCD_VERSION}
and coredns ${COREDNS_VERSION} from the Go module proxy into:
  ${K8S_BIN_DIR}
Prints that directory on the last line. Does nothing when every binary is already there.
USAGE
}

# CMD with its stdout discarded (its progress is with_progress's heartbeat, which goes to stdout).
quiet() { "$@" >/dev/null; }

have_all() {
  local b
  for b in "${KUBE_CMDS[@]}" etcd coredns; do
    [[ -x "${K8S_BIN_DIR}/${b}" ]] || return 1
  done
}

check_go() {
  if ! command -v go >/dev/null 2>&1; then
    redispair::log::fatal "go is not installed; install Go >= 1.24 (https://go.dev/dl/ or 'apt-get install golang-go' on trixie)"
  fi
}

# Writes go.mod for a wrapper module in $1 that requires $2 and replaces k8s staging modules when $3 is set.
build_kubernetes() {
  local work="$1"
  local minor="${KUBE_VERSION#v1.}"
  local staging_version="v0.${minor}"
  mkdir -p "${work}/k8s"
  redispair::log::step "resolving k8s.io/kubernetes ${KUBE_VERSION} staging modules"
  local kmod
  kmod="$(curl -fsSL "$(go env GOPROXY | cut -d, -f1)/k8s.io/kubernetes/@v/${KUBE_VERSION}.mod")"
  local -a staging
  mapfile -t staging < <(sed -n 's#^[[:space:]]*\(k8s.io/[a-z0-9-]*\) => ./staging/.*#\1#p' <<<"${kmod}")
  ((${#staging[@]} > 10)) || redispair::log::fatal "could not read the staging module list from k8s.io/kubernetes ${KUBE_VERSION}"
  {
    echo "module redispair.local/k8sbuild"
    echo
    echo "go 1.24.0"
    echo
    echo "require k8s.io/kubernetes ${KUBE_VERSION}"
    echo
    local m
    for m in "${staging[@]}"; do
      echo "replace ${m} => ${m} ${staging_version}"
    done
  } >"${work}/k8s/go.mod"
  cat >"${work}/k8s/tools.go" <<'GO'
//go:build tools

package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-proxy"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
	_ "k8s.io/kubernetes/cmd/kubelet"
	_ "k8s.io/kubernetes/cmd/kubectl"
)
GO
  (
    cd "${work}/k8s"
    redispair::log::step "go mod tidy (downloads modules)"
    GOFLAGS=-mod=mod redispair::process::with_progress "go mod tidy" quiet go mod tidy -e
    local ver="${KUBE_VERSION}" major="1"
    local ldflags="-s -w"
    ldflags+=" -X k8s.io/component-base/version.gitVersion=${ver}"
    ldflags+=" -X k8s.io/component-base/version.gitMajor=${major}"
    ldflags+=" -X k8s.io/component-base/version.gitMinor=${minor%%.*}"
    ldflags+=" -X k8s.io/component-base/version.gitTreeState=clean"
    ldflags+=" -X k8s.io/component-base/version.buildDate=1970-01-01T00:00:00Z"
    ldflags+=" -X k8s.io/client-go/pkg/version.gitVersion=${ver}"
    ldflags+=" -X k8s.io/client-go/pkg/version.gitMajor=${major}"
    ldflags+=" -X k8s.io/client-go/pkg/version.gitMinor=${minor%%.*}"
    local -a pkgs=()
    local c
    for c in "${KUBE_CMDS[@]}"; do pkgs+=("k8s.io/kubernetes/cmd/${c}"); done
    redispair::log::step "go build ${KUBE_CMDS[*]} (a cold build takes tens of minutes on 2 cores)"
    CGO_ENABLED=0 redispair::process::with_progress "go build Kubernetes ${KUBE_VERSION}" \
      go build -trimpath -ldflags "${ldflags}" -o "${work}/out/" "${pkgs[@]}"
  )
}

build_etcd() {
  local work="$1"
  mkdir -p "${work}/etcd"
  (
    cd "${work}/etcd"
    go mod init redispair.local/etcdbuild >/dev/null 2>&1
    GOFLAGS=-mod=mod redispair::process::with_progress "go get etcd" quiet go get "go.etcd.io/etcd/server/v3@${ETCD_VERSION}"
    redispair::log::step "go build etcd ${ETCD_VERSION}"
    CGO_ENABLED=0 redispair::process::with_progress "go build etcd" \
      go build -trimpath -ldflags "-s -w" -o "${work}/out/etcd" go.etcd.io/etcd/server/v3
  )
}

build_coredns() {
  local work="$1"
  mkdir -p "${work}/coredns"
  (
    cd "${work}/coredns"
    go mod init redispair.local/corednsbuild >/dev/null 2>&1
    GOFLAGS=-mod=mod redispair::process::with_progress "go get coredns" quiet go get "github.com/coredns/coredns@${COREDNS_VERSION}"
    redispair::log::step "go build coredns ${COREDNS_VERSION}"
    CGO_ENABLED=0 redispair::process::with_progress "go build coredns" \
      go build -trimpath -ldflags "-s -w" -o "${work}/out/coredns" github.com/coredns/coredns
  )
}

main() {
  if [[ "${1:-}" == "--help" || "${1:-}" == "-h" ]]; then
    usage
    return 0
  fi
  if have_all; then
    redispair::log::info "binaries cached in ${K8S_BIN_DIR}"
    echo "${K8S_BIN_DIR}"
    return 0
  fi
  # Two runs at once (two worktrees, two suites) would both spend tens of minutes on the same cold build:
  # the second waits for the first and then finds the cache warm.
  mkdir -p "${REDISPAIR_CACHE}"
  local lock_fd
  exec {lock_fd}>"${REDISPAIR_CACHE}/build-binaries.lock"
  if ! flock -n "${lock_fd}"; then
    redispair::log::info "another build of the binaries is running; waiting for it"
    flock "${lock_fd}"
  fi
  if have_all; then
    redispair::log::info "binaries cached in ${K8S_BIN_DIR}"
    echo "${K8S_BIN_DIR}"
    return 0
  fi
  check_go
  local work
  work="$(mktemp -d "${REDISPAIR_CACHE}/build.XXXXXX" 2>/dev/null || { mkdir -p "${REDISPAIR_CACHE}" && mktemp -d "${REDISPAIR_CACHE}/build.XXXXXX"; })"
  # shellcheck disable=SC2064 # expand ${work} now: it is local
  trap "rm -rf '${work}'" EXIT
  redispair::log::info "building test-cluster binaries into ${K8S_BIN_DIR}"
  local start=${SECONDS}
  build_etcd "${work}"
  build_coredns "${work}"
  build_kubernetes "${work}"
  mkdir -p "${K8S_BIN_DIR}"
  # Move into place only when every build succeeded, so a half build never looks like a cache hit.
  mv "${work}/out/"* "${K8S_BIN_DIR}/"
  redispair::log::info "built in $((SECONDS - start)) s"
  echo "${K8S_BIN_DIR}"
}

main "$@"
