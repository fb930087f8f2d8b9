# shellcheck shell=bash
# Container images for the test cluster, built locally because no registry can be reached:
#   debian:bookworm-slim                 `debootstrap --variant=minbase bookworm` rootfs, imported into podman
#   registry.k8s.io/pause:3.10.1         images/pause: pause.c compiled with `gcc -static`, FROM scratch
#   docker.io/library/redis:7.2          images/redis: Debian's redis-server 7.0 on the base above, made to behave
#                                        like the official image (entrypoint, uid 999, /usr/local/bin/redis-*)
#   registry.k8s.io/coredns/coredns:...  images/coredns: the CoreDNS binary of build-binaries.sh, FROM scratch
#   docker.io/library/redispair-operator:dev   the repository's Dockerfile (C++ build + unit tests + scratch)
# Each image is saved as a docker-archive under ${REDISPAIR_CACHE}/images/, named by a hash of everything that
# goes into it, and rebuilt only when that hash changes; nodes import an archive once (a marker per node).
# Sourcing this file only defines functions and defaulted variables. Needs lib/cluster.sh and lib/node.sh.
#
#   redispair::images::check_prerequisites   podman, debootstrap, gcc with static libc
#   redispair::images::build_all             builds what is missing; prints nothing on stdout but progress
#   redispair::images::archive NAME          prints the archive path of NAME (pause redis coredns operator)
#   redispair::images::import NODE           imports every archive into NODE's containerd (skips known ones)
#   redispair::images::podman ARGS...        podman with the settings this machine needs

[[ -n "${REDISPAIR_IMAGES_SH_LOADED:-}" ]] && return 0
REDISPAIR_IMAGES_SH_LOADED=1

: "${REDISPAIR_IMAGE_CACHE:=${REDISPAIR_CACHE}/images}"
# Empty: podman's own store. A directory: a private store there (a fully cold build, or CI isolation).
: "${REDISPAIR_PODMAN_ROOT:=}"
: "${REDISPAIR_DEBIAN_MIRROR:=http://deb.debian.org/debian}"
: "${REDISPAIR_DEBIAN_SUITE:=bookworm}"
: "${REDISPAIR_REDIS_IMAGE:=docker.io/library/redis:7.2}"
: "${REDISPAIR_COREDNS_IMAGE:=registry.k8s.io/coredns/coredns:${COREDNS_VERSION}}"
: "${REDISPAIR_OPERATOR_IMAGE:=docker.io/library/redispair-operator:dev}"
readonly REDISPAIR_BASE_IMAGE=docker.io/library/debian:bookworm-slim
# In build order; redis needs the base image.
REDISPAIR_IMAGES=(pause coredns redis operator)

redispair::images::_root() { printf '%s\n' "${REDISPAIR_CP_ROOT}"; }

