# shellcheck shell=bash
# Cluster add-ons of the test cluster: CoreDNS (manifests/coredns.yaml) and local storage (manifests/storage.yaml
# plus pre-created local PersistentVolumes, LOCAL_PVS_PER_NODE per node, each a 0777 directory on its node).
# Sourcing this file only defines functions and defaulted variables. Needs lib/cluster.sh.
#
#   redispair::addons::apply_storage [CLASS [DEFAULT]]
#                                        StorageClass CLASS (standard; DEFAULT true/false, default true for
#                                        standard) + its local PVs on every node; recycles Released ones
#   redispair::addons::apply_coredns     CoreDNS Deployment + kube-dns Service at REDISPAIR_CLUSTER_DNS
#   redispair::addons::wait_coredns      waits until CoreDNS answers through kube-dns

[[ -n "${REDISPAIR_ADDONS_SH_LOADED:-}" ]] && return 0
REDISPAIR_ADDONS_SH_LOADED=1

# No provisioner runs, so a claim deleted (98-redis-down.sh --purge, a namespace deleted) leaves its PV Released
# until the next cluster-up (or `minikube addons enable`) recycles it: keep enough for several deploy/purge
# rounds in between.
: "${LOCAL_PVS_PER_NODE:=8}"
# Nominal capacity of each local PV; a local volume is a plain directory, so this is bookkeeping only. It must
# cover the operator's default claim (1Gi).
: "${LOCAL_PV_CAPACITY:=5Gi}"
readonly REDISPAIR_ADDONS_FIELD_MANAGER=redispair-test-cluster
readonly REDISPAIR_ADDONS_LABEL=app.kubernetes.io/managed-by=redispair-test-cluster

redispair::addons::_apply() {
  redispair::cluster::kubectl apply --server-side --force-conflicts \
    --field-manager="${REDISPAIR_ADDONS_FIELD_MANAGER}" -f - >/dev/null
}

redispair::addons::pv_dir() { printf '%s/local-pv/%s-%s\n' "$(redispair::cluster::node_dir "$1")" "$2" "$3"; }

redispair::addons::_local_pv() {
  local class="$1" node="$2" i="$3" dir="$4"
  cat <<YAML
---
apiVersion: v1
kind: PersistentVolume
metadata:
  name: ${class}-${node}-${i}
  labels:
    ${REDISPAIR_ADDONS_LABEL/=/: }
    redispair.io/test-node: ${node}
spec:
  capacity:
    storage: ${LOCAL_PV_CAPACITY}
  accessModes: ["ReadWriteOnce"]
  persistentVolumeReclaimPolicy: Retain
  storageClassName: ${class}
  volumeMode: Filesystem
  local:
    path: ${dir}
  nodeAffinity:
    required:
      nodeSelectorTerms:
        - matchExpressions:
            - key: kubernetes.io/hostname
              operator: In
              values: ["${node}"]
YAML
}

redispair::addons::apply_storage() {
  local class="${1:-standard}" default="${2:-}"
  local root="${REDISPAIR_CP_ROOT}"
  if [[ -z "${default}" ]]; then
    default=false
    [[ "${class}" == standard ]] && default=true
  fi
  redispair::log::step "storage: StorageClass ${class} (default: ${default}; WaitForFirstConsumer), ${LOCAL_PVS_PER_NODE} local PVs per node"
  # The default-class annotation is applied only when the class is new: whoever made another class the default
  # since (scripts/00-minikube-up.sh does) keeps it that way.
  if redispair::cluster::kubectl get storageclass "${class}" >/dev/null 2>&1; then
    default="$(redispair::cluster::kubectl get storageclass "${class}" \
      -o jsonpath='{.metadata.annotations.storageclass\.kubernetes\.io/is-default-class}')"
  fi
  sed -e "s/CLASS_NAME/${class}/" -e "s/IS_DEFAULT/${default:-false}/" "${root}/test/cluster/manifests/storage.yaml" |
    redispair::addons::_apply || return 1
  local node i dir manifest=""
  for node in "${REDISPAIR_NODES[@]}"; do
    for ((i = 1; i <= LOCAL_PVS_PER_NODE; i++)); do
      dir="$(redispair::addons::pv_dir "${node}" "${class}" "${i}")"
      mkdir -p "${dir}" || return 1
      # Local volumes get no fsGroup ownership change; like minikube's local-path, the directory is open to all
      # (the Redis pods run as uid 999).
      chmod 0777 "${dir}" || return 1
      manifest+="$(redispair::addons::_local_pv "${class}" "${node}" "${i}" "${dir}")"$'\n'
    done
  done
  redispair::addons::_apply <<<"${manifest}" || return 1
  redispair::addons::_drop_unwanted "${class}" || return 1
  redispair::addons::recycle_released
}

