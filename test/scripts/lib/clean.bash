# shellcheck shell=bash
# A clean environment, as a new user's shell has it, for the suites of test/scripts/ that check what the
# scripts say and leave behind: nothing of this machine's environment, and a cluster that is down.
#
#   rp::clean::setup_file       (from setup_file) writes, under BATS_FILE_TMPDIR:
#                                 bin/          links to the commands of /usr/bin and /bin, minikube excluded
#                                 kubeconfig    context "redispair" (the scripts' default) whose API server
#                                               is a port nothing listens on
#   rp::clean CMD...            runs CMD under `env -i` with only PATH, HOME, XDG_STATE_HOME, KUBECONFIG, TERM
#                               (RP_CLEAN_PATH and RP_CLEAN_KUBECONFIG, when set, replace that PATH and
#                               KUBECONFIG)
#   rp::clean::path_without TOOL...   a PATH like bin/ without TOOL... as well, for RP_CLEAN_PATH

rp::clean::setup_file() {
  PATH=/usr/bin:/bin rp::path_without "${BATS_FILE_TMPDIR}/bin" minikube >/dev/null
  cat >"${BATS_FILE_TMPDIR}/kubeconfig" <<'KUBECONFIG'
apiVersion: v1
kind: Config
clusters:
- name: redispair
  cluster:
    server: https://127.0.0.1:9
users:
- name: redispair
  user:
    token: not-a-token
contexts:
- name: redispair
  context: {cluster: redispair, user: redispair}
current-context: redispair
KUBECONFIG
}

rp::clean() {
  mkdir -p "${BATS_TEST_TMPDIR}/home"
  env -i PATH="${RP_CLEAN_PATH:-${BATS_FILE_TMPDIR}/bin}" HOME="${BATS_TEST_TMPDIR}/home" \
    XDG_STATE_HOME="${BATS_TEST_TMPDIR}/home/.local/state" KUBECONFIG="${RP_CLEAN_KUBECONFIG:-${BATS_FILE_TMPDIR}/kubeconfig}" TERM=dumb "$@"
}

rp::clean::path_without() {
  PATH="${BATS_FILE_TMPDIR}/bin" rp::path_without "${BATS_TEST_TMPDIR}/bin-without" minikube "$@"
}