redispair::images::check_prerequisites() {
  local -a missing=()
  command -v podman >/dev/null 2>&1 || missing+=(podman)
  command -v debootstrap >/dev/null 2>&1 || missing+=(debootstrap)
  command -v gcc >/dev/null 2>&1 || missing+=(build-essential)
  # gcc prints a bare "libc.a" when it has no static C library (libc6-dev).
  gcc -print-file-name=libc.a 2>/dev/null | grep -q / || missing+=(libc6-dev)
  command -v sha256sum >/dev/null 2>&1 || missing+=(coreutils)
  if ((${#missing[@]} > 0)); then
    redispair::log::error "image builds need: ${missing[*]}"
    redispair::log::error "install with: apt-get install -y ${missing[*]}  (or run hack/install-deps.sh)"
    return 1
  fi
}

# podman as this machine needs it: cgroupfs (no systemd), runc, and no default ulimits (the VM's hard limits are
# below podman's defaults). The settings go in our own containers.conf, so the system's is never touched.
redispair::images::podman() {
  local conf="${REDISPAIR_IMAGE_CACHE}/containers.conf"
  if [[ ! -s "${conf}" ]]; then
    mkdir -p "${REDISPAIR_IMAGE_CACHE}"
    printf '%s\n' '# written by localcluster/lib/images.sh' '[containers]' 'default_ulimits = []' \
      '[engine]' 'cgroup_manager = "cgroupfs"' 'runtime = "runc"' >"${conf}"
  fi
  local -a store=()
  [[ -n "${REDISPAIR_PODMAN_ROOT}" ]] && store=(--root "${REDISPAIR_PODMAN_ROOT}/root" --runroot "${REDISPAIR_PODMAN_ROOT}/run")
  CONTAINERS_CONF="${conf}" podman "${store[@]}" --cgroup-manager=cgroupfs --runtime runc "$@"
}

# podman ARGS..., its output to LOG only.
redispair::images::_podman_logged() {
  local log="$1"
  shift
  redispair::images::podman "$@" >"${log}" 2>&1
}

redispair::images::_has() { redispair::images::podman image exists "$1" 2>/dev/null; }

# Prints the sha256 of the named files' contents and names (directories recursively, sorted; names relative to
# the checkout), plus any extra strings given after --.
redispair::images::_hash() {
  local -a files=() extra=()
  while (($# > 0)) && [[ "$1" != -- ]]; do
    files+=("$1")
    shift
  done
  (($# > 0)) && shift
  extra=("$@")
  {
    printf '%s\n' "${extra[@]}"
    # Paths relative to the checkout, so that every checkout with the same content shares the cached archive.
    find "${files[@]}" -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum | sed "s#  $(redispair::images::_root)/#  #"
  } | sha256sum | cut -c1-16
}

# ---- the Debian base ----------------------------------------------------------------------------------------

redispair::images::ensure_base() {
  if redispair::images::_has "${REDISPAIR_BASE_IMAGE}"; then
    return 0
  fi
  local key tarball
  key="$(printf '%s %s minbase' "${REDISPAIR_DEBIAN_SUITE}" "${REDISPAIR_DEBIAN_MIRROR}" | sha256sum | cut -c1-16)"
  tarball="${REDISPAIR_IMAGE_CACHE}/debian-${REDISPAIR_DEBIAN_SUITE}-minbase-${key}.tar"
  if [[ ! -s "${tarball}" ]]; then
    local work
    work="$(mktemp -d "${REDISPAIR_IMAGE_CACHE}/debootstrap.XXXXXX")"
    redispair::log::step "debootstrap --variant=minbase ${REDISPAIR_DEBIAN_SUITE} (log: ${work}.log)"
    if ! debootstrap --variant=minbase "${REDISPAIR_DEBIAN_SUITE}" "${work}/rootfs" "${REDISPAIR_DEBIAN_MIRROR}" >"${work}.log" 2>&1; then
      redispair::log::error "debootstrap failed; last lines of ${work}.log:"
      tail -n 20 "${work}.log" >&2
      return 1
    fi
    # Like the official slim image: no apt lists, no caches.
    rm -rf "${work}/rootfs/var/lib/apt/lists/"* "${work}/rootfs/var/cache/apt/"*.bin "${work}/rootfs/var/log/"*.log
    tar --numeric-owner -C "${work}/rootfs" -cf "${tarball}.tmp" . && mv "${tarball}.tmp" "${tarball}"
    rm -rf "${work}" "${work}.log"
  fi
  redispair::log::step "importing ${tarball##*/} as ${REDISPAIR_BASE_IMAGE}"
  redispair::images::podman import --change 'CMD ["/bin/bash"]' "${tarball}" "${REDISPAIR_BASE_IMAGE}" >/dev/null 2>&1 || return 1
  redispair::images::podman tag "${REDISPAIR_BASE_IMAGE}" localhost/debian:bookworm-slim
}

# ---- one image ----------------------------------------------------------------------------------------------

# The cache key of image NAME: its Containerfile and build inputs.
redispair::images::_key() {
  local name="$1"
  local root dir
  root="$(redispair::images::_root)"
  dir="${root}/localcluster/images/${name}"
  case "${name}" in
    pause) redispair::images::_hash "${dir}" -- "$(gcc --version | head -n1)" ;;
    coredns) redispair::images::_hash "${dir}" "${K8S_BIN_DIR}/coredns" -- "${COREDNS_VERSION}" ;;
    redis) redispair::images::_hash "${dir}" -- "${REDISPAIR_DEBIAN_SUITE}" "${REDISPAIR_DEBIAN_MIRROR}" ;;
    operator)
      # Whatever the Dockerfile copies, as it is in the working tree (uncommitted changes included).
      (cd "${root}" && redispair::images::_hash Dockerfile .dockerignore CMakeLists.txt .clang-format operator)
      ;;
    *) return 1 ;;
  esac
}

redispair::images::_ref() {
  # shellcheck disable=SC2153 # REDISPAIR_PAUSE_IMAGE is defined in lib/node.sh
  case "$1" in
    pause) echo "${REDISPAIR_PAUSE_IMAGE}" ;;
    coredns) echo "${REDISPAIR_COREDNS_IMAGE}" ;;
    redis) echo "${REDISPAIR_REDIS_IMAGE}" ;;
    operator) echo "${REDISPAIR_OPERATOR_IMAGE}" ;;
    *) return 1 ;;
  esac
}