# Deletes unbound PVs of ours in CLASS that the current settings no longer make (fewer per node, renamed).
redispair::addons::_drop_unwanted() {
  local class="$1" name
  while IFS= read -r name; do
    [[ -n "${name}" ]] || continue
    redispair::log::step "storage: deleting unbound PV ${name} (no longer part of class ${class}'s set)"
    redispair::cluster::kubectl delete pv "${name}" --wait=false >/dev/null || return 1
  done < <(redispair::cluster::kubectl get pv -l "${REDISPAIR_ADDONS_LABEL}" -o json |
    jq -r --arg c "${class}" --argjson n "${LOCAL_PVS_PER_NODE}" '.items[]
      | select(.spec.storageClassName == $c and .status.phase != "Bound")
      | .metadata.name as $name
      | select(($name | test("^\($c)-node-[a-z]-[0-9]+$") | not)
               or (($name | capture("-(?<i>[0-9]+)$").i | tonumber) > $n))
      | $name')
}

# A Released local PV (its claim was deleted) is what a provisioner with reclaimPolicy Delete would delete and
# re-create: empty its directory and make it Available again.
redispair::addons::recycle_released() {
  local name node path
  while IFS=' ' read -r name node path; do
    [[ -n "${name}" ]] || continue
    [[ "${path}" == "${REDISPAIR_NODES_DIR}/"* ]] || continue # only directories of ours are ever emptied
    redispair::log::step "storage: recycling Released ${name} (${path})"
    find "${path}" -mindepth 1 -delete || return 1
    redispair::cluster::kubectl patch pv "${name}" --type json -p '[{"op":"remove","path":"/spec/claimRef"}]' >/dev/null || return 1
  done < <(redispair::cluster::kubectl get pv -l "${REDISPAIR_ADDONS_LABEL}" -o json |
    jq -r '.items[] | select(.status.phase == "Released") | "\(.metadata.name) \(.metadata.labels["redispair.io/test-node"]) \(.spec.local.path)"')
}

redispair::addons::apply_coredns() {
  local root="${REDISPAIR_CP_ROOT}"
  redispair::log::step "CoreDNS ${COREDNS_VERSION}: Deployment kube-system/coredns, Service kube-dns at ${REDISPAIR_CLUSTER_DNS}"
  sed -e "s#COREDNS_IMAGE#${REDISPAIR_COREDNS_IMAGE}#" -e "s#CLUSTER_DNS_IP#${REDISPAIR_CLUSTER_DNS}#" \
    "${root}/test/cluster/manifests/coredns.yaml" | redispair::addons::_apply
}

# 0 when a CoreDNS pod is ready and the kube-dns Service answers a query from a node (through kube-proxy).
redispair::addons::_dns_answers() {
  local ready
  ready="$(redispair::cluster::kubectl -n kube-system get deploy coredns -o jsonpath='{.status.readyReplicas}' 2>/dev/null)"
  ((${ready:-0} >= 1)) || return 1
  # A TCP connection to the Service from inside a node goes through that node's kube-proxy rules; without a
  # ready endpoint kube-proxy rejects it.
  redispair::net::in_node "${REDISPAIR_NODES[0]}" \
    timeout 3 bash -c "exec 3<>/dev/tcp/${REDISPAIR_CLUSTER_DNS}/53" 2>/dev/null
}

redispair::addons::wait_coredns() {
  if ! redispair::cp::poll "${ADDON_READY_TIMEOUT}" "CoreDNS to be ready" redispair::addons::_dns_answers; then
    redispair::log::error "CoreDNS not ready after ${ADDON_READY_TIMEOUT}s:"
    redispair::cluster::kubectl -n kube-system get pods -l k8s-app=kube-dns -o wide >&2 || true
    return 1
  fi
}
