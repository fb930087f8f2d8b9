#!/usr/bin/env bash
# Install everything the build and the tests need on a fresh Debian bookworm machine (as root, or with sudo).
# Idempotent: packages already present are skipped by apt, and the whole step is skipped when nothing is missing.
set -o errexit -o nounset -o pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/lib/log.sh
source "${ROOT}/scripts/lib/log.sh"
redispair::log::install_err_trap

# Grouped by what needs them, so a removal is easy to reason about.
readonly PACKAGES=(
  # build
  build-essential cmake ninja-build pkg-config clang clang-format libclang-rt-14-dev
  libboost-dev libssl-dev nlohmann-json3-dev libyaml-cpp-dev libhiredis-dev catch2
  # real Redis for tests, and the shells and linters for scripts
  redis-server redis-tools shellcheck bats zsh
  # test cluster: node software, networking and image building
  containerd runc containernetworking-plugins podman debootstrap iptables iproute2 conntrack
  socat ethtool kmod curl ca-certificates openssl jq
)

usage() {
  cat <<USAGE
Usage: ${0##*/} [--help]

Installs with apt-get: ${PACKAGES[*]}
USAGE
}

missing_packages() {
  local p
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}\n' "${p}" 2>/dev/null | grep -q '^install ok installed$' || echo "${p}"
  done
}

main() {
  if [[ "${1:-}" == "--help" || "${1:-}" == "-h" ]]; then
    usage
    return 0
  fi
  local -a missing
  mapfile -t missing < <(missing_packages)
  if ((${#missing[@]} == 0)); then
    redispair::log::info "all build and test packages are installed"
    return 0
  fi
  local -a sudo=()
  if ((EUID != 0)); then
    command -v sudo >/dev/null 2>&1 || redispair::log::fatal "need root to install: ${missing[*]}; run this script as root"
    sudo=(sudo)
  fi
  redispair::log::info "installing: ${missing[*]}"
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  redispair::log::info "packages installed"
}

main "$@"
