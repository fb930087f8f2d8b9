#!/usr/bin/env bats
# Differential test against the real redis-cli; the work is done by differential.sh.
#   REDISPAIR_BIN=/path/to/redispair-import bats test/importer/differential.bats
# DIFFERENTIAL_GENERATED (default 300) sets how many random lines are generated.

load lib/common

setup() {
  importer::require_binary
}

@test "every corpus and generated line loads exactly as with redis-cli, or both reject it" {
  run "${BATS_TEST_DIRNAME}/differential.sh" --generated "${DIFFERENTIAL_GENERATED:-300}"
  echo "${output}"
  [[ "${status}" -eq 0 ]]
  [[ "${output}" == *"lines agree"* ]]
}

@test "redis-cli itself hides bad lines: it prints Invalid argument(s) and exits 0" {
  # Why the importer exists: this is the behaviour we must not copy.
  local dir
  dir="$(mktemp -d "${BATS_TEST_TMPDIR}/cli.XXXXXX")"
  redispair::testredis::start "${dir}"
  run bash -c "printf 'SET a \"unterminated\nSET b ok\n' | redis-cli -p ${REDIS_PORT}"
  redispair::testredis::stop "${REDIS_PID}"
  [[ "${status}" -eq 0 ]]
  [[ "${output}" == *"Invalid argument(s)"* ]]
}
