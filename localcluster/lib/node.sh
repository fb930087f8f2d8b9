# shellcheck shell=bash
# One Kubernetes node = one network namespace (lib/network.sh) + one cgroup subtree + containerd, kubelet and
# kube-proxy running as host processes inside that namespace, with their state in the node's own directory.
# Sourcing this file only defines functions. Needs lib/cluster.sh and lib/network.sh.
#
#   redispair::node::configure NODE      certificates, kubeconfigs and config files (idempotent)
#   redispair::node::start NODE          cgroups, then containerd, kubelet and kube-proxy (each unless running)
#   redispair::node::stop NODE           stops every process of the node (daemons by pid file, then whatever is
#                                        left in its cgroup subtree: shims, containers), unmounts everything
#                                        under its directory and removes its cgroups
#   redispair::node::ctr NODE ARGS...    ctr against the node's containerd, namespace k8s.io
#   redispair::node::processes NODE      prints "pid comm" of every process in the node's cgroup subtree
#   redispair::node::mounts NODE         prints the mount points under the node's directory
#
# Layout of $(redispair::cluster::node_dir NODE):
#   pki/ kubelet.kubeconfig kube-proxy.kubeconfig kubelet.yaml kube-proxy.yaml containerd.toml resolv.conf
#   cni/net.d/ cni/ipam/ containerd/{root,state,opt,runc}/ kubelet/ pod-logs/ local-pv/ logs/ run/

[[ -n "${REDISPAIR_NODE_SH_LOADED:-}" ]] && return 0
REDISPAIR_NODE_SH_LOADED=1

# The daemons of a node, in start order.
REDISPAIR_NODE_DAEMONS=(containerd kubelet kube-proxy)
# Sandbox image; containerd's CRI pins it, so kubelet's image GC never removes it.
: "${REDISPAIR_PAUSE_IMAGE:=registry.k8s.io/pause:3.10.1}"
: "${REDISPAIR_CNI_BIN_DIR:=/usr/lib/cni}"

redispair::node::_sock() { printf '%s/run/containerd.sock\n' "$(redispair::cluster::node_dir "$1")"; }
redispair::node::_pid_file() { printf '%s/run/%s.pid\n' "$(redispair::cluster::node_dir "$1")" "$2"; }
redispair::node::log_file() { printf '%s/logs/%s.log\n' "$(redispair::cluster::node_dir "$1")" "$2"; }
redispair::node::cgroup() { printf '/%s\n' "$(redispair::cluster::netns "$1")"; }

redispair::node::ctr() {
  local node="$1"
  shift
  ctr --address "$(redispair::node::_sock "${node}")" --namespace k8s.io "$@"
}

# ---- cgroups ------------------------------------------------------------------------------------------------
# Every process of a node lives under /rp-NODE: the daemons (and so the containerd shims) in /rp-NODE/system,
# the pods in /rp-NODE/kubepods (kubelet's cgroupRoot). Stopping a node can then find every process it made.

# Prints the cgroup hierarchies to manage: each cgroup v1 controller mount, or the single cgroup v2 mount.
redispair::node::_hierarchies() {
  if [[ "$(stat -fc %T /sys/fs/cgroup)" == cgroup2fs ]]; then
    echo /sys/fs/cgroup
    return 0
  fi
  local dir
  for dir in /sys/fs/cgroup/*/; do
    dir="${dir%/}"
    [[ "${dir##*/}" == unified || ! -e "${dir}/cgroup.procs" ]] && continue
    echo "${dir}"
  done
}

redispair::node::_cgroup_create() {
  local node="$1"
  local cg h sub
  cg="$(redispair::node::cgroup "${node}")"
  while IFS= read -r h; do
    for sub in "${cg}" "${cg}/system"; do
      mkdir -p "${h}${sub}" || return 1
      # A new cpuset cgroup starts with no CPUs and no memory nodes; copy its parent's.
      if [[ -e "${h}${sub}/cpuset.cpus" && -z "$(<"${h}${sub}/cpuset.cpus")" ]]; then
        cat "${h}${sub%/*}/cpuset.cpus" >"${h}${sub}/cpuset.cpus" || return 1
        cat "${h}${sub%/*}/cpuset.mems" >"${h}${sub}/cpuset.mems" || return 1
      fi
      if [[ "${h}" == /sys/fs/cgroup && "${sub}" == "${cg}" ]]; then
        # cgroup v2: hand the controllers down to the node's subtree.
        sed 's/\([a-z_]*\)/+\1/g' /sys/fs/cgroup/cgroup.subtree_control >"${h}${sub}/cgroup.subtree_control" || return 1
      fi
    done
  done < <(redispair::node::_hierarchies)
}

