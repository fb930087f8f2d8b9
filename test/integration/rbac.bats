#!/usr/bin/env bats
# Least privilege, measured: the operator runs as its ServiceAccount through a scenario that needs every
# permission it has (children created and repaired, a foreign object in the way, the INFO CronJob turned on and
# off, the placement deadlock broken, its Events deduplicated, the master's volume read), and the API server's
# audit log of that run (localcluster/audit-policy.yaml) is compared with deploy/operator/rbac.yaml in both
# directions: nothing used is missing, nothing granted is unused.
#
# The mapping from requests to RBAC verbs: the audit log names the verb each request was authorized as, except
# that a server-side apply that creates its object (a PATCH answered 201) was authorized as create as well.
# One grant makes no request of its own: update on redispairs/finalizers, which the admission plugin
# OwnerReferencesPermissionEnforcement (on in the test control plane, as on OpenShift) demands of whoever sets
# blockOwnerDeletion on an ownerReference. It is proven needed separately below.

bats_require_minimum_version 1.5.0

load helpers
load lib/operator
load lib/standin

NS=redis-rbac
RP_NAME=rbac
SA_USER="system:serviceaccount:${NS}:redispair-operator"
STANDIN_NODES=(rbac-node-a rbac-node-b)
# The node the master's PersistentVolume pins it to.
VOLUME_NODE=rbac-node-a
STEP_TIMEOUT=30
# Its own ops port, next to the base one (the file is read again for every test: keep the first value).
export RBAC_OP_PORT="${RBAC_OP_PORT:-$((${REDISPAIR_OP_PORT:-18480} + 3))}"
export REDISPAIR_OP_PORT="${RBAC_OP_PORT}"

k() { redispair::test::kubectl -n "${NS}" "$@"; }
jp() { k get "$1" -o "jsonpath=$2"; }
condition() { jp "redispair/${RP_NAME}" "{.status.conditions[?(@.type==\"$1\")].$2}"; }

setup_file() {
  redispair::test::ensure_control_plane
  AUDIT_LOG="${APISERVER_AUDIT_LOG}"
  [[ -f "${AUDIT_LOG}" ]] || {
    echo "no audit log at ${AUDIT_LOG}: this control plane was started without one;" \
      "restart it (localcluster/control-plane-down.sh, then control-plane-up.sh)" >&2
    return 1
  }
  redispair::test::apply_crd
  k delete pods --all --force --grace-period=0 >/dev/null 2>&1 || true
  redispair::test::kubectl delete namespace "${NS}" --wait=true --ignore-not-found >/dev/null
  redispair::test::ensure_namespace "${NS}"
  redispair::op::install_rbac "${NS}"
  # The ServiceAccount's uid tells this run's requests from those of earlier runs in the same audit log.
  SA_UID="$(k get serviceaccount redispair-operator -o jsonpath='{.metadata.uid}')"
  export AUDIT_LOG SA_UID
  # Tainted, so that the scheduler places nothing here: the test binds pods itself.
  redispair::standin::add_nodes "${STANDIN_NODES[@]}"
  redispair::op::start "${NS}"
}

teardown_file() {
  redispair::op::stop || true
  # Pods bound to the stand-in nodes have no kubelet to finish their deletion.
  k delete pods --all --force --grace-period=0 >/dev/null 2>&1 || true
  redispair::test::kubectl delete namespace "${NS}" --wait=false >/dev/null 2>&1 || true
  redispair::test::kubectl delete node "${STANDIN_NODES[@]}" --ignore-not-found >/dev/null 2>&1 || true
  redispair::test::kubectl delete pv "${RP_NAME}-data" --ignore-not-found --wait=false >/dev/null 2>&1 || true
  redispair::test::release_control_plane
}

teardown() {
  if [[ -n "${BATS_TEST_COMPLETED:-}" ]]; then return 0; fi
  echo "# operator log (last 20 lines):" >&3
  tail -n 20 "$(redispair::op::log)" | sed 's/^/#   /' >&3
}

# ---- the scenario -------------------------------------------------------------------------------------------

ready_reason_is() { [[ "$(condition Ready reason)" == "$1" ]]; }
controlled_by_pair() {
  [[ "$(jp "$1" '{.metadata.ownerReferences[?(@.controller==true)].uid}')" == "$(jp "redispair/${RP_NAME}" '{.metadata.uid}')" ]]
}
# Prints the JSON of this pair's Events with reason $1 (events.k8s.io/v1).
events_of() {
  k get events.v1.events.k8s.io -o json |
    jq -c --arg r "$1" --arg n "${RP_NAME}" '[.items[] | select(.regarding.name == $n and .reason == $r)]'
}
series_count_at_least() { (($(events_of "$1" | jq '[.[].series.count // 1] | max // 0') >= $2)); }
claim_bound() { [[ "$(jp "pvc/data-${RP_NAME}-master-0" '{.status.phase}')" == Bound ]]; }
master_unschedulable() {
  [[ "$(jp "pod/${RP_NAME}-master-0" '{.status.conditions[?(@.type=="PodScheduled")].reason}')" == Unschedulable ]]
}
replica_pod() {
  k get pods -l "app.kubernetes.io/instance=${RP_NAME},app.kubernetes.io/component=replica" -o name | head -n 1
}
replica_pod_exists() { [[ -n "$(replica_pod)" ]]; }
# Pod $1 is deleted: gone, or (with no kubelet here to finish a graceful deletion) marked for deletion.
pod_deleted() {
  local marked
  marked="$(jp "$1" '{.metadata.deletionTimestamp}' 2>/dev/null)" || return 0
  [[ -n "${marked}" ]]
}
cronjob_gone() { ! k get "cronjob/${RP_NAME}-info" >/dev/null 2>&1; }

