#!/usr/bin/env bats
# Ownership and consent, against the real API server: an object with a child's name that is not the RedisPair's
# is reported (status and an Event) and left untouched; a NodePort another Service holds is reported with that
# Service; a user-named Secret is used only once it opts in; Events are recorded once and then counted in their
# series.

bats_require_minimum_version 1.5.0

load helpers
load lib/operator

NS=redis-own
RP_NAME=own
STEP_TIMEOUT=30
# Its own ops port, next to the base one (the file is read again for every test: keep the first value).
export OWNERSHIP_OP_PORT="${OWNERSHIP_OP_PORT:-$((${REDISPAIR_OP_PORT:-18480} + 2))}"
export REDISPAIR_OP_PORT="${OWNERSHIP_OP_PORT}"

k() { redispair::test::kubectl -n "${NS}" "$@"; }
jp() { k get "$1" -o "jsonpath=$2"; }
condition() { jp "redispair/${RP_NAME}" "{.status.conditions[?(@.type==\"$1\")].$2}"; }
ready_reason_is() { [[ "$(condition Ready reason)" == "$1" ]]; }
ready_reason_is_not() { [[ -n "$(condition Ready reason)" && "$(condition Ready reason)" != "$1" ]]; }
# Prints the JSON array of this pair's Events (events.k8s.io/v1) with reason $1.
events_of() {
  k get events.v1.events.k8s.io -o json |
    jq -c --arg r "$1" --arg n "${RP_NAME}" '[.items[] | select(.regarding.name == $n and .reason == $r)]'
}
series_count_at_least() { (($(events_of "$1" | jq '[.[].series.count // 1] | max // 0') >= $2)); }
controlled_by_pair() {
  [[ "$(jp "$1" '{.metadata.ownerReferences[?(@.controller==true)].uid}')" == "$(jp "redispair/${RP_NAME}" '{.metadata.uid}')" ]]
}
# The Secret the master's pods read the clients' password from (REDISPAIR_PASSWORD; REDISCLI_AUTH is the
# operator's own, operator/src/controller/launcher.h).
secret_in_template() {
  [[ "$(jp "statefulset/${RP_NAME}-master" '{.spec.template.spec.containers[0].env[?(@.name=="REDISPAIR_PASSWORD")].valueFrom.secretKeyRef.name}')" == "$1" ]]
}

setup_file() {
  redispair::test::ensure_control_plane
  redispair::test::apply_crd
  redispair::test::kubectl delete namespace "${NS}" --wait=true --ignore-not-found >/dev/null
  redispair::test::ensure_namespace "${NS}"
  redispair::op::install_rbac "${NS}"
  redispair::op::start "${NS}"
}

teardown_file() {
  redispair::op::stop || true
  redispair::test::kubectl delete namespace "${NS}" --wait=false >/dev/null 2>&1 || true
  redispair::test::release_control_plane
}

teardown() {
  if [[ -n "${BATS_TEST_COMPLETED:-}" ]]; then return 0; fi
  echo "# operator log (last 20 lines):" >&3
  tail -n 20 "$(redispair::op::log)" | sed 's/^/#   /' >&3
}

@test "ownership: a foreign Service with a child's name is reported as ChildConflict and left untouched" {
  # Made by someone else (here: "Helm"), before the RedisPair exists.
  k apply --server-side --field-manager=helm -f - >/dev/null <<'SVC'
apiVersion: v1
kind: Service
metadata:
  name: own-master
  labels: {app.kubernetes.io/managed-by: Helm}
spec:
  selector: {app: web}
  ports: [{port: 80}]
SVC
  local before
  before="$(k get service own-master -o json | jq -c '{rv: .metadata.resourceVersion, spec: .spec, owners: .metadata.ownerReferences}')"
  k apply --server-side -f - >/dev/null <<RP
apiVersion: redispair.io/v1alpha1
kind: RedisPair
metadata:
  name: ${RP_NAME}
spec:
  master: {nodePort: 31600}
  replica: {nodePort: 31601}
RP
  redispair::test::eventually "${STEP_TIMEOUT}" ready_reason_is ChildConflict
  [[ "$(condition Ready message)" == *"Service ${NS}/own-master"*"managed by Helm"*"delete or rename it"* ]]
  # The other children are there; the foreign Service is exactly as it was (no apply, no ownerReference).
  redispair::test::eventually "${STEP_TIMEOUT}" k get "statefulset/${RP_NAME}-master" "deployment/${RP_NAME}-replica" \
    "service/${RP_NAME}-replica" "service/${RP_NAME}-master-headless"
  sleep 6 # at least one more pass
  [[ "$(k get service own-master -o json | jq -c '{rv: .metadata.resourceVersion, spec: .spec, owners: .metadata.ownerReferences}')" == "${before}" ]]
}