redispair::node::processes() {
  local node="$1"
  local h cg file pid
  cg="$(redispair::node::cgroup "${node}")"
  h="$(redispair::node::_hierarchies | grep -m1 -e '/pids$' -e '^/sys/fs/cgroup$')" || return 0
  [[ -d "${h}${cg}" ]] || return 0
  while IFS= read -r file; do
    while IFS= read -r pid; do
      [[ -n "${pid}" ]] && printf '%s %s\n' "${pid}" "$(cat "/proc/${pid}/comm" 2>/dev/null || echo '?')"
    done <"${file}"
  done < <(find "${h}${cg}" -name cgroup.procs)
  return 0
}

redispair::node::_no_processes() { [[ -z "$(redispair::node::processes "$1")" ]]; }

# What is left in the node's cgroups once its daemons are gone was started by its containerd: shims, pause and
# container processes. One snapshot is not enough (seen: a pause and a coredns outlived a single kill):
#  - a shim caught while it starts a container forks after it was listed, so each pass kills what it sees,
#    until a pass sees nothing;
#  - a shim that containerd was daemonizing as it stopped joins the cgroup a moment later, so the cgroup must
#    also stay empty for a second.
redispair::node::_kill_leftovers() {
  local node="$1" _
  for _ in 1 2 3; do
    if ! redispair::node::_no_processes "${node}"; then
      redispair::log::step "${node}: killing $(redispair::node::processes "${node}" | wc -l) leftover container/shim processes"
      if ! redispair::process::poll "${NODE_STOP_TIMEOUT}" "${node} processes to exit" redispair::node::_kill_all "${node}"; then
        redispair::log::error "${node}: processes survived SIGKILL:"
        redispair::node::processes "${node}" >&2
        return 1
      fi
    fi
    sleep 1
    redispair::node::_no_processes "${node}" && return 0
  done
  redispair::log::error "${node}: processes keep appearing in its cgroups:"
  redispair::node::processes "${node}" >&2
  return 1
}

