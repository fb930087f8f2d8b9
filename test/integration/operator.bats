#!/usr/bin/env bats
# The real operator binary against the real control plane (etcd, kube-apiserver, controller-manager,
# scheduler; no kubelet here, so pods stay Pending): children, repair, spec changes, status, watch
# recovery, quiet steady state, deletion and a clean stop. Assertions read the API server directly.

bats_require_minimum_version 1.5.0

load helpers
load lib/operator

NS=redis
RP="${REDISPAIR_TEST_ROOT}/deploy/redispair.yaml"
# A repaired child must be back within this long (the issue's bar: within a second).
REPAIR_TIMEOUT=1
# The quiet-steady-state window.
QUIET_SECONDS=60

k() { redispair::test::kubectl -n "${NS}" "$@"; }

jp() { k get "$1" -o "jsonpath=$2"; }

# The nodePort of Service $1 equals $2.
node_port_is() { [[ "$(jp "svc/$1" '{.spec.ports[0].nodePort}')" == "$2" ]]; }

setup_file() {
  redispair::test::ensure_control_plane
  redispair::test::apply_crd
  redispair::test::ensure_namespace "${NS}"
  # Every rendered pod must pass the restricted Pod Security Standard.
  redispair::test::kubectl label --overwrite namespace "${NS}" \
    pod-security.kubernetes.io/enforce=restricted pod-security.kubernetes.io/warn=restricted >/dev/null
  redispair::test::kubectl delete redispair --all -n "${NS}" --wait=true >/dev/null 2>&1 || true
  redispair::op::install_rbac "${NS}"
  redispair::op::start "${NS}"
  redispair::test::kubectl apply --server-side -f "${RP}" >/dev/null
}

teardown_file() {
  redispair::op::stop || true
  refuse_image_policy delete --ignore-not-found || true
  redispair::test::kubectl delete redispair --all -n "${NS}" --wait=false >/dev/null 2>&1 || true
  redispair::test::release_control_plane
}

teardown() {
  if [[ -n "${BATS_TEST_COMPLETED:-}" ]]; then return 0; fi
  echo "# operator log (last 30 lines):" >&3
  tail -n 30 "$(redispair::op::log)" | sed 's/^/#   /' >&3
}

all_children_exist() {
  k get svc/redis-master-headless svc/redis-master svc/redis-master-repl svc/redis-replica \
    svc/redis-replica-headless statefulset/redis-master deployment/redis-replica secret/redis-auth \
    secret/redis-operator-auth >/dev/null
}

@test "children: applying deploy/redispair.yaml creates every child with the expected spec" {
  redispair::test::eventually 20 all_children_exist
  node_port_is redis-master 32400
  node_port_is redis-replica 32401
  [[ "$(jp svc/redis-master-headless '{.spec.clusterIP}')" == None ]]
  [[ "$(jp statefulset/redis-master '{.spec.serviceName}')" == redis-master-headless ]]
  [[ "$(jp statefulset/redis-master '{.spec.volumeClaimTemplates[0].spec.resources.requests.storage}')" == 1Gi ]]
  [[ "$(jp statefulset/redis-master '{.spec.persistentVolumeClaimRetentionPolicy.whenDeleted}')" == Retain ]]
  run -0 jp deployment/redis-replica '{.spec.template.spec.containers[0].env[?(@.name=="REDIS_CONFIG")].value}'
  [[ "${output}" == *"replicaof redis-master-repl.redis.svc 6379"* ]]
  [[ "${output}" == *"maxmemory 102760448"* && "${output}" == *"maxmemory-policy noeviction"* ]]
  # The replica's target: a stable virtual IP that also publishes a master still starting.
  [[ "$(jp svc/redis-master-repl '{.spec.type}')" == ClusterIP ]]
  [[ "$(jp svc/redis-master-repl '{.spec.publishNotReadyAddresses}')" == true ]]
  # The master's launcher finds the replicas, ready or not, before it starts on an empty volume.
  [[ "$(jp svc/redis-replica-headless '{.spec.publishNotReadyAddresses}')" == true ]]
  run -0 jp statefulset/redis-master '{.spec.template.spec.containers[0].env[?(@.name=="REDISPAIR_REFILL_FROM")].value}'
  [[ "${output}" == redis-replica-headless.redis.svc:6379 ]]
  # Every child is owned by the RedisPair, as its controller.
  local uid kind
  uid="$(jp redispair/redis '{.metadata.uid}')"
  for kind in svc/redis-master svc/redis-replica svc/redis-master-headless svc/redis-master-repl \
    svc/redis-replica-headless statefulset/redis-master deployment/redis-replica secret/redis-auth \
    secret/redis-operator-auth; do
    [[ "$(jp "${kind}" '{.metadata.ownerReferences[0].uid}')" == "${uid}" ]]
    [[ "$(jp "${kind}" '{.metadata.ownerReferences[0].controller}')" == true ]]
  done
  # The INFO CronJob is off by default.
  run -1 k get cronjob/redis-info
}

