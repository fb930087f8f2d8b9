#!/usr/bin/env bats
# `make up` and `make down` on a machine without minikube (a PATH without it), as the README's Quick start runs
# them: the built-in two-node cluster of localcluster/, the whole workflow on it, and nothing left behind.
# Needs Linux and root. The cluster instance is REDISPAIR_CLUSTER_INSTANCE's, as for every cluster suite; the
# user's kubeconfig is a file of this suite's (KUBECONFIG), never ~/.kube/config.

bats_require_minimum_version 1.5.0

load lib/helpers

# The instance's settings (state directories, name prefix, networks) and KUBE_VERSION, for every test.
# shellcheck source=localcluster/lib/cluster.sh
source "${RP_ROOT}/localcluster/lib/cluster.sh"

# make up from nothing: the cluster's start, the operator's rollout, the RedisPair, the first INFO job.
: "${RP_MAKE_UP_TIMEOUT:=1800}"

setup_file() {
  [[ "$(uname -s)" == Linux && "${EUID}" -eq 0 ]] || skip "the built-in cluster needs Linux and root"
  export NOMK_PATH
  NOMK_PATH="$(rp::path_without "${BATS_FILE_TMPDIR}/bin" minikube)"
  # The user's kubeconfig, with a context of their own that make up and make down must keep.
  export KUBECONFIG="${BATS_FILE_TMPDIR}/kubeconfig"
  rp::dead_kubeconfig "${KUBECONFIG}"
  export XDG_STATE_HOME="${BATS_FILE_TMPDIR}/state" NO_COLOR=1
  # Namespace "redis" of this instance's cluster is also what test/e2e and cycle.bats deploy into.
  mkdir -p "${REDISPAIR_CLUSTER_DIR}" # the lock file lives there, and the cluster may not exist yet
  redispair::cluster::lock_namespace 1800 "${RP_MAKE_UP_TIMEOUT}"
}

teardown_file() {
  [[ "$(uname -s)" == Linux && "${EUID}" -eq 0 ]] || return 0
  # A failure half way must not leave a cluster running.
  PATH="${NOMK_PATH}" make -C "${RP_ROOT}" --no-print-directory down YES=1 >/dev/null 2>&1 || true
  redispair::cluster::unlock_namespace
}

# The machine as the cluster could leave it: its processes (by state directory), mounts, network namespaces and
# links (by name prefix), routes to its nodes and pods, host iptables rules that name them, and node cgroups.
leftovers() {
  local dir cmdline
  for dir in /proc/[0-9]*; do
    # stderr first: a process that ends between the glob and the read is no error message.
    cmdline="$(tr '\0' ' ' 2>/dev/null <"${dir}/cmdline")" || continue
    [[ "${cmdline}" == *"${REDISPAIR_CLUSTER_DIR}"* ]] && echo "process ${dir#/proc/} ${cmdline:0:80}"
  done
  findmnt -rn -o TARGET | grep -e "^${REDISPAIR_NODES_DIR}" -e "^${REDISPAIR_CLUSTER_DIR}" | sed 's/^/mount /'
  ip netns list | awk -v p="${REDISPAIR_NAME_PREFIX}" 'index($1, p) == 1 { print "netns " $1 }'
  ip -o link show | awk -F': ' -v p="${REDISPAIR_NAME_PREFIX}" 'index($2, p) == 1 { print "link " $2 }'
  ip route show | grep -F -e "${REDISPAIR_POD_CIDR_PREFIX}." -e "${REDISPAIR_NODE_SUBNET_PREFIX}." | sed 's/^/route /'
  { iptables-save; ip6tables-save; } 2>/dev/null | grep -F -e "${REDISPAIR_NAME_PREFIX}" -e "${REDISPAIR_NODE_SUBNET_PREFIX}." |
    sed 's/^/iptables /'
  find /sys/fs/cgroup -maxdepth 2 -name "${REDISPAIR_NAME_PREFIX}node-*" 2>/dev/null | sed 's/^/cgroup /'
  return 0
}

k() { kubectl --context redispair "$@"; }

# Prints how many keys of the imported data the Redis in POD holds (all but the importer's redispair:imports).
data_keys() {
  k -n redis exec "$1" -c redis -- redis-cli -p 6379 --scan | grep -cvx 'redispair:imports'
}

@test "CLUSTER=minikube without minikube: make up stops at once, says what to install, and starts nothing" {
  leftovers >"${BATS_TEST_TMPDIR}/before"
  run env PATH="${NOMK_PATH}" CLUSTER=minikube make -C "${RP_ROOT}" --no-print-directory up
  echo "${output}"
  [ "${status}" -ne 0 ]
  [[ "${output}" == *"CLUSTER=minikube: using minikube only"* ]]
  [[ "${output}" == *"minikube"*"install"* ]]
  [[ "${output}" != *"built-in cluster profile"* ]]
  # Compared with the machine before: what an earlier suite may still be tearing down is not this run's.
  leftovers >"${BATS_TEST_TMPDIR}/after"
  run comm -13 <(sort "${BATS_TEST_TMPDIR}/before") <(sort "${BATS_TEST_TMPDIR}/after")
  echo "started: ${output}"
  [ -z "${output}" ]
}

@test "CLUSTER=other is refused with the choices" {
  run env PATH="${NOMK_PATH}" CLUSTER=kind make -C "${RP_ROOT}" --no-print-directory up
  [ "${status}" -ne 0 ]
  [[ "${output}" == *"use CLUSTER=minikube or CLUSTER=local"* ]]
}

