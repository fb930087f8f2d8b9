# shellcheck shell=bash
# The nodes' network: one host bridge (REDISPAIR_BRIDGE, host side REDISPAIR_HOST_IP/24) and one network
# namespace per node, joined to the bridge by a veth pair. Inside a node's namespace: eth0 with the node IP, a
# default route to the host (where kube-apiserver listens), and a route to every other node's pod CIDR through
# that node's IP. On the host: a route to every pod CIDR through its node, so that the host (kube-apiserver,
# NodePort clients) can answer pods. Nothing is added to the host's iptables; everything kube-proxy and the CNI
# plugins write lives inside the node namespaces and disappears with them.
# Sourcing this file only defines functions. Needs lib/cluster.sh.
#
#   redispair::net::bridge_up / bridge_down
#   redispair::net::node_up NODE / node_down NODE
#   redispair::net::in_node NODE CMD...     runs CMD in NODE's network namespace only (host mounts, host /proc)
#   redispair::net::leftovers               prints every netns, link and route of ours still present

[[ -n "${REDISPAIR_NET_SH_LOADED:-}" ]] && return 0
REDISPAIR_NET_SH_LOADED=1

redispair::net::_host_veth() { printf '%sveth-%s\n' "${REDISPAIR_NAME_PREFIX}" "${1#node-}"; }

redispair::net::bridge_up() {
  if ! ip link show "${REDISPAIR_BRIDGE}" >/dev/null 2>&1; then
    redispair::log::step "creating bridge ${REDISPAIR_BRIDGE} (${REDISPAIR_HOST_IP}/24)"
    ip link add "${REDISPAIR_BRIDGE}" type bridge || return 1
  fi
  if ! ip -4 -o addr show dev "${REDISPAIR_BRIDGE}" | grep -q " ${REDISPAIR_HOST_IP}/"; then
    ip addr add "${REDISPAIR_HOST_IP}/24" dev "${REDISPAIR_BRIDGE}" || return 1
  fi
  ip link set "${REDISPAIR_BRIDGE}" up
}

redispair::net::bridge_down() {
  if ip link show "${REDISPAIR_BRIDGE}" >/dev/null 2>&1; then
    redispair::log::step "deleting bridge ${REDISPAIR_BRIDGE}"
    # Routes through the bridge (to the pod CIDRs) go with it.
    ip link del "${REDISPAIR_BRIDGE}" || return 1
  fi
  # `ip netns add` makes /run/netns a (shared bind) mount point the first time; once no namespace is left in
  # it, nobody needs that mount, so it goes too instead of staying behind.
  if mountpoint -q /run/netns && [[ -z "$(ls -A /run/netns)" ]]; then
    umount /run/netns 2>/dev/null || true # busy means someone else just added a namespace: theirs to keep
  fi
}

# Runs "$@" in NODE's network namespace. Unlike `ip netns exec`, nsenter keeps the host's mount namespace, so
# that kubelet, containerd and the host all see the same mounts (volumes, rootfs, pod netns bind mounts).
redispair::net::in_node() {
  local node="$1"
  shift
  nsenter --net="/run/netns/$(redispair::cluster::netns "${node}")" -- "$@"
}

redispair::net::node_up() {
  local node="$1"
  local ns ip veth cidr
  ns="$(redispair::cluster::netns "${node}")"
  ip="$(redispair::cluster::node_ip "${node}")"
  veth="$(redispair::net::_host_veth "${node}")"
  cidr="$(redispair::cluster::pod_cidr "${node}")"
  if ! ip netns list | grep -qx "${ns}\( (id: [0-9]*)\)\{0,1\}"; then
    redispair::log::step "creating network namespace ${ns} (${node} at ${ip}, pods ${cidr})"
    ip netns add "${ns}" || return 1
  fi
  if ! ip link show "${veth}" >/dev/null 2>&1; then
    ip link add "${veth}" type veth peer name eth0 netns "${ns}" || return 1
  fi
  ip link set "${veth}" master "${REDISPAIR_BRIDGE}" up || return 1
  redispair::net::in_node "${node}" ip link set lo up || return 1
  if ! redispair::net::in_node "${node}" ip -4 -o addr show dev eth0 | grep -q " ${ip}/"; then
    redispair::net::in_node "${node}" ip addr add "${ip}/24" dev eth0 || return 1
  fi
  redispair::net::in_node "${node}" ip link set eth0 up || return 1
  redispair::net::in_node "${node}" ip route replace default via "${REDISPAIR_HOST_IP}" dev eth0 || return 1
  # A node routes pod traffic (its own bridge, other nodes' pods, Service DNAT); bridged pod traffic must go
  # through iptables for kube-proxy's rules (br_netfilter sysctls are per network namespace).
  redispair::net::in_node "${node}" sysctl -qw net.ipv4.ip_forward=1 net.bridge.bridge-nf-call-iptables=1 || return 1
  local other
  for other in "${REDISPAIR_NODES[@]}"; do
    [[ "${other}" == "${node}" ]] && continue
    redispair::net::in_node "${node}" ip route replace "$(redispair::cluster::pod_cidr "${other}")" \
      via "$(redispair::cluster::node_ip "${other}")" dev eth0 || return 1
  done
  ip route replace "${cidr}" via "${ip}" dev "${REDISPAIR_BRIDGE}"
}

redispair::net::node_down() {
  local node="$1"
  local ns veth
  ns="$(redispair::cluster::netns "${node}")"
  veth="$(redispair::net::_host_veth "${node}")"
  ip route del "$(redispair::cluster::pod_cidr "${node}")" 2>/dev/null || true # gone with the bridge or never added
  if [[ -e "/run/netns/${ns}" ]]; then
    redispair::log::step "deleting network namespace ${ns}"
    ip netns del "${ns}" || return 1
  fi
  # The pair dies with the namespace, a moment after `ip netns del` returns; this catches a half-made one. A pair
  # that goes away between the two commands is gone all the same.
  if ip link show "${veth}" >/dev/null 2>&1; then
    if ! ip link del "${veth}" 2>/dev/null && ip link show "${veth}" >/dev/null 2>&1; then
      redispair::log::error "cannot delete link ${veth}"
      return 1
    fi
  fi
}

redispair::net::leftovers() {
  local node ns veth
  for node in "${REDISPAIR_NODES[@]}"; do
    ns="$(redispair::cluster::netns "${node}")"
    veth="$(redispair::net::_host_veth "${node}")"
    [[ -e "/run/netns/${ns}" ]] && echo "netns ${ns}"
    ip link show "${veth}" >/dev/null 2>&1 && echo "link ${veth}"
    ip route show "$(redispair::cluster::pod_cidr "${node}")" | sed 's/^/route /'
  done
  ip link show "${REDISPAIR_BRIDGE}" >/dev/null 2>&1 && echo "link ${REDISPAIR_BRIDGE}"
  return 0
}