@test "children: both passwords are generated once, 32 characters, and never in a pod's args" {
  local pw op
  pw="$(jp secret/redis-auth '{.data.password}' | base64 -d)"
  op="$(jp secret/redis-operator-auth '{.data.password}' | base64 -d)"
  [[ "${pw}" =~ ^[A-Za-z0-9]{32}$ && "${op}" =~ ^[A-Za-z0-9]{32}$ && "${pw}" != "${op}" ]]
  run -0 k get statefulset/redis-master deployment/redis-replica -o json
  [[ "${output}" != *"${pw}"* && "${output}" != *"${op}"* ]]
}

pods_admitted() {
  k get pod redis-master-0 >/dev/null &&
    [[ -n "$(k get pods -l app.kubernetes.io/component=replica -o name)" ]]
}

@test "children: the API server admits the rendered pods in a restricted namespace" {
  [[ "$(redispair::test::kubectl get ns "${NS}" -o jsonpath='{.metadata.labels.pod-security\.kubernetes\.io/enforce}')" == restricted ]]
  # The StatefulSet and ReplicaSet controllers create the pods; PodSecurity would refuse them here.
  redispair::test::eventually 30 pods_admitted
  # Same for the INFO job's pod template: enable it and create a Job from the CronJob.
  k patch redispair redis --type merge -p '{"spec":{"infoJob":{"enabled":true}}}' >/dev/null
  redispair::test::eventually 10 k get cronjob/redis-info
  k create job --from=cronjob/redis-info redis-info-admission >/dev/null
  redispair::test::eventually 30 k get pods -l job-name=redis-info-admission -o name --no-headers
  [[ -n "$(k get pods -l job-name=redis-info-admission -o name)" ]]
  k delete job redis-info-admission --wait=false >/dev/null
  k patch redispair redis --type merge -p '{"spec":{"infoJob":{"enabled":false}}}' >/dev/null
}

condition() { jp redispair/redis "{.status.conditions[?(@.type==\"$1\")].$2}"; }

status_explains_pending() {
  [[ "$(condition Ready status)" == False ]] &&
    [[ "$(condition MasterReady reason)" == Unschedulable ]] &&
    [[ "$(condition ReplicaReady reason)" == Unschedulable ]]
}

@test "status: conditions carry reasons and messages while no node can run the pods" {
  redispair::test::eventually 20 status_explains_pending
  [[ "$(condition MasterReady message)" == *"redis-master-0 is pending"* ]]
  [[ "$(condition ReplicationHealthy status)" == Unknown ]]
  [[ "$(jp redispair/redis '{.status.observedGeneration}')" == "$(jp redispair/redis '{.metadata.generation}')" ]]
  # The printer columns read the status.
  run -0 k get rp redis
  [[ "${lines[0]}" == *READY*MASTER*REPLICA*LINK*AGE* ]]
  [[ "${lines[1]}" == redis*False* ]]
}

uid_differs() { [[ "$(jp "$1" '{.metadata.uid}')" != "$2" ]]; }

@test "repair: a deleted child is recreated within a second" {
  local kind old start elapsed
  for kind in svc/redis-master svc/redis-master-headless svc/redis-master-repl deployment/redis-replica \
    statefulset/redis-master; do
    old="$(jp "${kind}" '{.metadata.uid}')"
    start="$(date +%s%N)"
    k delete "${kind}" --wait=false >/dev/null
    REDISPAIR_TEST_POLL_INTERVAL=0.05 redispair::test::eventually "${REPAIR_TIMEOUT}" uid_differs "${kind}" "${old}"
    elapsed=$((($(date +%s%N) - start) / 1000000))
    echo "# ${kind} recreated in ${elapsed} ms" >&3
  done
}

image_is() { [[ "$(jp "$1" '{.spec.template.spec.containers[0].image}')" == "$2" ]]; }

@test "repair: a hand-edited child is put back within a second" {
  k patch svc redis-replica --type json -p '[{"op":"replace","path":"/spec/ports/0/nodePort","value":30999}]' >/dev/null
  REDISPAIR_TEST_POLL_INTERVAL=0.05 redispair::test::eventually "${REPAIR_TIMEOUT}" node_port_is redis-replica 32401
  k set image deployment/redis-replica redis=redis:6 >/dev/null
  REDISPAIR_TEST_POLL_INTERVAL=0.05 redispair::test::eventually "${REPAIR_TIMEOUT}" image_is deployment/redis-replica redis:7.2
}

