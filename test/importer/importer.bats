#!/usr/bin/env bats
# Integration tests of `redispair import` against a real, private redis-server.
#   REDISPAIR_BIN=/path/to/redispair-import bats test/importer/importer.bats

load lib/common

setup_file() {
  importer::start_server
}

teardown_file() {
  importer::stop_server
}

setup() {
  unset REDISCLI_AUTH
  rcli FLUSHALL >/dev/null
  DATA="${BATS_TEST_DIRNAME}/../../import/redis/data.txt"
}

teardown() {
  if [[ -f "${BATS_TEST_TMPDIR}/extra-server.pid" ]]; then
    redispair::testredis::stop "$(cat "${BATS_TEST_TMPDIR}/extra-server.pid")"
  fi
}

# Writes stdin to a file in the test's temp dir and prints its path.
make_file() {
  local path="${BATS_TEST_TMPDIR}/$1"
  cat >"${path}"
  printf '%s\n' "${path}"
}

@test "the sample data file imports exactly as redis-cli loads it" {
  run import_cmd "${DATA}"
  [[ "${status}" -eq 0 ]] || { echo "${output}"; false; }
  [[ "${output}" == *"errors         0"* ]]
  redispair::testredis::snapshot "${REDIS_PORT}" >"${BATS_TEST_TMPDIR}/ours"

  rcli FLUSHALL >/dev/null
  rcli <"${DATA}" >/dev/null
  redispair::testredis::snapshot "${REDIS_PORT}" >"${BATS_TEST_TMPDIR}/theirs"
  diff "${BATS_TEST_TMPDIR}/ours" "${BATS_TEST_TMPDIR}/theirs"
  [[ "$(wc -l <"${BATS_TEST_TMPDIR}/ours")" -ge 20 ]]
}

@test "keys and values carry no quote characters and keep every byte" {
  import_cmd "${DATA}"
  [[ "$(rcli --raw GET Hello)" == "World" ]]
  [[ "$(rcli --raw GET Dev)" == "Ops" ]]
  [[ "$(rcli EXISTS '"Hello"')" == "0" ]]
  [[ "$(rcli --raw GET app:quote)" == 'she said "hello" and left' ]]
  [[ "$(rcli --raw GET app:apostrophe)" == "it's single-quoted" ]]
  [[ "$(rcli --raw GET app:path)" == 'C:\Users\dev\redis' ]]
  [[ "$(rcli --no-raw GET app:nul-inside)" == '"before\x00after"' ]]
  [[ "$(rcli --no-raw GET app:unicode)" == '"caf\xc3\xa9 cr\xc3\xa8me"' ]]
  [[ "$(rcli STRLEN app:empty)" == "0" && "$(rcli EXISTS app:empty)" == "1" ]]
  [[ "$(rcli TTL session:alice)" -gt 0 ]]
  [[ "$(rcli --raw HGET user:1001 role)" == "rear admiral" ]]
  [[ "$(rcli --raw ZSCORE leaderboard 'carol the third')" == "92.5" ]]
}

@test "a bad line 7 sends nothing and is named with its column" {
  local file
  file="$(make_file bad.txt <<'DATA'
SET a 1
SET b 2
INCR c
HSET h f v

SET d 4
SET e "unterminated
SET f 6
DATA
)"
  run import_cmd "${file}"
  [[ "${status}" -eq 1 ]]
  [[ "${output}" == *"line 7, column 7: unbalanced double quote"* ]]
  [[ "${output}" == *"nothing was sent"* ]]
  [[ "$(rcli DBSIZE)" == "0" ]]
}

@test "every bad line is listed, up to 20, then counted" {
  local file
  file="$(for i in $(seq 1 30); do printf 'SET k%s "x\n' "${i}"; done | make_file many-bad.txt)"
  run import_cmd "${file}"
  [[ "${status}" -eq 1 ]]
  [[ "${output}" == *"30 bad line(s)"* ]]
  [[ "${output}" == *"line 20, column"* ]]
  [[ "${output}" != *"line 21, column"* ]]
  [[ "${output}" == *"... and 10 more"* ]]
  [[ "$(rcli DBSIZE)" == "0" ]]
}