redispair::images::archive() {
  local name="$1" key
  key="$(redispair::images::_key "${name}")" || return 1
  printf '%s/%s-%s.tar\n' "${REDISPAIR_IMAGE_CACHE}" "${name}" "${key}"
}

# Builds image NAME into its archive unless the archive exists. Build logs go to ${archive%.tar}.log.
redispair::images::build() {
  local name="$1"
  local root archive ref context log
  root="$(redispair::images::_root)"
  archive="$(redispair::images::archive "${name}")" || return 1
  ref="$(redispair::images::_ref "${name}")"
  if [[ -s "${archive}" ]]; then
    redispair::log::step "image ${ref}: cached (${archive##*/})"
    return 0
  fi
  log="${archive%.tar}.log"
  local -a build=(build --pull=never --network host --layers -t "${ref}")
  context="$(mktemp -d "${REDISPAIR_IMAGE_CACHE}/context.XXXXXX")"
  case "${name}" in
    pause)
      gcc -Os -s -static -Wall -Werror -o "${context}/pause" "${root}/localcluster/images/pause/pause.c" || return 1
      build+=(-f "${root}/localcluster/images/pause/Containerfile" "${context}")
      ;;
    coredns)
      cp "${K8S_BIN_DIR}/coredns" "${context}/coredns"
      build+=(-f "${root}/localcluster/images/coredns/Containerfile" "${context}")
      ;;
    redis)
      redispair::images::ensure_base || return 1
      cp "${root}/localcluster/images/redis/docker-entrypoint.sh" "${context}/"
      build+=(-f "${root}/localcluster/images/redis/Containerfile" "${context}")
      ;;
    operator)
      redispair::images::ensure_base || return 1
      build+=(-f "${root}/Dockerfile" "${root}")
      ;;
  esac
  local start="${SECONDS}"
  redispair::log::step "image ${ref}: building (log: ${log})"
  if ! redispair::process::with_progress "image ${ref}" redispair::images::_podman_logged "${log}" "${build[@]}"; then
    rm -rf "${context}"
    redispair::log::error "building ${ref} failed; last lines of ${log}:"
    tail -n 30 "${log}" >&2
    return 1
  fi
  rm -rf "${context}"
  # Older versions of this image, once unused for a day: the cache is shared by every checkout on the machine, and
  # another one may be importing its own version of this image right now.
  find "${REDISPAIR_IMAGE_CACHE}" -maxdepth 1 -name "${name}-*.tar" ! -name "${archive##*/}" -mtime +1 -delete
  redispair::images::podman save --format docker-archive -o "${archive}.tmp" "${ref}" >>"${log}" 2>&1 || return 1
  mv "${archive}.tmp" "${archive}"
  local size
  size="$(redispair::images::podman image inspect --format '{{.Size}}' "${ref}")"
  redispair::log::step "image ${ref}: built in $((SECONDS - start))s, $(awk -v b="${size}" 'BEGIN { printf "%.1f", b / 1e6 }') MB"
}

redispair::images::build_all() {
  mkdir -p "${REDISPAIR_IMAGE_CACHE}"
  local name
  for name in "${REDISPAIR_IMAGES[@]}"; do
    redispair::images::build "${name}" || return 1
  done
}

# ---- import into a node -------------------------------------------------------------------------------------

redispair::images::import() {
  local node="$1"
  local marker_dir name archive ref
  marker_dir="$(redispair::cluster::node_dir "${node}")/images"
  mkdir -p "${marker_dir}"
  for name in "${REDISPAIR_IMAGES[@]}"; do
    archive="$(redispair::images::archive "${name}")" || return 1
    ref="$(redispair::images::_ref "${name}")"
    if [[ "$(cat "${marker_dir}/${name}" 2>/dev/null)" == "${archive##*/}" ]] &&
      redispair::node::ctr "${node}" images ls -q "name==${ref}" | grep -q .; then
      continue
    fi
    redispair::log::step "${node}: importing ${ref} (${archive##*/})"
    redispair::node::ctr "${node}" images import "${archive}" >/dev/null || return 1
    printf '%s\n' "${archive##*/}" >"${marker_dir}/${name}"
  done
}