@test "scenario: a foreign Service, a kept Secret, children, Events, the INFO CronJob on and off, the placement deadlock" {
  # Someone else's Service holds the replica Service's name before the RedisPair exists.
  k create service clusterip "${RP_NAME}-replica" --tcp=6379:6379 >/dev/null
  # The clients' Secret as scripts/98-redis-down.sh keeps it with a retained volume: our labels, no
  # ownerReference. The operator adopts it (a patch) rather than make a new password.
  k create secret generic "${RP_NAME}-auth" --from-literal=password=kept-password >/dev/null
  k label secret "${RP_NAME}-auth" app.kubernetes.io/managed-by=redispair-operator >/dev/null
  # The master's volume: a local PersistentVolume on ${VOLUME_NODE}, bound in advance to the claim that the
  # StatefulSet will make, so that the operator reads the volume's node from it.
  redispair::test::kubectl apply -f - >/dev/null <<PV
apiVersion: v1
kind: PersistentVolume
metadata:
  name: ${RP_NAME}-data
spec:
  capacity: {storage: 1Gi}
  accessModes: [ReadWriteOnce]
  storageClassName: rbac-manual
  claimRef: {namespace: ${NS}, name: data-${RP_NAME}-master-0}
  local: {path: /tmp}
  nodeAffinity:
    required:
      nodeSelectorTerms:
        - matchExpressions: [{key: kubernetes.io/hostname, operator: In, values: [${VOLUME_NODE}]}]
PV
  k apply --server-side -f - >/dev/null <<RP
apiVersion: redispair.io/v1alpha1
kind: RedisPair
metadata:
  name: ${RP_NAME}
spec:
  master:
    nodePort: 31700
    storage: {storageClassName: rbac-manual}
  replica:
    nodePort: 31701
  infoJob: {enabled: true}
RP
  redispair::test::eventually "${STEP_TIMEOUT}" ready_reason_is ChildConflict
  redispair::test::eventually "${STEP_TIMEOUT}" controlled_by_pair "secret/${RP_NAME}-auth"
  [[ "$(jp "secret/${RP_NAME}-auth" '{.data.password}' | base64 -d)" == kept-password ]]
  # The conflict is recorded on every pass, as one Event with a series.
  redispair::test::eventually "${STEP_TIMEOUT}" series_count_at_least ChildConflict 2
  k delete service "${RP_NAME}-replica" >/dev/null
  redispair::test::eventually "${STEP_TIMEOUT}" controlled_by_pair "service/${RP_NAME}-replica"
  redispair::test::eventually "${STEP_TIMEOUT}" k get "cronjob/${RP_NAME}-info"

  # The placement deadlock: the master cannot be scheduled (every node is tainted), and a replica pod runs on
  # the node its volume pins it to. The operator deletes that replica pod.
  redispair::test::eventually "${STEP_TIMEOUT}" claim_bound
  redispair::test::eventually "${STEP_TIMEOUT}" master_unschedulable
  redispair::test::eventually "${STEP_TIMEOUT}" replica_pod_exists
  local replica
  replica="$(replica_pod)"
  redispair::test::kubectl create --raw "/api/v1/namespaces/${NS}/pods/${replica#pod/}/binding" -f - >/dev/null <<BINDING
{"apiVersion":"v1","kind":"Binding","metadata":{"name":"${replica#pod/}"},"target":{"apiVersion":"v1","kind":"Node","name":"${VOLUME_NODE}"}}
BINDING
  redispair::test::eventually "${STEP_TIMEOUT}" pod_deleted "${replica}"
  [[ "$(events_of PlacementDeadlockBroken | jq -r '.[0].note')" == *"${replica#pod/}"*"${VOLUME_NODE}"* ]]

  # The INFO CronJob off again: deleted.
  k patch redispair "${RP_NAME}" --type merge -p '{"spec":{"infoJob":{"enabled":false}}}' >/dev/null
  redispair::test::eventually "${STEP_TIMEOUT}" cronjob_gone
  [[ "$(events_of Created | jq 'length')" -ge 1 ]]
  # Stopping ends the watches, so that the log holds all of them.
  redispair::op::stop
}

# ---- the comparison -----------------------------------------------------------------------------------------

# The objects of deploy/operator/rbac.yaml as JSON, one a line (kubectl prints several objects one by one).
rbac_objects() {
  redispair::test::kubectl create --dry-run=client -o json -f "${REDISPAIR_TEST_ROOT}/deploy/operator/rbac.yaml" |
    jq -c 'if .kind == "List" then .items[] else . end'
}

