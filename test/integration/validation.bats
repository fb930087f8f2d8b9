#!/usr/bin/env bats
# The RedisPair CRD against the real kube-apiserver: defaults, OpenAPI and CEL validation, kubectl explain and
# printer columns. Every file in cases/invalid/ must be refused by the server and the error must contain each of
# its "# expect: <fragment>" lines. Invalid cases use server-side dry-run, so they never persist anything.

bats_require_minimum_version 1.5.0

load helpers

VALIDATION_NS=redispair-validation
CASES_DIR="${BATS_TEST_DIRNAME}/cases/invalid"
MIN_INVALID_CASES=12

setup_file() {
  redispair::test::ensure_control_plane
  redispair::test::apply_crd
  redispair::test::ensure_namespace redis # deploy/redispair.yaml names it
  redispair::test::ensure_namespace "${VALIDATION_NS}"
}

teardown_file() {
  redispair::test::kubectl delete redispairs --all -n "${VALIDATION_NS}" --ignore-not-found >/dev/null || true
  redispair::test::release_control_plane
}

# Server-side dry-run create of the manifest on stdin; prints the defaulted object as JSON.
dry_run_create() {
  redispair::test::kubectl create --dry-run=server -n "${VALIDATION_NS}" -o json -f -
}

# 0 when `kubectl explain FIELD` prints TEXT.
explain_mentions() {
  redispair::test::kubectl explain "$1" | grep -qF "$2"
}

@test "the CRD is established with the short name rp and the status subresource" {
  run redispair::test::kubectl get crd redispairs.redispair.io -o json
  [ "${status}" -eq 0 ]
  [ "$(jq -r '.status.conditions[] | select(.type == "Established") | .status' <<<"${output}")" == "True" ]
  [ "$(jq -r '.spec.names.shortNames | join(",")' <<<"${output}")" == "rp" ]
  [ "$(jq -r '.spec.versions[0].subresources.status | type' <<<"${output}")" == "object" ]
  [ "$(jq -r '.spec.scope' <<<"${output}")" == "Namespaced" ]
}

@test "deploy/redispair.yaml is accepted and filled in with the defaults" {
  run --separate-stderr redispair::test::kubectl create --dry-run=server -o json -f "${REDISPAIR_TEST_ROOT}/deploy/redispair.yaml"
  [ "${status}" -eq 0 ]
  local obj="${output}"
  [ "$(jq -r '.metadata.namespace + "/" + .metadata.name' <<<"${obj}")" == "redis/redis" ]
  [ "$(jq -r '.spec.master.nodePort' <<<"${obj}")" == 32400 ]
  [ "$(jq -r '.spec.replica.nodePort' <<<"${obj}")" == 32401 ]
  [ "$(jq -r '.spec.infoJob.schedule' <<<"${obj}")" == "*/1 * * * *" ]
  [ "$(jq -r '.spec.infoJob.enabled' <<<"${obj}")" == false ]
  [ "$(jq -r '.spec.auth.enabled' <<<"${obj}")" == true ]
  [ "$(jq -r '.spec.auth.secretKey' <<<"${obj}")" == password ]
  [ "$(jq -r '.spec.imagePullPolicy' <<<"${obj}")" == IfNotPresent ]
  [ "$(jq -r '.spec.master.storage.size' <<<"${obj}")" == 1Gi ]
  [ "$(jq -r '.spec.master.storage.retentionPolicy' <<<"${obj}")" == Retain ]
  [ "$(jq -c '.spec.replica.resources' <<<"${obj}")" == '{"limits":{"memory":"256Mi"},"requests":{"cpu":"50m","memory":"64Mi"}}' ]
}

@test "an object without spec gets every default" {
  run --separate-stderr dry_run_create <<'EOF'
apiVersion: redispair.io/v1alpha1
kind: RedisPair
metadata:
  name: empty-spec
EOF
  [ "${status}" -eq 0 ]
  local want='{"auth":{"enabled":true,"secretKey":"password","secretName":""},"exposeWithoutAuth":false,"image":"redis:7.2",'
  want+='"imagePullPolicy":"IfNotPresent","infoJob":{"enabled":false,"schedule":"*/1 * * * *"},'
  want+='"master":{"nodePort":32400,"resources":{"limits":{"memory":"256Mi"},"requests":{"cpu":"50m","memory":"64Mi"}},'
  want+='"storage":{"retentionPolicy":"Retain","size":"1Gi"}},'
  want+='"redis":{"maxmemoryPolicy":"noeviction"},'
  want+='"replica":{"nodePort":32401,"resources":{"limits":{"memory":"256Mi"},"requests":{"cpu":"50m","memory":"64Mi"}}}}'
  [ "$(jq -cS '.spec' <<<"${output}")" == "$(jq -cS . <<<"${want}")" ]
}