# Sends SIGKILL to every process in the node's cgroups; succeeds only when there was none left to kill.
redispair::node::_kill_all() {
  local -a left
  mapfile -t left < <(redispair::node::processes "$1" | cut -d' ' -f1)
  ((${#left[@]} == 0)) && return 0
  kill -KILL "${left[@]}" 2>/dev/null || true # some exit on their own while we kill their parent
  return 1
}

redispair::node::_cgroup_remove() {
  local node="$1"
  local cg h
  cg="$(redispair::node::cgroup "${node}")"
  # runc also mirrors the pods' cgroups into the empty cgroup v2 mount of a hybrid host.
  while IFS= read -r h; do
    [[ -d "${h}${cg}" ]] || continue
    find "${h}${cg}" -depth -type d -exec rmdir {} + 2>/dev/null || true # checked right below
    if [[ -d "${h}${cg}" ]]; then
      redispair::log::error "cannot remove cgroup ${h}${cg} (processes left?)"
      return 1
    fi
  done < <(redispair::node::_hierarchies; [[ -d /sys/fs/cgroup/unified ]] && echo /sys/fs/cgroup/unified)
}

# ---- processes (scripts/lib/process.sh) --------------------------------------------------------------------

# Prints the pid of the node's DAEMON when its pid file names a live process running that binary.
redispair::node::pid() { redispair::process::pid "$(redispair::node::_pid_file "$1" "$2")" "$2"; }

redispair::node::running() { redispair::node::pid "$1" "$2" >/dev/null; }

# Starts "$@" as the node's DAEMON, detached, in the node's network namespace and in its cgroup
# /rp-NODE/system, logging to logs/DAEMON.log, and waits until it runs. It joins the cgroups itself before it
# execs (nsenter execs too, without a fork), so that everything it starts later is in them as well.
redispair::node::_spawn() {
  local node="$1" daemon="$2"
  shift 2
  local cg netns
  cg="$(redispair::node::cgroup "${node}")/system"
  netns="/run/netns/$(redispair::cluster::netns "${node}")"
  local -a hierarchies
  mapfile -t hierarchies < <(redispair::node::_hierarchies)
  # shellcheck disable=SC2016 # expanded by the inner bash
  redispair::process::start "$(redispair::node::_pid_file "${node}" "${daemon}")" "${daemon}" \
    "$(redispair::node::log_file "${node}" "${daemon}")" "${node} ${daemon}" \
    bash -c 'cg="$1" n="$2"; shift 2
      for h in "${@:1:n}"; do echo "$$" >"${h}${cg}/cgroup.procs" || exit 1; done
      shift "${n}"; exec "$@"' redispair-node-cgroups "${cg}" "${#hierarchies[@]}" "${hierarchies[@]}" \
    nsenter --net="${netns}" -- "$@"
}

# Stops the node's DAEMON: SIGTERM, then SIGKILL after NODE_STOP_TIMEOUT. Not running is fine.
redispair::node::_stop() {
  redispair::process::stop "$(redispair::node::_pid_file "$1" "$2")" "$2" "$1 $2" "${NODE_STOP_TIMEOUT}"
}

# ---- configuration ------------------------------------------------------------------------------------------

# Replaces FILE with stdin only when the content differs: kube-proxy exits when its config file changes, and an
# idempotent up must not disturb running daemons. A changed file marks DAEMON (if given) for a restart by
# redispair::node::start.
redispair::node::_write_if_changed() {
  local file="$1" daemon="${2:-}"
  cat >"${file}.new" || return 1
  if cmp -s "${file}.new" "${file}"; then
    rm -f "${file}.new"
    return 0
  fi
  mv "${file}.new" "${file}" || return 1
  if [[ -n "${daemon}" ]]; then
    mkdir -p "${REDISPAIR_NODE_DIR_FOR_WRITE}/run"
    : >"${REDISPAIR_NODE_DIR_FOR_WRITE}/run/${daemon}.config-changed"
  fi
}

redispair::node::_write_kubeconfig() {
  local file="$1" cert="$2" user="$3" daemon="$4"
  redispair::cp::write_kubeconfig "${file}.tmpl" "${cert}" "${user}" || return 1
  sed "s#^\(    server: \).*#\1$(redispair::cluster::apiserver_node_url)#" "${file}.tmpl" |
    redispair::node::_write_if_changed "${file}" "${daemon}" || return 1
  rm -f "${file}.tmpl"
}

redispair::node::configure() {
  local node="$1"
  local dir pki ip cidr
  dir="$(redispair::cluster::node_dir "${node}")"
  pki="$(redispair::cp::pki_dir)"
  ip="$(redispair::cluster::node_ip "${node}")"
  cidr="$(redispair::cluster::pod_cidr "${node}")"
  REDISPAIR_NODE_DIR_FOR_WRITE="${dir}"
  mkdir -p "${dir}"/{cni/net.d,cni/ipam,cni/cache,containerd/root,containerd/state,containerd/opt,containerd/runc} \
    "${dir}"/{kubelet,pod-logs,volume-plugins,local-pv,logs,run}

  # Identities: the kubelet as system:node:NODE (what the Node authorizer and NodeRestriction expect), its
  # serving certificate for kube-apiserver -> kubelet (logs, exec), and kube-proxy (system:node-proxier).
  redispair::pki::ensure_client_cert "${pki}" "kubelet-${node}" "system:node:${node}" system:nodes || return 1
  redispair::pki::ensure_serving_cert "${pki}" "kubelet-serving-${node}" "$(redispair::pki::san_list "${ip}" "${node}")" || return 1
  redispair::pki::ensure_client_cert "${pki}" kube-proxy system:kube-proxy || return 1
  redispair::node::_write_kubeconfig "${dir}/kubelet.kubeconfig" "kubelet-${node}" "system:node:${node}" kubelet || return 1
  redispair::node::_write_kubeconfig "${dir}/kube-proxy.kubeconfig" kube-proxy system:kube-proxy kube-proxy || return 1

  # Pods resolve cluster names only (CoreDNS); there is no upstream resolver to hand on to.
  printf '# %s: no upstream DNS in the redispair test cluster\noptions ndots:5\n' "${node}" | redispair::node::_write_if_changed "${dir}/resolv.conf" kubelet

  redispair::node::_write_if_changed "${dir}/containerd.toml" containerd <<TOML
# containerd of ${node}; written by localcluster/lib/node.sh
version = 2
root = "${dir}/containerd/root"
state = "${dir}/containerd/state"
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs", "io.containerd.tracing.processor.v1.otlp"]
[grpc]
  address = "$(redispair::node::_sock "${node}")"
[ttrpc]
  address = "$(redispair::node::_sock "${node}").ttrpc"
[plugins."io.containerd.internal.v1.opt"]
  path = "${dir}/containerd/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "${REDISPAIR_PAUSE_IMAGE}"
  # Pod network namespaces under this node's state dir, not /run/netns: found and cleaned per node.
  netns_mounts_under_state_dir = true
  stream_server_address = "127.0.0.1"
  enable_selinux = false
  # This VM withholds CAP_SYS_RESOURCE, so no process may lower its oom_score_adj (runc would fail with
  # "can't get final child's PID from pipe"); clamp the pods' values to containerd's own instead.
  restrict_oom_score_adj = true
  max_container_log_line_size = 16384
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
        Root = "${dir}/containerd/runc"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "${REDISPAIR_CNI_BIN_DIR}"
    conf_dir = "${dir}/cni/net.d"
    max_conf_num = 1
TOML

  # The bridge plugin makes cni0 inside the node's namespace; other nodes' pods are reached through the routes
  # of lib/network.sh, so nothing is masqueraded. host-local keeps its leases in this node's own directory.
  redispair::node::_write_if_changed "${dir}/cni/net.d/10-redispair.conflist" <<JSON
{
  "cniVersion": "1.0.0",
  "name": "redispair",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "cni0",
      "isGateway": true,
      "ipMasq": false,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "dataDir": "${dir}/cni/ipam",
        "ranges": [[{"subnet": "${cidr}"}]],
        "routes": [{"dst": "0.0.0.0/0"}]
      }
    },
    {"type": "portmap", "capabilities": {"portMappings": true}}
  ]
}
JSON

  redispair::node::_write_if_changed "${dir}/kubelet.yaml" kubelet <<YAML
# kubelet of ${node}; written by localcluster/lib/node.sh
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: ${ip}
port: 10250
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 10248
tlsCertFile: ${pki}/kubelet-serving-${node}.crt
tlsPrivateKeyFile: ${pki}/kubelet-serving-${node}.key
authentication:
  anonymous:
    enabled: false
  webhook:
    enabled: true
  x509:
    clientCAFile: ${pki}/ca.crt
authorization:
  mode: Webhook
containerRuntimeEndpoint: unix://$(redispair::node::_sock "${node}")
cgroupDriver: cgroupfs
cgroupRoot: $(redispair::node::cgroup "${node}")
cgroupsPerQOS: true
enforceNodeAllocatable: ["pods"]
failSwapOn: false
clusterDomain: ${REDISPAIR_CLUSTER_DOMAIN}
clusterDNS: ["${REDISPAIR_CLUSTER_DNS}"]
resolvConf: ${dir}/resolv.conf
podLogsDir: ${dir}/pod-logs
volumePluginDir: ${dir}/volume-plugins
# Images are imported, never pulled: image GC must not remove them (100 disables it).
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
# A busy CI disk must not evict the test's pods.
evictionHard:
  memory.available: "100Mi"
  nodefs.available: "1%"
  imagefs.available: "1%"
  nodefs.inodesFree: "1%"
maxPods: 50
serializeImagePulls: false
rotateCertificates: false
serverTLSBootstrap: false
protectKernelDefaults: false
# Two kubelets share one kernel: neither may change kernel-wide settings.
makeIPTablesUtilChains: false
YAML

  redispair::node::_write_if_changed "${dir}/kube-proxy.yaml" kube-proxy <<YAML
# kube-proxy of ${node}; written by localcluster/lib/node.sh
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection:
  kubeconfig: ${dir}/kube-proxy.kubeconfig
hostnameOverride: ${node}
bindAddress: 0.0.0.0
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
mode: iptables
clusterCIDR: ${REDISPAIR_CLUSTER_CIDR}
# 0 = leave as is: the conntrack table size is one for the whole machine, not per node.
conntrack:
  maxPerCore: 0
  tcpEstablishedTimeout: 0s
  tcpCloseWaitTimeout: 0s
YAML
}