@test "a WRONGTYPE error is reported with its source line and a non-zero exit" {
  local file
  file="$(make_file wrongtype.txt <<'DATA'
SET s "a string"

RPUSH l x
INCR n
LPUSH s oops
SET after ok
DATA
)"
  run import_cmd "${file}"
  [[ "${status}" -eq 1 ]]
  [[ "${output}" == *"line 5: WRONGTYPE"* ]]
  [[ "${output}" == *"commands sent  5"* ]]
  [[ "${output}" == *"errors         1"* ]]
  # The other commands, after the failing one too, were applied.
  [[ "$(rcli --raw GET after)" == "ok" ]]
}

@test "an unknown command is reported with its line" {
  local file
  file="$(printf 'SET a 1\nNOSUCHCOMMAND x\n' | make_file unknown.txt)"
  run import_cmd "${file}"
  [[ "${status}" -eq 1 ]]
  [[ "${output}" == *"line 2: ERR unknown command"* ]]
}

@test "a replay is refused without --force and allowed with it" {
  local file
  file="$(printf 'INCR visits\n' | make_file counter.txt)"
  import_cmd "${file}"
  [[ "$(rcli GET visits)" == "1" ]]

  run import_cmd "${file}"
  [[ "${status}" -eq 1 ]]
  [[ "${output}" == *"already imported"* ]]
  [[ "${output}" == *"HGETALL redispair:imports"* ]]
  [[ "${output}" == *"DEL redispair:imports"* ]]
  [[ "$(rcli GET visits)" == "1" ]]

  run import_cmd --force "${file}"
  [[ "${status}" -eq 0 ]]
  [[ "$(rcli GET visits)" == "2" ]]

  # The record is visible, and deleting it lifts the guard.
  [[ "$(rcli HLEN redispair:imports)" == "1" ]]
  [[ "$(rcli --raw HVALS redispair:imports)" == *"lines=1 commands=1 errors=0"* ]]
  rcli DEL redispair:imports >/dev/null
  import_cmd "${file}"
  [[ "$(rcli GET visits)" == "3" ]]
}

@test "--flush-first empties the database and the guard before importing" {
  local file
  file="$(printf 'INCR visits\n' | make_file counter.txt)"
  rcli SET stale 1 >/dev/null
  import_cmd "${file}"
  run import_cmd --flush-first "${file}"
  [[ "${status}" -eq 0 ]]
  [[ "$(rcli GET visits)" == "1" ]]
  [[ "$(rcli EXISTS stale)" == "0" ]]
}

@test "standard input is imported with -" {
  run bash -c "printf 'SET piped \"via stdin\"\r\n' | \"${REDISPAIR_BIN}\" import --port ${REDIS_PORT} -"
  [[ "${status}" -eq 0 ]]
  [[ "$(rcli --raw GET piped)" == "via stdin" ]]
}

@test "--dry-run validates without connecting" {
  run "${REDISPAIR_BIN}" import --dry-run --port 1 "${DATA}"
  [[ "${status}" -eq 0 ]]
  [[ "${output}" == *"is valid"* ]]
  run bash -c "printf 'SET a \"b\n' | \"${REDISPAIR_BIN}\" import --dry-run -"
  [[ "${status}" -eq 1 ]]
  [[ "${output}" == *"line 1, column 7"* ]]
}

@test "--emit-resp output loads with redis-cli --pipe" {
  "${REDISPAIR_BIN}" import --emit-resp "${DATA}" >"${BATS_TEST_TMPDIR}/data.resp"
  rcli --pipe <"${BATS_TEST_TMPDIR}/data.resp"
  [[ "$(rcli --raw GET app:quote)" == 'she said "hello" and left' ]]
}

@test "redis-cli repeat counts and built-ins are rejected, not misread" {
  local file
  file="$(printf 'SET a 1\n3 INCR n\nquit\n' | make_file cli-only.txt)"
  run import_cmd "${file}"
  [[ "${status}" -eq 1 ]]
  [[ "${output}" == *"line 2: a leading number is a redis-cli repeat count"* ]]
  [[ "${output}" == *"line 3: 'quit' is a redis-cli built-in"* ]]
  [[ "$(rcli DBSIZE)" == "0" ]]
}

