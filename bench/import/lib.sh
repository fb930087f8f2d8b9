# shellcheck shell=bash
# What the import benchmarks share (bench/import/run.sh, bench/import/cluster.sh). Defines functions only.
#   bench::generate N   prints N redis-cli command lines
#   bench::now_ns       wall clock, nanoseconds

# Prints N commands: a mix of SET/HSET/INCR/RPUSH/SADD/ZADD with spaces, escapes and both quote
# styles, over key spaces small enough that hashes, lists and sets grow.
bench::generate() {
  local count="$1"
  LC_ALL=C awk -v n="${count}" 'BEGIN {
    for (i = 0; i < n; i++) {
      r = i % 6
      if (r == 0) printf "SET key:%d \"value with spaces %d\"\n", i, i
      else if (r == 1) printf "HSET user:%d name \"Ada \\\"L\\\" %d\" age %d\n", i % 50000, i, i % 90
      else if (r == 2) printf "INCR counter:%d\n", i % 1000
      else if (r == 3) printf "RPUSH list:%d \x27it\\\x27s %d\x27\n", i % 1000, i
      else if (r == 4) printf "SADD set:%d m%d\n", i % 1000, i
      else printf "ZADD z:%d %d \"m\\x41%d\"\n", i % 1000, i, i
    }
  }'
}

bench::now_ns() { date +%s%N; }
