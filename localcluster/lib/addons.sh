# shellcheck shell=bash
# Cluster add-ons of the test cluster: CoreDNS (manifests/coredns.yaml) and local storage (manifests/storage.yaml
# plus pre-created local PersistentVolumes, LOCAL_PVS_PER_NODE per node, each a 0777 directory on its node).
# Sourcing this file only defines functions and defaulted variables. Needs lib/cluster.sh.
#
# Storage comes in three shapes, each a StorageClass with local PVs (no dynamic provisioner runs; a Released PV
# is emptied and made Available again, as a provisioner with reclaimPolicy Delete would re-create it):
#   local            the cluster's own "standard" (cluster-up.sh): WaitForFirstConsumer, PVs on every node, default
#   minikube-hostpath  minikube's "standard" (bin/minikube start): provisioner k8s.io/minikube-hostpath, Immediate
#                    binding, reclaim Delete, volumes on the first (control-plane) node only. minikube's hostpath
#                    provisioner writes every volume on that node whatever node the pod runs on (minikube issue
#                    #12360); here the volume is pinned to that node, which is the same trap seen from the
#                    scheduler: the pod follows its volume to the first node.
#                    (minikube v1.37.0 deploy/addons/storageclass/storageclass.yaml, deploy/addons/storage-provisioner/)
#   rancher-local-path  minikube's storage-provisioner-rancher: class local-path, provisioner rancher.io/local-path,
#                    WaitForFirstConsumer, reclaim Delete, PVs on every node, namespace local-path-storage
#                    (deploy/addons/storage-provisioner-rancher/storage-provisioner-rancher.yaml.tmpl)
#
#   redispair::addons::apply_storage [standard]
#                                        the cluster's "standard": shape local, or minikube-hostpath when
#                                        REDISPAIR_CLUSTER_STORAGE=minikube (bin/minikube sets it for cluster-up.sh)
#   redispair::addons::ensure_class CLASS SHAPE DEFAULT
#                                        StorageClass CLASS of SHAPE and its PVs; DEFAULT true, false or keep (the
#                                        live annotation; false for a new class). A class of another shape is
#                                        re-created when none of its volumes is bound, else kept (with a warning)
#   redispair::addons::set_default_class CLASS    CLASS is the only default class (minikube's SetDefaultStorageClass)
#   redispair::addons::unset_default_class CLASS  CLASS is no longer a default (DisableDefaultStorageClass)
#   redispair::addons::enable_local_path  minikube's storage-provisioner-rancher: namespace, class, PVs, default
#   redispair::addons::recycle_released  empties Released PVs of ours and makes them Available
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
# Which "standard" cluster-up.sh makes: local (the cluster's own, node-safe) or minikube (minikube's shape).
: "${REDISPAIR_CLUSTER_STORAGE:=local}"
readonly REDISPAIR_ADDONS_FIELD_MANAGER=redispair-test-cluster
readonly REDISPAIR_ADDONS_LABEL=app.kubernetes.io/managed-by=redispair-test-cluster
readonly REDISPAIR_DEFAULT_CLASS_ANNOTATION=storageclass.kubernetes.io/is-default-class
# The namespace minikube's storage-provisioner-rancher add-on runs its provisioner in.
readonly REDISPAIR_LOCAL_PATH_NAMESPACE=local-path-storage

redispair::addons::_apply() {
  redispair::cluster::kubectl apply --server-side --force-conflicts \
    --field-manager="${REDISPAIR_ADDONS_FIELD_MANAGER}" -f - >/dev/null
}

redispair::addons::pv_dir() { printf '%s/local-pv/%s-%s\n' "$(redispair::cluster::node_dir "$1")" "$2" "$3"; }

