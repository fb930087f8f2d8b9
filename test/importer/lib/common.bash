# shellcheck shell=bash
# Shared setup for the importer bats files: the binary under test and a private redis-server.

# shellcheck source=test/importer/lib/redis-server.sh
source "${BATS_TEST_DIRNAME}/lib/redis-server.sh"

# The binary under test: the full `redispair` or the standalone `redispair-import`; both accept
# `import ARGS...`.
: "${REDISPAIR_BIN:=$(cd "${BATS_TEST_DIRNAME}/../.." && pwd)/build/operator/redispair}"

importer::require_binary() {
  if [[ ! -x "${REDISPAIR_BIN}" ]]; then
    redispair::log::error "REDISPAIR_BIN=${REDISPAIR_BIN} is not an executable file." \
      "Build it (cmake --build build) or point REDISPAIR_BIN at redispair or redispair-import."
    return 1
  fi
}

# Starts the shared server for a .bats file; call from setup_file.
importer::start_server() {
  importer::require_binary
  IMPORTER_TMP="$(mktemp -d "${BATS_FILE_TMPDIR:-/tmp}/importer.XXXXXX")"
  export IMPORTER_TMP
  redispair::testredis::start "${IMPORTER_TMP}"
}

importer::stop_server() {
  redispair::testredis::stop "${REDIS_PID:-}"
}

# Runs the importer against the shared server.
import_cmd() {
  "${REDISPAIR_BIN}" import --port "${REDIS_PORT}" "$@"
}

rcli() {
  redis-cli -p "${REDIS_PORT}" "$@"
}
