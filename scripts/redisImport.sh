#!/usr/bin/env bash
# Imports a file of redis-cli commands (default import/redis/data.txt; format: import/README.md) into the
# Redis master, with only kubectl on this host. The master pod carries the importer (its init container
# copies it from the operator's image), so the file is streamed to it with one `kubectl exec -i`, and the
# password reaches it from the container's environment (never in argv). A master pod without it (an
# operator from before) gets the importer as a short-lived pod instead. Undo: scripts/redisClean.sh
set -o errexit -o nounset -o pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly ROOT
# shellcheck source=scripts/lib/log.sh
source "${ROOT}/scripts/lib/log.sh"
# shellcheck source=scripts/lib/util.sh
source "${ROOT}/scripts/lib/util.sh"
# shellcheck source=scripts/lib/prereq.sh
source "${ROOT}/scripts/lib/prereq.sh"
# shellcheck source=scripts/lib/args.sh
source "${ROOT}/scripts/lib/args.sh"
# shellcheck source=scripts/lib/names.sh
source "${ROOT}/scripts/lib/names.sh"
# shellcheck source=scripts/lib/k8s.sh
source "${ROOT}/scripts/lib/k8s.sh"
redispair::log::install_err_trap

readonly DEFAULT_FILE="${ROOT}/import/redis/data.txt"
# Where the importer records what it imported (see import/README.md).
readonly IMPORTS_KEY=redispair:imports
: "${REDISPAIR_IMPORT_POD_TIMEOUT:=120s}"
# Where the master's redis container finds the importer (operator/src/controller/redis_config.h kImporterDir).
readonly IMPORTER_DIR=/opt/redispair
# The exit status that says "this master pod has no importer" (as a shell's for a command not found).
readonly NO_IMPORTER=127