# Prints "PROVISIONER BINDING_MODE RECLAIM_POLICY NODES" of SHAPE; NODES is "all" or "first".
redispair::addons::_shape() {
  case "$1" in
    local) echo "kubernetes.io/no-provisioner WaitForFirstConsumer Retain all" ;;
    minikube-hostpath) echo "k8s.io/minikube-hostpath Immediate Delete first" ;;
    rancher-local-path) echo "rancher.io/local-path WaitForFirstConsumer Delete all" ;;
    *)
      redispair::log::error "unknown storage shape: $1"
      return 1
      ;;
  esac
}

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
  local class="${1:-standard}"
  if [[ "${class}" != standard ]]; then
    redispair::log::error "apply_storage makes class standard only, not ${class}"
    return 1
  fi
  case "${REDISPAIR_CLUSTER_STORAGE}" in
    local) redispair::addons::ensure_class standard local keep-or-true ;;
    minikube) redispair::addons::ensure_class standard minikube-hostpath keep-or-true ;;
    *)
      redispair::log::error "REDISPAIR_CLUSTER_STORAGE must be local or minikube, not ${REDISPAIR_CLUSTER_STORAGE}"
      return 1
      ;;
  esac
}

# Prints the live class as "PROVISIONER BINDING_MODE RECLAIM_POLICY DEFAULT"; nothing when it does not exist.
redispair::addons::_live_class() {
  local json
  json="$(redispair::cluster::kubectl get storageclass "$1" -o json 2>/dev/null)" || return 0
  jq -r --arg a "${REDISPAIR_DEFAULT_CLASS_ANNOTATION}" \
      '"\(.provisioner) \(.volumeBindingMode // "Immediate") \(.reclaimPolicy // "Delete") \(.metadata.annotations[$a] // "false")"' <<<"${json}"
}

redispair::addons::_bound_pvs() {
  redispair::cluster::kubectl get pv -o json |
    jq -r --arg c "$1" '.items[] | select(.spec.storageClassName == $c and .status.phase == "Bound") | .metadata.name'
}

# ensure_class CLASS SHAPE DEFAULT: DEFAULT is true, false, keep (live value, false when new) or keep-or-true
# (live value, true when new).
redispair::addons::ensure_class() {
  local class="$1" shape="$2" default="$3"
  local provisioner binding reclaim nodes_kind live
  read -r provisioner binding reclaim nodes_kind <<<"$(redispair::addons::_shape "${shape}")" || return 1
  [[ -n "${provisioner}" ]] || return 1
  live="$(redispair::addons::_live_class "${class}")"
  if [[ -n "${live}" && "${live% *}" != "${provisioner} ${binding} ${reclaim}" ]]; then
    # Provisioner and binding mode cannot change on a live class: it is re-created, unless volumes are in use.
    local bound
    bound="$(redispair::addons::_bound_pvs "${class}")"
    if [[ -n "${bound}" ]]; then
      redispair::log::warn "storage: class ${class} is (${live% *}), not ${shape} (${provisioner} ${binding} ${reclaim}); kept, its volumes are bound: $(echo "${bound}" | tr '\n' ' ')"
      return 0
    fi
    redispair::log::step "storage: re-creating class ${class} as ${shape} (${provisioner}, ${binding}, reclaim ${reclaim})"
    redispair::cluster::kubectl delete storageclass "${class}" --wait=true >/dev/null || return 1
    redispair::addons::_delete_unbound_pvs "${class}" || return 1
    live=""
  fi
  case "${default}" in
    keep)
      default="${live##* }"
      default="${default:-false}"
      ;;
    keep-or-true)
      default="${live##* }"
      default="${default:-true}"
      ;;
  esac
  local -a nodes=("${REDISPAIR_NODES[@]}")
  [[ "${nodes_kind}" == first ]] && nodes=("${REDISPAIR_NODES[0]}")
  redispair::log::step "storage: StorageClass ${class} (${provisioner}, ${binding}, reclaim ${reclaim}, default ${default}), ${LOCAL_PVS_PER_NODE} local PVs on ${nodes[*]}"
  sed -e "s#CLASS_NAME#${class}#" -e "s#IS_DEFAULT#${default}#" -e "s#PROVISIONER#${provisioner}#" \
    -e "s#BINDING_MODE#${binding}#" -e "s#RECLAIM_POLICY#${reclaim}#" \
    "${REDISPAIR_CP_ROOT}/localcluster/manifests/storage.yaml" | redispair::addons::_apply || return 1
  local node i dir manifest=""
  for node in "${nodes[@]}"; do
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
  redispair::addons::_drop_unwanted "${class}" "${nodes[*]}" || return 1
  redispair::addons::recycle_released
}