@test "a connection failure is a clear error" {
  run "${REDISPAIR_BIN}" import --port 1 "${DATA}"
  [[ "${status}" -eq 1 ]]
  [[ "${output}" == *"cannot connect to redis at 127.0.0.1:1"* ]]
}

@test "usage errors exit 2, and passwords are refused on the command line" {
  run "${REDISPAIR_BIN}" import --bogus "${DATA}"
  [[ "${status}" -eq 2 ]]
  run "${REDISPAIR_BIN}" import -a secret "${DATA}"
  [[ "${status}" -eq 2 ]]
  [[ "${output}" == *"REDISCLI_AUTH"* ]]
  [[ "${output}" != *"secret"* ]]
  run "${REDISPAIR_BIN}" import
  [[ "${status}" -eq 2 ]]
}

@test "auth: REDISCLI_AUTH and --password-file work; missing or wrong passwords fail clearly" {
  local dir port pid
  dir="$(mktemp -d "${BATS_TEST_TMPDIR}/auth.XXXXXX")"
  # A second server of its own; `local` keeps the shared server's REDIS_PORT/PID intact.
  local REDIS_PORT REDIS_PID
  redispair::testredis::start "${dir}" --requirepass 's3cret pass'
  port="${REDIS_PORT}" pid="${REDIS_PID}"
  printf '%s\n' "${pid}" >"${BATS_TEST_TMPDIR}/extra-server.pid" # stopped by teardown on failure

  run "${REDISPAIR_BIN}" import --port "${port}" "${DATA}"
  [[ "${status}" -eq 1 ]]
  [[ "${output}" == *"requires a password: set REDISCLI_AUTH or pass --password-file"* ]]

  REDISCLI_AUTH=wrong run "${REDISPAIR_BIN}" import --port "${port}" "${DATA}"
  [[ "${status}" -eq 1 ]]
  [[ "${output}" == *"rejected the password"* ]]
  [[ "${output}" != *"wrong"*"wrong"* ]]

  REDISCLI_AUTH='s3cret pass' run "${REDISPAIR_BIN}" import --port "${port}" "${DATA}"
  [[ "${status}" -eq 0 ]]

  printf 's3cret pass\n' >"${dir}/password"
  run "${REDISPAIR_BIN}" import --port "${port}" --password-file "${dir}/password" --force "${DATA}"
  [[ "${status}" -eq 0 ]]
  [[ "$(REDISCLI_AUTH='s3cret pass' redis-cli -p "${port}" --raw GET Hello)" == "World" ]]

}

@test "a pipe given as a path is spooled like stdin" {
  run bash -c "\"${REDISPAIR_BIN}\" import --port ${REDIS_PORT} <(printf 'SET fifo \"from a pipe\"\n')"
  [[ "${status}" -eq 0 ]]
  [[ "$(rcli --raw GET fifo)" == "from a pipe" ]]
}

@test "SELECT in the file works and the summary and guard stay in database 0" {
  local file
  file="$(printf 'SET zero 0\nSELECT 1\nSET one 1\n' | make_file select.txt)"
  run import_cmd "${file}"
  [[ "${status}" -eq 0 ]]
  [[ "$(rcli -n 1 --raw GET one)" == "1" ]]
  [[ "$(rcli EXISTS zero redispair:imports)" == "2" ]]
  rcli -n 1 FLUSHDB >/dev/null
}

@test "a command failing inside MULTI/EXEC is reported at the EXEC line" {
  local file
  file="$(printf 'SET s x\nMULTI\nSET t y\nLPUSH s z\nEXEC\n' | make_file multi.txt)"
  run import_cmd "${file}"
  [[ "${status}" -eq 1 ]]
  [[ "${output}" == *"line 5: command 2 of the transaction failed: WRONGTYPE"* ]]
  [[ "$(rcli --raw GET t)" == "y" ]]
}