@test "not root: CLUSTER=local is refused with what to do; unset, the scripts guide towards minikube as before" {
  command -v setpriv >/dev/null || skip "setpriv (util-linux) is not installed"
  # The system's PATH (this suite's PATH directory is root's): it must not hold minikube either.
  [[ ! -e /usr/bin/minikube && ! -e /bin/minikube ]]
  local -a nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups env PATH=/usr/bin:/bin)
  run "${nobody[@]}" CLUSTER=local "${RP_ROOT}/hack/with-cluster.sh" --announce echo ran
  echo "${output}"
  [ "${status}" -eq 1 ]
  [[ "${output}" == *"needs Linux and root"*"install minikube and use CLUSTER=minikube"* ]]
  [[ "${output}" != *ran* ]]
  # shellcheck disable=SC2016 # expanded by the child shell
  run "${nobody[@]}" "${RP_ROOT}/hack/with-cluster.sh" --announce sh -c 'echo "ran with CLUSTER=${CLUSTER:-unset}"'
  echo "${output}"
  [ "${status}" -eq 0 ]
  [[ "${output}" == *"minikube not found, and the built-in cluster needs Linux and root"* ]]
  [[ "${output}" == *"ran with CLUSTER=unset"* ]]
}

@test "make up without minikube: the built-in cluster, a Ready pair on two nodes, the INFO CronJob, the data imported" {
  local start="${SECONDS}"
  run --separate-stderr env PATH="${NOMK_PATH}" timeout "${RP_MAKE_UP_TIMEOUT}" make -C "${RP_ROOT}" --no-print-directory up
  echo "${output}"
  # shellcheck disable=SC2154 # set by run --separate-stderr
  echo "${stderr}" >&2
  echo "make up took $((SECONDS - start))s" >&3
  [ "${status}" -eq 0 ]
  [[ "${stderr}" == *"minikube not found: using the built-in two-node cluster (real Kubernetes ${KUBE_VERSION}, built from source"*"set CLUSTER=minikube to refuse"* ]]
  # Its own output never calls the built-in cluster minikube: what runs as `minikube` says what it is.
  [[ "${output}" == *"creating built-in cluster profile redispair"* ]]
  [[ "${output}" == *"not minikube"* ]]
  [[ "${output}" != *"minikube profile"* ]]
  [[ "${output}" == *"Redis is up."* ]]

  # The profile's context was written into the user's kubeconfig, next to their own.
  run kubectl config get-contexts -o name
  [[ "${output}" == *redispair* && "${output}" == *dead* ]]
  run k get nodes -o jsonpath='{range .items[*]}{.metadata.name}={.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}'
  [ "${output}" == $'node-a=True\nnode-b=True' ]
  run k -n redis get redispair redis -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}'
  [ "${output}" == True ]
  local master_node replica_node
  master_node="$(k -n redis get pod redis-master-0 -o jsonpath='{.spec.nodeName}')"
  replica_node="$(k -n redis get pod -l app.kubernetes.io/component=replica -o jsonpath='{.items[0].spec.nodeName}')"
  [ -n "${master_node}" ]
  [ -n "${replica_node}" ]
  [ "${master_node}" != "${replica_node}" ]
  run k -n redis get cronjob redis-info -o jsonpath='{.spec.schedule}'
  [ "${output}" == "*/1 * * * *" ]
  # Every key of import/redis/data.txt, on the master and on the replica: 21 (queue:jobs is deleted, then pushed
  # again), next to the importer's own record of what it imported, redispair:imports.
  [ "$(data_keys redis-master-0)" -eq 21 ]
  [ "$(data_keys deploy/redis-replica)" -eq 21 ]
}

@test "_dev_vars.sh in bash against the built-in cluster gives addresses where redis-cli reads the imported data" {
  local out
  out="$(PATH="${RP_ROOT}/localcluster/bin:${NOMK_PATH}" bash -c '
    source "${RP_ROOT}/scripts/_dev_vars.sh" >/dev/null 2>&1 || exit 1
    redis-cli -h "${REDIS_MASTER_HOST_PORT%:*}" -p "${REDIS_MASTER_HOST_PORT#*:}" get Hello
    redis-cli -h "${REDIS_SLAVE_HOST_PORT%:*}" -p "${REDIS_SLAVE_HOST_PORT#*:}" hget user:1000 name' </dev/null)"
  [ "${out}" == $'World\nAda Lovelace' ]
}

@test "make up again, with everything up, changes nothing and keeps the data" {
  local start="${SECONDS}"
  run env PATH="${NOMK_PATH}" make -C "${RP_ROOT}" --no-print-directory up
  echo "${output}"
  echo "make up (warm, everything up) took $((SECONDS - start))s" >&3
  [ "${status}" -eq 0 ]
  [[ "${output}" == *"already exists with 2 node(s)"* ]]
  [ "$(data_keys redis-master-0)" -eq 21 ]
}

@test "make down leaves no process, mount, network namespace, link, route, iptables rule or cgroup, nor its kubeconfig context" {
  local start="${SECONDS}"
  run env PATH="${NOMK_PATH}" make -C "${RP_ROOT}" --no-print-directory down YES=1
  echo "${output}"
  echo "make down took $((SECONDS - start))s" >&3
  [ "${status}" -eq 0 ]
  [[ "${output}" == *"deleted built-in cluster profile redispair"* ]]
  run leftovers
  echo "left behind: ${output}"
  [ -z "${output}" ]
  run kubectl config get-contexts -o name
  [ "${output}" == dead ]
  # Twice is fine: nothing to delete.
  run env PATH="${NOMK_PATH}" make -C "${RP_ROOT}" --no-print-directory down YES=1
  [ "${status}" -eq 0 ]
  [[ "${output}" == *"built-in cluster profile redispair does not exist: nothing to delete"* ]]
}