redispair::addons::_delete_unbound_pvs() {
  local class="$1" name
  while IFS= read -r name; do
    [[ -n "${name}" ]] || continue
    redispair::cluster::kubectl delete pv "${name}" --wait=false >/dev/null || return 1
  done < <(redispair::cluster::kubectl get pv -l "${REDISPAIR_ADDONS_LABEL}" -o json |
    jq -r --arg c "${class}" '.items[] | select(.spec.storageClassName == $c and .status.phase != "Bound") | .metadata.name')
}

# Deletes unbound PVs of ours in CLASS that the current settings no longer make (another node, fewer per node).
redispair::addons::_drop_unwanted() {
  local class="$1" wanted_nodes="$2" name
  while IFS= read -r name; do
    [[ -n "${name}" ]] || continue
    redispair::log::step "storage: deleting unbound PV ${name} (no longer part of class ${class}'s set)"
    redispair::cluster::kubectl delete pv "${name}" --wait=false >/dev/null || return 1
  done < <(redispair::cluster::kubectl get pv -l "${REDISPAIR_ADDONS_LABEL}" -o json |
    jq -r --arg c "${class}" --argjson n "${LOCAL_PVS_PER_NODE}" --arg nodes "${wanted_nodes}" '.items[]
      | select(.spec.storageClassName == $c and .status.phase != "Bound")
      | .metadata.name as $name
      | select(($name | test("^\($c)-node-[a-z]-[0-9]+$") | not)
               or (($name | capture("-(?<i>[0-9]+)$").i | tonumber) > $n)
               or ((.metadata.labels["redispair.io/test-node"] // "") as $node | $nodes | split(" ") | index($node) | not))
      | $name')
}

redispair::addons::_annotate_default() {
  redispair::cluster::kubectl annotate storageclass "$1" --overwrite \
    "${REDISPAIR_DEFAULT_CLASS_ANNOTATION}=$2" >/dev/null
}

# minikube v1.37.0 pkg/minikube/storageclass/storageclass.go SetDefaultStorageClass: every class is annotated,
# true for CLASS, false for all others.
redispair::addons::set_default_class() {
  local want="$1" sc
  while IFS= read -r sc; do
    [[ -n "${sc}" ]] || continue
    if [[ "${sc}" == "${want}" ]]; then
      redispair::addons::_annotate_default "${sc}" true || return 1
    else
      redispair::addons::_annotate_default "${sc}" false || return 1
    fi
  done < <(redispair::cluster::kubectl get storageclass -o jsonpath='{range .items[*]}{.metadata.name}{"\n"}{end}')
}

# minikube v1.37.0 pkg/minikube/storageclass/storageclass.go DisableDefaultStorageClass.
redispair::addons::unset_default_class() {
  redispair::addons::_annotate_default "$1" false
}

# minikube v1.37.0 pkg/addons/addons_storage_classes.go enableOrDisableStorageClasses for
# storage-provisioner-rancher: the add-on's objects first (namespace, class local-path), then local-path is made
# the only default class.
redispair::addons::enable_local_path() {
  redispair::addons::_apply <<YAML || return 1
apiVersion: v1
kind: Namespace
metadata:
  name: ${REDISPAIR_LOCAL_PATH_NAMESPACE}
  labels:
    ${REDISPAIR_ADDONS_LABEL/=/: }
YAML
  redispair::addons::ensure_class local-path rancher-local-path keep || return 1
  redispair::addons::set_default_class local-path
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
    "${root}/localcluster/manifests/coredns.yaml" | redispair::addons::_apply
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