@test "values at the edges of every rule are accepted" {
  run --separate-stderr dry_run_create <<'EOF'
apiVersion: redispair.io/v1alpha1
kind: RedisPair
metadata:
  name: this-name-is-exactly-forty-characters-ok
spec:
  imagePullPolicy: Never
  auth:
    secretName: my-redis.password
    secretKey: redis_password-1.txt
  master:
    nodePort: 30000
    storage:
      size: 1073741824
      storageClassName: local-path
      retentionPolicy: Delete
    resources:
      requests: {cpu: 1, memory: 1Gi, ephemeral-storage: 100Mi}
      limits: {cpu: "1", memory: 1024Mi}
  replica:
    nodePort: 32767
    resources:
      limits: {memory: 1Gi}
  redis:
    maxmemory: 512Mi
    maxmemoryPolicy: allkeys-lru
  infoJob:
    enabled: true
    schedule: "@every 1h30m"
EOF
  [ "${status}" -eq 0 ]
  [ "$(jq -r '.spec.master.resources.requests.cpu' <<<"${output}")" == 1 ]

  local schedule
  for schedule in "@daily" "@hourly" "0 */2 * * 1-5" "30 4 1,15 * MON" "*/1 * * * *"; do
    run --separate-stderr dry_run_create <<EOF
apiVersion: redispair.io/v1alpha1
kind: RedisPair
metadata:
  name: schedule-ok
spec:
  infoJob: {schedule: "${schedule}"}
EOF
    [ "${status}" -eq 0 ] || {
      echo "schedule '${schedule}' refused: ${stderr}"
      return 1
    }
  done
}

@test "auth may be off with NodePorts only when the spec says so (exposeWithoutAuth)" {
  run --separate-stderr dry_run_create <<'EOF'
apiVersion: redispair.io/v1alpha1
kind: RedisPair
metadata:
  name: no-auth-acknowledged
spec:
  exposeWithoutAuth: true
  auth: {enabled: false}
EOF
  [ "${status}" -eq 0 ]
  [ "$(jq -r '.spec.exposeWithoutAuth' <<<"${output}")" == true ]
  run --separate-stderr dry_run_create <<'EOF'
apiVersion: redispair.io/v1alpha1
kind: RedisPair
metadata:
  name: no-auth-default
EOF
  [ "${status}" -eq 0 ]
  [ "$(jq -r '.spec.exposeWithoutAuth' <<<"${output}")" == false ]
}

# Patches the RedisPair "immutable" with the JSON merge patch $1; prints the API server's answer.
patch_immutable() {
  redispair::test::kubectl patch rp immutable -n "${VALIDATION_NS}" --type merge -p "$1" 2>&1
}

@test "storage size and class cannot be edited: the API server refuses with what to do instead" {
  redispair::test::kubectl apply --server-side -n "${VALIDATION_NS}" -f - >/dev/null <<'EOF'
apiVersion: redispair.io/v1alpha1
kind: RedisPair
metadata:
  name: immutable
spec:
  master:
    storage: {size: 1Gi, storageClassName: standard}
EOF
  run -1 patch_immutable '{"spec":{"master":{"storage":{"size":"2Gi"}}}}'
  [[ "${output}" == *"spec.master.storage.size"* ]]
  [[ "${output}" == *"is immutable"* ]]
  [[ "${output}" == *"expand the PersistentVolumeClaim"* ]]
  run -1 patch_immutable '{"spec":{"master":{"storage":{"storageClassName":"fast"}}}}'
  [[ "${output}" == *"spec.master.storage.storageClassName"* ]]
  [[ "${output}" == *"is immutable"* ]]
  run -1 patch_immutable '{"spec":{"master":{"storage":{"storageClassName":null}}}}'
  [[ "${output}" == *"is immutable"* ]]
  # Nothing changed, and what may change still can.
  [ "$(redispair::test::kubectl get rp immutable -n "${VALIDATION_NS}" -o jsonpath='{.spec.master.storage.size}')" == 1Gi ]
  run -0 patch_immutable '{"spec":{"master":{"storage":{"retentionPolicy":"Delete"}},"image":"redis:7.2.4"}}'
  # Writing the same size again is no change.
  run -0 patch_immutable '{"spec":{"master":{"storage":{"size":"1Gi"}}}}'
}