cronjob_gone() { ! k get cronjob/redis-info >/dev/null 2>&1; }
schedule_is() { [[ "$(jp cronjob/redis-info '{.spec.schedule}')" == "$1" ]]; }

@test "spec changes: a new NodePort propagates; the INFO CronJob follows its toggle" {
  k patch redispair redis --type merge -p '{"spec":{"master":{"nodePort":30400}}}' >/dev/null
  redispair::test::eventually 5 node_port_is redis-master 30400
  k patch redispair redis --type merge -p '{"spec":{"master":{"nodePort":32400}}}' >/dev/null
  redispair::test::eventually 5 node_port_is redis-master 32400

  k patch redispair redis --type merge -p '{"spec":{"infoJob":{"enabled":true,"schedule":"*/2 * * * *"}}}' >/dev/null
  redispair::test::eventually 5 schedule_is "*/2 * * * *"
  k patch redispair redis --type merge -p '{"spec":{"infoJob":{"enabled":false,"schedule":"*/1 * * * *"}}}' >/dev/null
  redispair::test::eventually 5 cronjob_gone
}

@test "spec changes: the API server refuses a storage size edit before the operator sees it" {
  run -1 k patch redispair redis --type merge -p '{"spec":{"master":{"storage":{"size":"2Gi"}}}}'
  [[ "${output}" == *"spec.master.storage.size"*"is immutable"* ]]
  [[ "$(jp redispair/redis '{.spec.master.storage.size}')" == 1Gi ]]
}

# The image that refuse_image_policy forbids in StatefulSets of namespace NS.
REFUSED_IMAGE=redis:7.2-refused
# kubectl apply|delete of a ValidatingAdmissionPolicy, and its binding to NS, that refuses StatefulSets running
# REFUSED_IMAGE: a refusal by the API server of a child that the CRD cannot foresee.
refuse_image_policy() {
  redispair::test::kubectl "$@" -f - >/dev/null <<POLICY
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: redispair-test-refuse-image}
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
      - {apiGroups: [apps], apiVersions: [v1], operations: [CREATE, UPDATE], resources: [statefulsets]}
  validations:
    - expression: "object.spec.template.spec.containers.all(c, c.image != '${REFUSED_IMAGE}')"
      message: "image ${REFUSED_IMAGE} is not allowed here (test policy)"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: redispair-test-refuse-image}
spec:
  policyName: redispair-test-refuse-image
  validationActions: [Deny]
  matchResources:
    namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ${NS}}}
POLICY
}
# The policy is in force: the API server refuses a (dry-run) StatefulSet running REFUSED_IMAGE.
policy_in_force() {
  local out
  out="$(k create --dry-run=server -f - 2>&1 <<STS
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: policy-probe}
spec:
  selector: {matchLabels: {app: policy-probe}}
  serviceName: policy-probe
  template:
    metadata: {labels: {app: policy-probe}}
    spec: {containers: [{name: redis, image: "${REFUSED_IMAGE}"}]}
STS
  )" && return 1
  [[ "${out}" == *"is not allowed here"* ]]
}

reconciles() { redispair::op::metric redispair_reconcile_total; }
statefulset_applies() { redispair::op::metric 'redispair_reconcile_writes_total{what="StatefulSet"}'; }

@test "spec changes: a child the API server refuses is reported, retried on its own backoff, and probing goes on" {
  # An admission policy of the cluster refuses StatefulSets that run one image, which the CRD allows.
  refuse_image_policy apply
  redispair::test::eventually 10 policy_in_force
  k patch redispair redis --type merge -p "{\"spec\":{\"image\":\"${REFUSED_IMAGE}\"}}" >/dev/null
  ready_reason_is_apply_failed() { [[ "$(condition Ready reason)" == ApplyFailed ]]; }
  redispair::test::eventually 10 ready_reason_is_apply_failed
  [[ "$(condition Ready message)" == *"${REFUSED_IMAGE} is not allowed here"* ]]
  [[ "$(jp statefulset/redis-master '{.spec.template.spec.containers[0].image}')" == redis:7.2 ]]
  redispair::op::alive
  # Over the next 20 s the pair is still looked at every few seconds (the unhealthy resync, 5 s), while the
  # refused StatefulSet is tried again only on its own backoff (5 s, 10 s, 20 s, ...), not on every pass.
  local reconciles0 applies0
  reconciles0="$(reconciles)"
  applies0="$(statefulset_applies)"
  sleep 20
  echo "# in 20 s: $(($(reconciles) - reconciles0)) reconciles, $(($(statefulset_applies) - applies0)) StatefulSet applies" >&3
  (($(reconciles) - reconciles0 >= 3))
  (($(statefulset_applies) - applies0 <= 3))
  # It is an Event too, deduplicated: one Event per refusal, with a series.
  run -0 k get events.v1.events.k8s.io -o json
  [[ "$(jq '[.items[] | select(.regarding.name == "redis" and .reason == "ApplyRefused")] | length' <<<"${output}")" -ge 1 ]]
  # Other children still follow the spec meanwhile.
  k patch redispair redis --type merge -p '{"spec":{"replica":{"nodePort":30401}}}' >/dev/null
  redispair::test::eventually 5 node_port_is redis-replica 30401
  # The fix is applied at once, whatever the backoff.
  k patch redispair redis --type merge -p '{"spec":{"image":"redis:7.2","replica":{"nodePort":32401}}}' >/dev/null
  redispair::test::eventually 10 status_explains_pending
  redispair::test::eventually 5 node_port_is redis-replica 32401
  refuse_image_policy delete
}

