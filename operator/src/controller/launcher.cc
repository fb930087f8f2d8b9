#include "controller/launcher.h"

namespace redispair {
namespace {

std::string Replace(std::string text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

}  // namespace

std::vector<std::string> RedisLauncherArgs() {
  // POSIX sh (dash in Debian's image and in the official one). Everything it reads comes from the
  // environment; the auth lines and the guard's extra lines reach redis-server through a
  // here-document (a pipe in dash), so no password is in any argv or on any disk. Tools beyond
  // sh: redis-cli, sha256sum, cut, sed, getent, timeout, date, sort: all in both images.
  static const char* kLauncher = R"SH(set -eu
say() { printf 'redispair-launcher: %s\n' "$*" >&2; }
nl='
'
cr=$(printf '\r')
auth=
if [ -n "${REDISCLI_AUTH:-}" ]; then
  # The clients' password: one trailing line ending is not part of it (util/password.h).
  pw=${REDISPAIR_PASSWORD-}
  case $pw in *"$nl") pw=${pw%"$nl"}; pw=${pw%"$cr"} ;; esac
  case $pw in
    '') say "the auth Secret's password is empty: refusing to start"; exit 1 ;;
    *"$nl"* | *"$cr"*)
      say "the auth Secret's password holds a line break (one trailing newline is all that is allowed): refusing to start"
      exit 1 ;;
  esac
  sha() { printf '%s' "$1" | sha256sum | cut -d ' ' -f 1; }
  op=$(printf '%s' "$REDISCLI_AUTH" | sed 's/[\\"]/\\&/g')
  auth="user default on #$(sha "$pw") #$(sha "$REDISCLI_AUTH") ~* &* +@all
masterauth \"$op\""
  unset pw op
fi

start() {
  unset REDISPAIR_PASSWORD REDISCLI_AUTH
  exec redis-server - <<EOF
$REDIS_CONFIG
$auth
$*
EOF
}

[ -n "${REDISPAIR_REFILL_FROM:-}" ] || start

# The empty-master guard (controller/launcher.h).
dir=$(printf '%s\n' "$REDIS_CONFIG" | sed -n 's/^dir //p' | tail -n 1)
for f in "$dir/appendonly.aof" "$dir/dump.rdb" "$dir"/appendonlydir/*.manifest; do
  [ -e "$f" ] && start
done
host=${REDISPAIR_REFILL_FROM%:*}
port=${REDISPAIR_REFILL_FROM##*:}
# redis-cli's answer (or error) on one line.
cli() {
  h=$1
  shift
  { timeout 5 redis-cli --no-auth-warning -h "$h" -p "$port" "$@" 2>&1 || true; } |
    tr '\r\n' '  ' | sed 's/ *$//'
}
# Prints "N IP" for the replica pod with the most keys, "0" when none holds any, or "? WHY".
survey() {
  ips=$(getent ahostsv4 "$host" | while read -r ip _; do echo "$ip"; done | sort -u) || true
  if [ -z "$ips" ]; then
    out=$(cli "$host" PING)
    case $out in
      *"Name or service not known"* | *"No address associated"*) echo 0 ;;
      *) echo "? $host: $out" ;;
    esac
    return
  fi
  best=0
  best_ip=''
  why=''
  for ip in $ips; do
    out=$(cli "$ip" DBSIZE)
    case $out in
      *"Connection refused"*) ;;
      '' | *[!0-9]*) why="$ip: $out" ;;
      *) [ "$out" -le "$best" ] || { best=$out; best_ip=$ip; } ;;
    esac
  done
  if [ "$best" -gt 0 ]; then
    echo "$best $best_ip"
  elif [ -n "$why" ]; then
    echo "? $why"
  else
    echo 0
  fi
}
deadline=$(($(date +%s) + ${REDISPAIR_REFILL_GUARD_SECONDS:-@GUARD_SECONDS@}))
while :; do
  verdict=$(survey)
  case $verdict in
    0)
      say "$dir holds no data and no replica holds any: starting as an empty master"
      start ;;
    '?'*) why=${verdict#? } ;;
    *)
      keys=${verdict%% *}
      ip=${verdict#* }
      out=$(cli "$ip" REPLICAOF NO ONE)
      if [ "$out" = OK ]; then
        say "$dir holds no data and replica $ip holds $keys keys: detached it (REPLICAOF NO ONE); starting as its replica to refill"
        start "appendonly no
replicaof $ip $port"
      fi
      why="REPLICAOF NO ONE on $ip: $out" ;;
  esac
  if [ "$(date +%s)" -ge "$deadline" ]; then
    say "$dir holds no data and it is unknown whether a replica does ($why): not starting empty; exiting, to be restarted"
    exit 1
  fi
  sleep 2
done
)SH";
  return {"sh", "-c", Replace(kLauncher, "@GUARD_SECONDS@", std::to_string(kRefillGuardSeconds))};
}

}  // namespace redispair