@test "events: the conflict is one Event whose series counts the passes" {
  redispair::test::eventually "${STEP_TIMEOUT}" series_count_at_least ChildConflict 2
  run -0 events_of ChildConflict
  local events="${output}"
  [[ "$(jq 'length' <<<"${events}")" == 1 ]]
  [[ "$(jq -r '.[0].type' <<<"${events}")" == Warning ]]
  [[ "$(jq -r '.[0].note' <<<"${events}")" == *"Service ${NS}/own-master"* ]]
  [[ "$(jq -r '.[0].reportingController' <<<"${events}")" == redispair.io/redispair-operator ]]
  [[ "$(jq -r '.[0].regarding.kind' <<<"${events}")" == RedisPair ]]
  # kubectl describe shows it too (through the core/v1 view of the same Event).
  run -0 k describe redispair "${RP_NAME}"
  [[ "${output}" == *ChildConflict* ]]
  # The children it did create are one Created Event.
  run -0 events_of Created
  [[ "$(jq 'length' <<<"${output}")" == 1 ]]
  [[ "$(jq -r '.[0].note' <<<"${output}")" == *"StatefulSet ${RP_NAME}-master"* ]]
}

@test "ownership: once the foreign Service is deleted, the operator creates its own" {
  k delete service own-master >/dev/null
  redispair::test::eventually "${STEP_TIMEOUT}" controlled_by_pair service/own-master
  redispair::test::eventually "${STEP_TIMEOUT}" ready_reason_is_not ChildConflict
  [[ "$(jp service/own-master '{.spec.ports[0].nodePort}')" == 31600 ]]
}

@test "NodePorts: a port another Service holds is reported with that Service, and nothing is applied" {
  k create service nodeport web --tcp=80:80 --node-port=31602 >/dev/null
  k patch redispair "${RP_NAME}" --type merge -p '{"spec":{"replica":{"nodePort":31602}}}' >/dev/null
  redispair::test::eventually "${STEP_TIMEOUT}" ready_reason_is NodePortConflict
  [[ "$(condition Ready message)" == *"NodePort 31602"*"Service ${NS}/web"* ]]
  [[ "$(jp "service/${RP_NAME}-replica" '{.spec.ports[0].nodePort}')" == 31601 ]]
  redispair::test::eventually "${STEP_TIMEOUT}" series_count_at_least NodePortConflict 1
  k patch redispair "${RP_NAME}" --type merge -p '{"spec":{"replica":{"nodePort":31601}}}' >/dev/null
  redispair::test::eventually "${STEP_TIMEOUT}" ready_reason_is_not NodePortConflict
}

@test "secrets: a user-named Secret is used only once it carries redispair.io/auth=true" {
  k create secret generic mine --from-literal=password=not-opted-in-yet >/dev/null
  k patch redispair "${RP_NAME}" --type merge -p '{"spec":{"auth":{"secretName":"mine"}}}' >/dev/null
  redispair::test::eventually "${STEP_TIMEOUT}" ready_reason_is AuthSecretNotOptedIn
  [[ "$(condition Ready message)" == *"kubectl label secret mine -n ${NS} redispair.io/auth=true"* ]]
  # Its value reaches no pod: the workloads still read the generated Secret.
  secret_in_template "${RP_NAME}-auth"
  sleep 6 # at least one more pass
  secret_in_template "${RP_NAME}-auth"
  # The owner opts in.
  k label secret mine redispair.io/auth=true >/dev/null
  redispair::test::eventually "${STEP_TIMEOUT}" secret_in_template mine
  redispair::test::eventually "${STEP_TIMEOUT}" ready_reason_is_not AuthSecretNotOptedIn
  # No Event of the run holds a password.
  local generated events
  generated="$(jp "secret/${RP_NAME}-auth" '{.data.password}' | base64 -d)"
  events="$(k get events.v1.events.k8s.io -o json)"
  [[ "${events}" != *"${generated}"* ]]
  [[ "${events}" != *not-opted-in-yet* ]]
}