@test "watch recovery: the operator survives an API server restart and reconciles afterwards" {
  redispair::cp::restart_apiserver
  redispair::op::alive
  k patch redispair redis --type merge -p '{"spec":{"replica":{"nodePort":30411}}}' >/dev/null
  redispair::test::eventually 40 node_port_is redis-replica 30411
  # A deleted child is still repaired, so the child watches recovered too.
  k delete svc redis-master-headless --wait=false >/dev/null
  redispair::test::eventually 10 k get svc redis-master-headless
}

@test "watch recovery: a compacted history (410 Expired) is survived by relisting" {
  local lists_before
  lists_before="$(redispair::op::metric redispair_informer_lists_total)"
  redispair::cp::expire_watch_history
  redispair::op::alive
  k patch redispair redis --type merge -p '{"spec":{"replica":{"nodePort":32401}}}' >/dev/null
  redispair::test::eventually 40 node_port_is redis-replica 32401
  relisted() { (($(redispair::op::metric redispair_informer_lists_total) > lists_before)); }
  redispair::test::eventually 30 relisted
  grep -q '"watch expired; relisting"' "$(redispair::op::log)"
}

@test "quiet steady state: no API writes over ${QUIET_SECONDS} s when nothing changes" {
  # Let the earlier tests' changes settle first.
  sleep 5
  local before after reconciles_before reconciles_after
  before="$(redispair::op::metric redispair_api_write_requests_total)"
  reconciles_before="$(redispair::op::metric redispair_reconcile_total)"
  sleep "${QUIET_SECONDS}"
  after="$(redispair::op::metric redispair_api_write_requests_total)"
  reconciles_after="$(redispair::op::metric redispair_reconcile_total)"
  echo "# writes: ${before} -> ${after}; reconciles: ${reconciles_before} -> ${reconciles_after}" >&3
  # The operator kept looking (periodic health checks) but wrote nothing.
  ((reconciles_after > reconciles_before))
  ((after == before))
}

pvc_exists() { k get pvc "$1" >/dev/null 2>&1; }
pvc_gone() { ! pvc_exists "$1"; }
children_gone() {
  [[ -z "$(k get svc,statefulset,deployment,secret -l app.kubernetes.io/instance="$1" -o name)" ]]
}

@test "deletion: children are garbage-collected; the master PVC is kept by default" {
  redispair::test::eventually 20 pvc_exists data-redis-master-0
  k delete redispair redis --wait=true >/dev/null
  redispair::test::eventually 30 children_gone redis
  # Retain: the data outlives the RedisPair.
  sleep 2
  pvc_exists data-redis-master-0
  k delete pvc data-redis-master-0 --wait=false >/dev/null
}

@test "deletion: with retentionPolicy Delete the master PVC goes too" {
  sed -e 's/name: redis$/name: purge/' -e 's/retentionPolicy: Retain/retentionPolicy: Delete/' \
    -e 's/nodePort: 32400/nodePort: 31400/' -e 's/nodePort: 32401/nodePort: 31401/' "${RP}" |
    redispair::test::kubectl apply --server-side -f - >/dev/null
  redispair::test::eventually 30 pvc_exists data-purge-master-0
  k delete redispair purge --wait=true >/dev/null
  redispair::test::eventually 30 children_gone purge
  redispair::test::eventually 30 pvc_gone data-purge-master-0
}

@test "shutdown: SIGTERM stops the operator cleanly with exit status 0" {
  run -0 redispair::op::stop
  grep -q '"operator stopped"' "$(redispair::op::log)"
}
