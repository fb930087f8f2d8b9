#!/usr/bin/env bats
# scripts/lib/names.sh, the scripts' copy of the operator's naming scheme (operator/src/controller/names.h),
# against what the operator renders (`redispair render`) for a RedisPair: every child name, the master's
# pod and claim, the generated Secret, the label selectors and the Redis port. If one side changes alone,
# this fails, so the scripts never look for objects under names the operator no longer uses.

bats_require_minimum_version 1.5.0

load lib/helpers

setup_file() {
  export RP_BIN="${REDISPAIR_BIN:-${RP_ROOT}/build/operator/redispair}"
  [[ -x "${RP_BIN}" ]] || { echo "build the binary first (make build): no ${RP_BIN}" >&2; return 1; }
}

setup() {
  cd "${RP_ROOT}"
  # shellcheck source=scripts/lib/names.sh
  source scripts/lib/names.sh
}

# Renders deploy/redispair.yaml as RedisPair NAME with the INFO CronJob on, to ${BATS_TEST_TMPDIR}/NAME.json.
render_as() {
  local name="$1"
  sed -e "s/^  name: redis\$/  name: ${name}/" -e 's/^    enabled: false/    enabled: true/' deploy/redispair.yaml |
    "${RP_BIN}" render >"${BATS_TEST_TMPDIR}/${name}.json"
  # The substitution took: one StatefulSet, named after NAME.
  [[ "$(jq -r '[.[] | select(.kind == "StatefulSet")] | length' "${BATS_TEST_TMPDIR}/${name}.json")" == 1 ]]
}

# jq FILTER on the rendered children of NAME, raw output.
rendered() {
  jq -r "$2" "${BATS_TEST_TMPDIR}/$1.json"
}

@test "every child name and the master's pod, claim and Secret match what the operator renders" {
  local name sts
  for name in redis shop-cache; do
    render_as "${name}"
    sts="$(rendered "${name}" '.[] | select(.kind == "StatefulSet") | .metadata.name')"
    [[ "${sts}" == "$(redispair::names::master_statefulset "${name}")" ]]
    [[ "${sts}-0" == "$(redispair::names::master_pod "${name}")" ]]
    [[ "$(rendered "${name}" '.[] | select(.kind == "StatefulSet") | .spec.volumeClaimTemplates[0].metadata.name')-${sts}-0" == \
      "$(redispair::names::master_pvc "${name}")" ]]
    [[ "$(rendered "${name}" '.[] | select(.kind == "StatefulSet") | .spec.serviceName')" == \
      "$(redispair::names::master_headless_service "${name}")" ]]
    [[ "$(rendered "${name}" '.[] | select(.kind == "Service" and .spec.clusterIP == "None" and .spec.selector["app.kubernetes.io/component"] == "master") | .metadata.name')" == \
      "$(redispair::names::master_headless_service "${name}")" ]]
    [[ "$(rendered "${name}" '.[] | select(.kind == "Service" and .spec.clusterIP == "None" and .spec.selector["app.kubernetes.io/component"] == "replica") | .metadata.name')" == \
      "$(redispair::names::replica_headless_service "${name}")" ]]
    [[ "$(rendered "${name}" '.[] | select(.kind == "Service" and .spec.type == "NodePort" and .spec.selector["app.kubernetes.io/component"] == "master") | .metadata.name')" == \
      "$(redispair::names::master_service "${name}")" ]]
    [[ "$(rendered "${name}" '.[] | select(.kind == "Service" and .spec.type == "NodePort" and .spec.selector["app.kubernetes.io/component"] == "replica") | .metadata.name')" == \
      "$(redispair::names::replica_service "${name}")" ]]
    [[ "$(rendered "${name}" '.[] | select(.kind == "Deployment") | .metadata.name')" == "$(redispair::names::replica_deployment "${name}")" ]]
    [[ "$(rendered "${name}" '.[] | select(.kind == "CronJob") | .metadata.name')" == "$(redispair::names::info_cronjob "${name}")" ]]
    # spec.auth.secretName is empty: the pods read the clients' password from the generated Secret, and
    # their own from the operator's.
    [[ "$(rendered "${name}" '[.[] | .. | .secretKeyRef? | select(. != null) | .name] | unique | join(" ")')" == \
      "$(redispair::names::generated_secret "${name}") $(redispair::names::operator_secret "${name}")" ]]
  done
}

@test "redispair::names::children lists exactly the rendered children and the generated Secret" {
  local name
  for name in redis shop-cache; do
    render_as "${name}"
    diff <(redispair::names::children "${name}" | sort) <(
      rendered "${name}" '(.[] | "\(.kind | ascii_downcase)/\(.metadata.name)"), (.[] | .. | .secretKeyRef? | select(. != null) | "secret/\(.name)")' |
        sort -u
    )
  done
}

@test "redispair::names::selector selects the objects, pods and claims of each component, and only that RedisPair's" {
  local name component labels
  render_as redis
  render_as shop-cache
  for name in redis shop-cache; do
    # Every labelled thing the operator renders: objects, pod templates, job templates, claim templates.
    while IFS=' ' read -r component labels; do
      [[ -n "${component}" ]] || continue
      for selector in "$(redispair::names::selector "${name}")" "$(redispair::names::selector "${name}" "${component}")"; do
        local pair
        for pair in ${selector//,/ }; do
          [[ ",${labels}," == *",${pair},"* ]] || { echo "${name}: ${pair} not in ${labels}"; return 1; }
        done
      done
      # The other RedisPair's selector does not match.
      [[ ",${labels}," != *",app.kubernetes.io/instance=$([[ "${name}" == redis ]] && echo shop-cache || echo redis),"* ]]
    done < <(rendered "${name}" '.. | objects | select(has("labels")) | .labels
      | "\(.["app.kubernetes.io/component"]) \(to_entries | map("\(.key)=\(.value)") | join(","))"')
  done
  [[ "$(rendered redis '[.. | objects | select(has("labels")) | .labels["app.kubernetes.io/component"]] | unique | join(" ")')" == "info master replica" ]]
}

@test "redispair::names::redis_port is the port of every Redis container and Service" {
  render_as redis
  [[ "$(rendered redis '[.[] | select(.kind == "Service") | .spec.ports[].port] | unique | .[]')" == "$(redispair::names::redis_port)" ]]
  [[ "$(rendered redis '[.[] | .. | .containers? | select(. != null) | .[] | select(.name == "redis") | .ports[].containerPort] | unique | .[]')" == \
    "$(redispair::names::redis_port)" ]]
}