# ---- start / stop -------------------------------------------------------------------------------------------

redispair::node::_containerd_ready() {
  redispair::node::ctr "$1" version >/dev/null 2>&1
}

redispair::node::_kubelet_healthy() {
  redispair::net::in_node "$1" curl -fsS --max-time 2 http://127.0.0.1:10248/healthz 2>/dev/null | grep -qx ok
}

redispair::node::start() {
  local node="$1"
  local dir ip daemon
  dir="$(redispair::cluster::node_dir "${node}")"
  ip="$(redispair::cluster::node_ip "${node}")"
  redispair::node::_cgroup_create "${node}" || return 1
  # A daemon whose configuration changed since it started is restarted (containerd keeps its containers running).
  for daemon in "${REDISPAIR_NODE_DAEMONS[@]}"; do
    [[ -e "${dir}/run/${daemon}.config-changed" ]] || continue
    if redispair::node::running "${node}" "${daemon}"; then
      redispair::log::step "${node}: restarting ${daemon} (configuration changed)"
      redispair::node::_stop "${node}" "${daemon}" || return 1
    fi
    rm -f "${dir}/run/${daemon}.config-changed"
  done

  if ! redispair::node::running "${node}" containerd; then
    redispair::log::step "${node}: starting containerd ($(redispair::node::_sock "${node}"))"
    redispair::node::_spawn "${node}" containerd "$(command -v containerd)" --config "${dir}/containerd.toml" || return 1
  fi
  if ! redispair::process::poll "${NODE_START_TIMEOUT}" "${node} containerd" redispair::node::_containerd_ready "${node}"; then
    redispair::log::error "${node}: containerd not answering after ${NODE_START_TIMEOUT}s; see $(redispair::node::log_file "${node}" containerd)"
    return 1
  fi

  if ! redispair::node::running "${node}" kubelet; then
    redispair::log::step "${node}: starting kubelet (${ip}:10250)"
    redispair::node::_spawn "${node}" kubelet "${K8S_BIN_DIR}/kubelet" \
      --config="${dir}/kubelet.yaml" \
      --kubeconfig="${dir}/kubelet.kubeconfig" \
      --root-dir="${dir}/kubelet" \
      --cert-dir="${dir}/kubelet/pki" \
      --hostname-override="${node}" \
      --node-ip="${ip}" \
      --v=1 || return 1
  fi
  if ! redispair::node::running "${node}" kube-proxy; then
    redispair::log::step "${node}: starting kube-proxy (iptables mode, in $(redispair::cluster::netns "${node}"))"
    redispair::node::_spawn "${node}" kube-proxy "${K8S_BIN_DIR}/kube-proxy" --config="${dir}/kube-proxy.yaml" --v=1 || return 1
  fi
  if ! redispair::process::poll "${NODE_START_TIMEOUT}" "${node} kubelet /healthz" redispair::node::_kubelet_healthy "${node}"; then
    redispair::log::error "${node}: kubelet not healthy after ${NODE_START_TIMEOUT}s; last lines of its log:"
    tail -n 30 "$(redispair::node::log_file "${node}" kubelet)" >&2
    return 1
  fi
}

redispair::node::mounts() {
  local dir
  dir="$(redispair::cluster::node_dir "$1")"
  findmnt -rn -o TARGET | grep -F "${dir}/" || true # no mount is the normal case
}

redispair::node::_unmount_all() {
  local node="$1"
  local -a targets
  local target
  # Deepest first, so that a mount inside a mount goes before its parent.
  mapfile -t targets < <(redispair::node::mounts "${node}" | awk '{ print length($0) " " $0 }' | sort -rn | cut -d' ' -f2-)
  for target in "${targets[@]}"; do
    # findmnt escapes spaces as \x20; our paths have none.
    umount "${target}" 2>/dev/null || umount -l "${target}" || return 1
  done
}

redispair::node::stop() {
  local node="$1"
  local i
  for ((i = ${#REDISPAIR_NODE_DAEMONS[@]} - 1; i >= 0; i--)); do
    redispair::node::_stop "${node}" "${REDISPAIR_NODE_DAEMONS[i]}" || return 1
  done
  redispair::node::_kill_leftovers "${node}" || return 1
  redispair::node::_unmount_all "${node}" || return 1
  redispair::node::_cgroup_remove "${node}"
}