# "group resource verb" for every permission the Role and the ClusterRole of deploy/operator/rbac.yaml grant.
granted() {
  rbac_objects |
    jq -r 'select(.kind == "Role" or .kind == "ClusterRole") | .rules[]
      | .apiGroups[] as $g | .resources[] as $r | .verbs[] as $v | "\(if $g == "" then "core" else $g end) \($r) \($v)"' |
    sort -u
}

# The same for every request this run's operator made, from the audit log; a PATCH answered 201 (a server-side
# apply that created its object) counts as create too.
used() {
  jq -r --arg uid "${SA_UID}" 'select(.user.uid == $uid and .objectRef.resource != null)
    | (.objectRef.apiGroup // "") as $g
    | (.objectRef.resource + (if .objectRef.subresource then "/" + .objectRef.subresource else "" end)) as $r
    | (if $g == "" then "core" else $g end) as $group
    | "\($group) \($r) \(.verb)", (if .verb == "patch" and .responseStatus.code == 201 then "\($group) \($r) create" else empty end)' \
    "${AUDIT_LOG}" | sort -u
}

# Grants that no request shows, with the reason they are needed anyway.
# delete on secrets: the same plugin demands it of whoever changes the ownerReferences of an existing object,
# which adopting a Secret kept by scripts/98-redis-down.sh does (seen: the patch refused without it).
readonly IMPLIED_GRANTS=("redispair.io redispairs/finalizers update" "core secrets delete")

@test "RBAC: every request of the run was granted, and every grant was used" {
  local used_file="${BATS_FILE_TMPDIR}/used" granted_file="${BATS_FILE_TMPDIR}/granted"
  used >"${used_file}"
  granted >"${granted_file}"
  echo "# requests of the run: $(wc -l <"${used_file}") distinct (group resource verb)" >&3
  [[ -s "${used_file}" ]]
  local missing unused
  missing="$(comm -23 "${used_file}" "${granted_file}")"
  unused="$(comm -13 "${used_file}" "${granted_file}" | grep -vxF -f <(printf '%s\n' "${IMPLIED_GRANTS[@]}") || true)"
  [[ -z "${missing}" ]] || {
    echo "used but not granted (the operator was refused these):"
    echo "${missing}"
    return 1
  }
  [[ -z "${unused}" ]] || {
    echo "granted but never used in the run:"
    echo "${unused}"
    return 1
  }
  # Not a single request of the run was refused.
  # shellcheck disable=SC2016 # a jq program
  run -0 jq -r --arg uid "${SA_UID}" 'select(.user.uid == $uid and .responseStatus.code == 403) | .requestURI' "${AUDIT_LOG}"
  [[ -z "${output}" ]]
}

@test "RBAC: Secrets are never listed or watched, only read by name, created and adopted" {
  # shellcheck disable=SC2016 # a jq program
  run -0 jq -r --arg uid "${SA_UID}" 'select(.user.uid == $uid and .objectRef.resource == "secrets") | .verb' "${AUDIT_LOG}"
  [[ "$(sort -u <<<"${output}" | tr '\n' ' ')" == "create get patch " ]]
  run -0 granted
  [[ "$(grep '^core secrets ' <<<"${output}" | tr '\n' ' ')" == "core secrets create core secrets delete core secrets get core secrets patch " ]]
}

# A server-side dry-run create, as user $1, of a Service with a blocking ownerReference to the RedisPair.
create_owned_service_as() {
  local uid
  uid="$(jp "redispair/${RP_NAME}" '{.metadata.uid}')"
  redispair::test::kubectl create --dry-run=server --as="$1" -n "${NS}" -f - 2>&1 <<SVC
apiVersion: v1
kind: Service
metadata:
  name: probe-owned
  ownerReferences:
    - {apiVersion: redispair.io/v1alpha1, kind: RedisPair, name: ${RP_NAME}, uid: ${uid}, controller: true, blockOwnerDeletion: true}
spec:
  ports: [{port: 6379}]
SVC
}

@test "RBAC: update on redispairs/finalizers is what lets the operator set blockOwnerDeletion" {
  # The children carry it.
  [[ "$(jp "statefulset/${RP_NAME}-master" '{.metadata.ownerReferences[0].blockOwnerDeletion}')" == true ]]
  # As the operator: allowed.
  run -0 create_owned_service_as "${SA_USER}"
  # As an account with the same Role minus that rule: refused by OwnerReferencesPermissionEnforcement.
  k create serviceaccount rbac-probe >/dev/null
  rbac_objects |
    jq 'select(.kind == "Role")
      | .metadata.name = "rbac-probe" | .metadata.namespace = "'"${NS}"'"
      | .rules |= map(select(.resources != ["redispairs/finalizers"]))' |
    redispair::test::kubectl apply -f - >/dev/null
  k create rolebinding rbac-probe --role=rbac-probe --serviceaccount="${NS}:rbac-probe" >/dev/null
  run -1 create_owned_service_as "system:serviceaccount:${NS}:rbac-probe"
  [[ "${output}" == *"cannot set blockOwnerDeletion"* ]]
}
