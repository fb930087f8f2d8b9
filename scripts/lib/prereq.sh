# shellcheck shell=bash
# Prerequisite checks with exact install instructions for Linux and macOS (kube::etcd::validate style).
# Sourcing this file only defines functions. Works in bash and zsh (scripts/_dev_vars.sh uses it).
#
#   redispair::prereq::require TOOL...      every TOOL must be on PATH; for each missing one, prints what
#                                           is missing and how to install it; returns 1 if any is missing
#   redispair::prereq::require_one_of TOOL...  at least one TOOL must be on PATH (e.g. docker or podman)
#   redispair::prereq::install_hint TOOL    prints the install instructions for TOOL (to stderr)
#   redispair::prereq::driver_tool DRIVER   the host command a minikube driver needs ("" for none)
#   redispair::prereq::engine_answers TOOL  docker or podman is installed and its engine answers (`TOOL info`)
#
# Messages go through scripts/lib/log.sh, which must be loaded first.

[[ -n "${REDISPAIR_PREREQ_SH_LOADED:-}" ]] && return 0
REDISPAIR_PREREQ_SH_LOADED=1

# amd64 or arm64, for download URLs in the Linux instructions.
redispair::prereq::_arch() {
  case "$(uname -m 2>/dev/null)" in
    aarch64 | arm64) printf 'arm64' ;;
    *) printf 'amd64' ;;
  esac
}

# The instructions are commands for the user to paste, so $(...) and $USER stay literal.
# shellcheck disable=SC2016
redispair::prereq::install_hint() {
  local tool="$1" arch
  arch="$(redispair::prereq::_arch)"
  {
    case "${tool}" in
      minikube)
        printf '    Linux:  curl -LO https://storage.googleapis.com/minikube/releases/latest/minikube-linux-%s\n' "${arch}"
        printf '            sudo install minikube-linux-%s /usr/local/bin/minikube && rm minikube-linux-%s\n' "${arch}" "${arch}"
        printf '    macOS:  brew install minikube\n'
        printf '    docs:   https://minikube.sigs.k8s.io/docs/start/\n'
        ;;
      kubectl)
        printf '    Linux:  curl -LO "https://dl.k8s.io/release/$(curl -Ls https://dl.k8s.io/release/stable.txt)/bin/linux/%s/kubectl"\n' "${arch}"
        printf '            sudo install kubectl /usr/local/bin/kubectl && rm kubectl\n'
        printf '    macOS:  brew install kubectl\n'
        printf '    docs:   https://kubernetes.io/docs/tasks/tools/\n'
        ;;
      docker)
        printf '    Linux:  curl -fsSL https://get.docker.com | sudo sh && sudo usermod -aG docker "$USER"  (then log in again)\n'
        printf '            (Debian/Ubuntu packages: sudo apt-get install -y docker.io)\n'
        printf '    macOS:  brew install --cask docker, then start Docker Desktop once\n'
        printf '    docs:   https://docs.docker.com/engine/install/\n'
        ;;
      podman)
        printf '    Linux:  sudo apt-get install -y podman   (Fedora: sudo dnf install -y podman)\n'
        printf '    macOS:  brew install podman && podman machine init && podman machine start\n'
        printf '    docs:   https://podman.io/docs/installation\n'
        ;;
      redis-cli)
        printf '    Linux:  sudo apt-get install -y redis-tools   (Fedora: sudo dnf install -y redis)\n'
        printf '    macOS:  brew install redis\n'
        ;;
      git)
        printf '    Linux:  sudo apt-get install -y git\n'
        printf '    macOS:  xcode-select --install   (or: brew install git)\n'
        ;;
      virsh)
        printf '    Linux:  sudo apt-get install -y qemu-kvm libvirt-daemon-system && sudo usermod -aG libvirt "$USER"\n'
        printf '    macOS:  the kvm2 driver is Linux only; use REDISPAIR_DRIVER=docker, vfkit or qemu\n'
        ;;
      qemu-system-x86_64 | qemu-system-aarch64)
        printf '    Linux:  sudo apt-get install -y qemu-system\n'
        printf '    macOS:  brew install qemu\n'
        ;;
      VBoxManage)
        printf '    Linux:  https://www.virtualbox.org/wiki/Linux_Downloads\n'
        printf '    macOS:  brew install --cask virtualbox\n'
        ;;
      vfkit)
        printf '    Linux:  vfkit is macOS only; use REDISPAIR_DRIVER=docker or kvm2\n'
        printf '    macOS:  brew install vfkit\n'
        ;;
      hyperkit)
        printf '    Linux:  hyperkit is macOS only; use REDISPAIR_DRIVER=docker or kvm2\n'
        printf '    macOS:  brew install hyperkit\n'
        ;;
      *)
        printf '    install %s with your package manager (apt-get, dnf, brew)\n' "${tool}"
        ;;
    esac
  } >&2
}

redispair::prereq::require() {
  local tool missing=0
  for tool in "$@"; do
    if ! command -v "${tool}" >/dev/null 2>&1; then
      redispair::log::error "missing prerequisite: ${tool} (not found on PATH). Install it:"
      redispair::prereq::install_hint "${tool}"
      missing=1
    fi
  done
  return "${missing}"
}

redispair::prereq::require_one_of() {
  local tool
  for tool in "$@"; do
    command -v "${tool}" >/dev/null 2>&1 && return 0
  done
  redispair::log::error "missing prerequisite: one of: $* (none found on PATH). Install one:"
  for tool in "$@"; do
    printf '  %s\n' "${tool}" >&2
    redispair::prereq::install_hint "${tool}"
  done
  return 1
}

# The host command a minikube driver needs; empty for drivers that need none on the host.
redispair::prereq::driver_tool() {
  case "$1" in
    docker) printf 'docker' ;;
    podman) printf 'podman' ;;
    kvm2) printf 'virsh' ;;
    qemu | qemu2)
      if [[ "$(uname -m 2>/dev/null)" == arm64 || "$(uname -m 2>/dev/null)" == aarch64 ]]; then
        printf 'qemu-system-aarch64'
      else
        printf 'qemu-system-x86_64'
      fi
      ;;
    virtualbox) printf 'VBoxManage' ;;
    vfkit) printf 'vfkit' ;;
    hyperkit) printf 'hyperkit' ;;
    *) printf '' ;;
  esac
}

# docker or podman is on PATH and its engine answers. A docker client whose daemon is down, or a podman whose
# machine (macOS) is not started, fails `info`.
redispair::prereq::engine_answers() {
  command -v "$1" >/dev/null 2>&1 && "$1" info >/dev/null 2>&1
}