usage() {
  cat <<USAGE
Usage: scripts/${0##*/} [--dry-run] [--flush-first] [--force] [--help] [FILE | -]

Imports FILE (default: ${DEFAULT_FILE#"${ROOT}"/}; - reads standard input) into the master of RedisPair
${REDISPAIR_NAMESPACE}/${REDISPAIR_NAME}, pipelined and exact (\`redispair import\`, see import/README.md):
  1. validates the file here when a redispair binary is on PATH or in build/ (bad lines are listed
     with their numbers and nothing is sent); otherwise the in-cluster importer validates it first;
  2. streams the file with one \`kubectl exec -i\` to the importer inside the master pod, which
     validates it again, skips content imported before (recorded in ${IMPORTS_KEY}) unless --force
     or --flush-first, and sends it; the password is the container's REDISCLI_AUTH; its exit status
     is this script's;
  3. only when that fails: checks the cluster and the RedisPair and says what is wrong. A master pod
     without the importer (an older operator) gets it as a short-lived pod instead (restricted Pod
     Security), with the key counts of the master and the replica before and after.

  --dry-run      validate (in the cluster when there is no local binary) and send nothing
  --flush-first  FLUSHALL the master first (the replica follows)
  --force        import even if this exact content was imported before
Environment: KUBE_CONTEXT [${KUBE_CONTEXT:-current context}], REDISPAIR_BIN (a local redispair binary)
Undo: scripts/redisClean.sh
USAGE
}

# A local redispair binary for validation, or nothing.
local_importer() {
  local candidate
  for candidate in "${REDISPAIR_BIN:-}" "$(command -v redispair 2>/dev/null || true)" "${ROOT}/build/operator/redispair"; do
    if [[ -n "${candidate}" && -x "${candidate}" ]]; then
      printf '%s' "${candidate}"
      return 0
    fi
  done
}

sha256_of() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | awk '{ print $1 }'
  else
    shasum -a 256 "$1" | awk '{ print $1 }'
  fi
}

validate_locally() {
  local file="$1" shown="$2" bin rc=0
  bin="$(local_importer)"
  if [[ -z "${bin}" ]]; then
    redispair::log::info "no local redispair binary (build/operator/redispair): the importer in the cluster validates ${shown} before sending anything"
    return 0
  fi
  redispair::log::info "validating ${shown} locally: ${bin#"${ROOT}"/} import --dry-run"
  "${bin}" import --dry-run "${file}" || rc=$?
  if ((rc != 0)); then
    redispair::log::error "${shown} does not parse (lines listed above): nothing was sent. Fix it, then run again: $(redispair::args::rerun)"
    exit "${rc}"
  fi
}

# The importer pod: restricted Pod Security, stdin attached once, password from the Secret.
pod_overrides() {
  local name="$1" image="$2" policy="$3" secret="$4" key="$5"
  shift 5
  local args="" a
  for a in "$@"; do args="${args}, \"${a}\""; done
  cat <<JSON
{
  "apiVersion": "v1",
  "metadata": {"labels": {"app.kubernetes.io/name": "redispair-import", "app.kubernetes.io/part-of": "redispair"}},
  "spec": {
    "restartPolicy": "Never",
    "automountServiceAccountToken": false,
    "enableServiceLinks": false,
    "securityContext": {"runAsNonRoot": true, "runAsUser": 65532, "runAsGroup": 65532, "seccompProfile": {"type": "RuntimeDefault"}},
    "volumes": [{"name": "tmp", "emptyDir": {}}],
    "containers": [{
      "name": "${name}",
      "image": "${image}",
      "imagePullPolicy": "${policy}",
      "args": [${args#, }],
      "stdin": true,
      "stdinOnce": true,
      "env": [{"name": "REDISCLI_AUTH", "valueFrom": {"secretKeyRef": {"name": "${secret}", "key": "${key}", "optional": true}}}],
      "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}],
      "resources": {"requests": {"cpu": "50m", "memory": "32Mi"}, "limits": {"memory": "256Mi"}},
      "securityContext": {"allowPrivilegeEscalation": false, "readOnlyRootFilesystem": true, "capabilities": {"drop": ["ALL"]}}
    }]
  }
}
JSON
}

# Streams FILE to the importer in the master pod. Returns the importer's exit status, NO_IMPORTER when the
# pod has none, or kubectl's (1) when the pod cannot be reached (kubectl then says why, and for a non-zero
# status of the importer it adds "command terminated with exit code N").
import_in_master() {
  local file="$1"
  shift
  local rc=0
  # shellcheck disable=SC2016 # expanded by the container's shell
  redispair::k8s::kubectl_ns exec -i "${REDISPAIR_NAME}-master-0" -c redis -- sh -c \
    '[ -x "$1/redispair-import" ] || exit '"${NO_IMPORTER}"'; d="$1"; shift; TMPDIR="$d" exec "$d/redispair-import" "$@"' \
    sh "${IMPORTER_DIR}" --port 6379 --skip-imported "$@" - <"${file}" || rc=$?
  return "${rc}"
}

key_counts() {
  local role n
  for role in master replica; do
    n="$(redispair::k8s::redis_cli "${role}" DBSIZE 2>/dev/null || echo '?')"
    redispair::log::step "${role}: ${n} keys"
  done
}

main() {
  local file="" shown arg
  local -a flags=()
  for arg in "$@"; do
    case "${arg}" in
      --dry-run | --flush-first | --force) flags+=("${arg}") ;;
      -) file=- ;;
      -*) redispair::args::check "" "${arg}" ;; # --help, or a usage error
      *)
        [[ -z "${file}" ]] || redispair::args::usage_error "only one FILE, got: ${file} and ${arg}"
        file="${arg}"
        ;;
    esac
  done
  redispair::log::info "checking prerequisites: kubectl"
  redispair::prereq::require kubectl || exit 1

  file="${file:-${DEFAULT_FILE}}"
  shown="${file#"${ROOT}"/}"
  if [[ "${file}" == - ]]; then
    # Spooled once, so it can be validated here, hashed, and streamed like a file.
    local tmp
    tmp="$(mktemp -d)"
    redispair::util::trap_add "rm -rf '${tmp}'" EXIT
    cat >"${tmp}/stdin.txt"
    file="${tmp}/stdin.txt"
    shown="<stdin>"
  fi
  [[ -f "${file}" && -r "${file}" ]] || redispair::log::fatal "cannot read ${shown}: no such file (the default is ${DEFAULT_FILE#"${ROOT}"/})"
  redispair::log::info "import ${shown}: $(wc -l <"${file}" | tr -d ' ') lines, $(wc -c <"${file}" | tr -d ' ') bytes; flags: ${flags[*]:-none}"
  validate_locally "${file}" "${shown}"
  if redispair::args::has --dry-run ${flags[@]+"${flags[@]}"} && [[ -n "$(local_importer)" ]]; then
    redispair::log::info "--dry-run: validated here, nothing sent"
    return 0
  fi

  local rc=0
  redispair::log::info "kubectl exec -i ${REDISPAIR_NAME}-master-0 -- ${IMPORTER_DIR}/redispair-import ${flags[*]+"${flags[*]} "}- < ${shown}"
  import_in_master "${file}" ${flags[@]+"${flags[@]}"} || rc=$?
  if ((rc == 0)); then
    redispair::log::info "done. Read it back: source scripts/_dev_vars.sh && redis-cli -h \"\${REDIS_SLAVE_HOST_PORT%:*}\" -p \"\${REDIS_SLAVE_HOST_PORT#*:}\" GET Hello"
    return 0
  fi
  # Whatever failed, the cluster and the RedisPair come first: their messages say what to run next.
  redispair::k8s::require_cluster || exit 1
  redispair::k8s::require_ready || exit 1
  if ((rc != NO_IMPORTER)); then
    redispair::log::error "the importer exited with status ${rc} (its messages are above)"
    exit "${rc}"
  fi
  redispair::log::info "the master pod has no importer (an operator from before it shipped one): running it as a pod"

  local sha previous
  sha="$(sha256_of "${file}")"
  if ! redispair::args::has "--force --flush-first --dry-run" ${flags[@]+"${flags[@]}"}; then
    previous="$(redispair::k8s::redis_cli master HGET "${IMPORTS_KEY}" "${sha}" 2>/dev/null || true)"
    if [[ -n "${previous}" ]]; then
      redispair::log::info "${shown} (sha256 ${sha}) was already imported (${previous}): nothing to do."
      redispair::log::info "Import it again with: scripts/${0##*/} --force ${shown}   (or start over: scripts/${0##*/} --flush-first)"
      key_counts
      return 0
    fi
  fi

  local image policy secret key
  image="$(redispair::k8s::kubectl_ns get deployment "${REDISPAIR_OPERATOR_DEPLOYMENT}" \
    -o jsonpath='{.spec.template.spec.containers[0].image}' 2>/dev/null || true)"
  [[ -n "${image}" ]] || redispair::log::fatal "operator Deployment ${REDISPAIR_OPERATOR_DEPLOYMENT} not found: its image holds the importer. Run scripts/01-redis-up.sh"
  policy="$(redispair::k8s::kubectl_ns get deployment "${REDISPAIR_OPERATOR_DEPLOYMENT}" \
    -o jsonpath='{.spec.template.spec.containers[0].imagePullPolicy}')"
  secret="$(redispair::k8s::kubectl_ns get redispair "${REDISPAIR_NAME}" -o jsonpath='{.spec.auth.secretName}')"
  key="$(redispair::k8s::kubectl_ns get redispair "${REDISPAIR_NAME}" -o jsonpath='{.spec.auth.secretKey}')"
  secret="${secret:-$(redispair::names::generated_secret "${REDISPAIR_NAME}")}"
  key="${key:-password}"

  # The master's ClusterIP Service, not the pod's headless name: right after a deploy, CoreDNS may still
  # cache the "no such name" answer that the replica got for the pod name before the master pod existed
  # (negative caching, up to 30 s), while the Service's name exists from the moment the Service does.
  local host pod
  host="$(redispair::names::master_service "${REDISPAIR_NAME}").${REDISPAIR_NAMESPACE}.svc"
  pod="redis-import-$(date +%Y%m%d%H%M%S)-$$"
  local -a args=(import --host "${host}" --port "$(redispair::names::redis_port)" ${flags[@]+"${flags[@]}"} -)
  redispair::log::info "key counts before:"
  key_counts
  redispair::log::info "running pod ${pod} (image ${image}): /redispair ${args[*]} < ${shown}"
  rc=0
  redispair::k8s::kubectl_ns run "${pod}" --image="${image}" --restart=Never --rm -i --quiet \
    --pod-running-timeout="${REDISPAIR_IMPORT_POD_TIMEOUT}" \
    --overrides="$(pod_overrides "${pod}" "${image}" "${policy:-IfNotPresent}" "${secret}" "${key}" "${args[@]}")" \
    <"${file}" || rc=$?
  redispair::log::info "key counts after:"
  key_counts
  if ((rc != 0)); then
    redispair::log::error "the importer exited with status ${rc} (its messages are above)"
    exit "${rc}"
  fi
  redispair::log::info "done. Read it back: source scripts/_dev_vars.sh && redis-cli -h \"\${REDIS_SLAVE_HOST_PORT%:*}\" -p \"\${REDIS_SLAVE_HOST_PORT#*:}\" GET Hello"
}

main "$@"