@test "every invalid case is refused with its expected message (at least ${MIN_INVALID_CASES} cases)" {
  local files=("${CASES_DIR}"/*.yaml)
  ((${#files[@]} >= MIN_INVALID_CASES))
  local file name stderr fragment failures=0
  local -a fragments
  for file in "${files[@]}"; do
    name="${file##*/}"
    mapfile -t fragments < <(redispair::test::expectations "${file}")
    if ((${#fragments[@]} == 0)); then
      echo "${name}: has no '# expect:' line"
      failures=$((failures + 1))
      continue
    fi
    if stderr="$(redispair::test::kubectl apply --server-side --dry-run=server --field-manager=redispair-tests \
      -n "${VALIDATION_NS}" -f "${file}" 2>&1 >/dev/null)"; then
      echo "${name}: ACCEPTED, but should have been refused"
      failures=$((failures + 1))
      continue
    fi
    for fragment in "${fragments[@]}"; do
      if [[ "${stderr}" != *"${fragment}"* ]]; then
        echo "${name}: the error lacks '${fragment}'; the API server said: ${stderr}"
        failures=$((failures + 1))
      fi
    done
  done
  ((failures == 0))
}

@test "kubectl explain shows the field descriptions" {
  # The OpenAPI document is published a moment after the CRD becomes Established.
  redispair::test::eventually "${REDISPAIR_TEST_TIMEOUT}" \
    explain_mentions redispair.spec.master.nodePort "Fixed NodePort of the master"
  run redispair::test::kubectl explain redispair.spec.master.nodePort
  [ "${status}" -eq 0 ]
  [[ "${output}" == *"Fixed NodePort of the master's Service"* ]]
  [[ "${output}" == *"30000-32767"* ]]
  run redispair::test::kubectl explain redispair.spec.master.storage.retentionPolicy
  [[ "${output}" == *"Retain"*"Delete"* ]]
}

@test "kubectl get rp prints the printer columns, filled from status" {
  redispair::test::kubectl apply --server-side -n "${VALIDATION_NS}" -f - >/dev/null <<'EOF'
apiVersion: redispair.io/v1alpha1
kind: RedisPair
metadata:
  name: columns
EOF
  run redispair::test::kubectl get rp -n "${VALIDATION_NS}" columns
  [ "${status}" -eq 0 ]
  [[ "${lines[0]}" =~ ^NAME\ +READY\ +MASTER\ +REPLICA\ +LINK\ +AGE$ ]]

  # The status subresource accepts the documented shape, and the columns read it.
  local now
  now="$(date -u +%FT%TZ)"
  redispair::test::kubectl patch rp columns -n "${VALIDATION_NS}" --subresource=status --type=merge -p "$(
    cat <<EOF
{"status": {
  "observedGeneration": 1,
  "conditions": [{"type": "Ready", "status": "True", "observedGeneration": 1, "lastTransitionTime": "${now}",
                  "reason": "Ready", "message": "master and replica ready, link up"}],
  "master": {"pod": "columns-master-0", "node": "node-a", "ready": true, "hostIP": "127.0.0.2"},
  "replica": {"pod": "columns-replica-abc", "node": "node-b", "ready": true, "hostIP": "127.0.0.3"},
  "endpoints": {"master": "127.0.0.2:32400", "replica": "127.0.0.3:32401"},
  "replication": {"linkStatus": "up", "lag": "InSync", "connectedReplicas": 1}
}}
EOF
  )" >/dev/null
  run redispair::test::kubectl get rp -n "${VALIDATION_NS}" columns --no-headers
  [[ "${output}" =~ ^columns\ +True\ +node-a\ +node-b\ +up\ + ]]
  run redispair::test::kubectl get rp -n "${VALIDATION_NS}" columns -o wide
  [[ "${lines[0]}" =~ LAG\ +MASTER-ENDPOINT\ +REPLICA-ENDPOINT ]]
  [[ "${lines[1]}" == *InSync*"127.0.0.2:32400"* ]]
  # A status write leaves metadata.generation alone; only spec changes bump it.
  [ "$(redispair::test::kubectl get rp -n "${VALIDATION_NS}" columns -o jsonpath='{.metadata.generation}')" == 1 ]
  redispair::test::kubectl wait rp/columns -n "${VALIDATION_NS}" --for=condition=Ready --timeout=5s
}
